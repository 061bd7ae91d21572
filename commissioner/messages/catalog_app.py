"""Messages of the app area (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

APP_MESSAGES: Final[dict[str, Message]] = {
    "file.too-large": Message(
        "{path} is too large for this kind of file.",
        "{path} はこの種類のファイルとしては大きすぎます。",
        "Check that you chose the right file, then try again with it.",
        "正しいファイルを選んだか確かめてから、そのファイルでやり直してください。",
    ),
    "file.cannot-read": Message(
        "Cannot read {path}: {reason}.",
        "{path} を読み込めません（{reason}）。",
        "Check that the file exists and that you may read it, then try again.",
        "ファイルがあり、読み取り権限があることを確かめてから、やり直してください。",
    ),
    "file.cannot-write": Message(
        "Cannot write {path}: {reason}.",
        "{path} に書き込めません（{reason}）。",
        "Choose a folder you may write to with free space, then try again.",
        "書き込み権限と空き容量のあるフォルダーを選んで、やり直してください。",
    ),
    "file.not-json": Message(
        "{path} is not valid JSON.",
        "{path} は正しい JSON ではありません。",
        "Check the file's content, or create it again, then try again.",
        "ファイルの内容を確かめるか作り直してから、やり直してください。",
    ),
    "bundle.job-not-sealed": Message(
        "Job {job_id} is not handed over yet; only a sealed job can be exported.",
        "ジョブ {job_id} はまだ引き渡されていません。書き出せるのは封印済みのジョブだけです。",
        "Hand the home over first (commissioner handover), then export it.",
        "先に引き渡しを済ませてから（commissioner handover）、書き出してください。",
    ),
    "bundle.report-seal-mismatch": Message(
        "The report {report} cites the seal {cited}…, but the bundle's job is sealed with "
        "{sealed}….",
        "報告書 {report} が示す封印 {cited}… は、束のジョブの封印 {sealed}… と一致しません。",
        "Use the report that was printed for this job, or the bundle that belongs to the report.",
        "このジョブの報告書か、報告書に対応する束を使ってください。",
    ),
    "bundle.import-failed": Message(
        "The job was not imported: {detail}.",
        "ジョブは取り込まれませんでした（{detail}）。",
        "Nothing was stored. Check the bundle file and try again; ask the sender for a "
        "new bundle if it stays unreadable.",
        "何も保存されていません。束ファイルを確かめてやり直してくださ"
        "い。読めないままなら送り主に作り直しを依頼してください。",
    ),
    "bundle.report-no-seal": Message(
        "{report} is not a report with a seal.",
        "{report} は封印付きの報告書ではありません。",
        "Give the handover report PDF of the job.",
        "ジョブの引き渡し報告書の PDF を指定してください。",
    ),
    "value.out-of-range": Message(
        "{option} must be from {low} to {high}.",
        "{option} は {low} から {high} の範囲で指定してください。",
        "Give a value in that range and run the command again.",
        "範囲内の値を指定して、もう一度実行してください。",
    ),
    "value.invalid": Message(
        "The value was not accepted: {detail}.",
        "値を受け付けられませんでした（{detail}）。",
        "Correct the value and try again.",
        "値を直してから、やり直してください。",
    ),
    "certify.no-devices": Message(
        "No device of this job answered the scan.",
        "このジョブの機器がスキャンに1台も応答しませんでした。",
        "Check that the devices are powered and on this network, and that the mDNS "
        "interfaces in the settings are this network's; then run certify again.",
        "機器の電源が入り、このネットワークにつながっていること、設定"
        "の mDNS インターフェースがこのネットワークのものである"
        "ことを確かめてから、certify をもう一度実行してくださ"
        "い。",
    ),
    "commission.certify-first": Message(
        "run certify first: {count} device(s) of job {job_id} have not been checked "
        "against the catalog (commissioner certify --job {job_id}); nothing was changed",
        "先に certify を実行してください: ジョブ {job_id}"
        " の機器 {count} 台がまだカタログで確認されていませ"
        "ん（commissioner certify --job {job_id}"
        "）。何も変更していません。",
        "",
        "",
    ),
    "owner.job-sealed": Message(
        "Job {job_id} ({job_number}) is handed over and sealed; its owner cannot be "
        "changed in it.",
        "ジョブ {job_id}（{job_number}）は引き渡"
        "し済みで封印されているため、所有者を変更できません。",
        "For a new owner start a resale job (commissioner job new --kind resale "
        "--from-job {job_id}), then run commissioner wipe.",
        "新しい所有者には転売ジョブを作成し（commissioner"
        " job new --kind resale --from-"
        "job {job_id}）、commissioner wip"
        "e を実行してください。",
    ),
    "catalog.root-too-large": Message(
        "{path} is too large to be a catalog trust root.",
        "{path} はカタログのトラストルートとしては大きすぎます。",
        "Pass --root FILE with the platform's root.json.",
        "--root FILE でプラットフォームの root.json を指定してください。",
    ),
    "catalog.root-unreadable": Message(
        "Cannot read the catalog trust root {path}: {reason}.",
        "カタログのトラストルート {path} を読み込めません（{reason}）。",
        "Pass --root FILE with the platform's root.json.",
        "--root FILE でプラットフォームの root.json を指定してください。",
    ),
    "job.not-found": Message(
        "There is no job with id or job number '{job}' in this job store.",
        "ID またはジョブ番号が {job} のジョブは、このジョブ保管庫にありません。",
        "List the jobs with commissioner job list and use an id or job number shown there.",
        "commissioner job list でジョブを一覧し、表示された ID かジョブ番号を指定してください。",
    ),
    "store.missing": Message(
        "There is no job store at {path}.",
        "{path} にジョブ保管庫がありません。",
        "Create a job with commissioner job new, or pass --data-dir with the folder that "
        "holds the store.",
        "commissioner job new でジョブを作成する"
        "か、保管庫のあるフォルダーを --data-dir で指定し"
        "てください。",
    ),
    "store.too-new": Message(
        "The job store was written by a newer version of this app ({detail}).",
        "ジョブ保管庫はこのアプリより新しい版で書かれています（{detail}）。",
        "Install the newest commissioner app, then open the store again.",
        "最新の commissioner アプリを入れてから、もう一度開いてください。",
    ),
    "store.locked": Message(
        "Another commissioner window is using the job store ({detail}).",
        "別の commissioner のウィンドウがジョブ保管庫を使用中です（{detail}）。",
        "Close the other commissioner window, then try again.",
        "もう一方の commissioner のウィンドウを閉じてから、やり直してください。",
    ),
    "store.corrupt": Message(
        "The job store is damaged ({detail}).",
        "ジョブ保管庫が壊れています（{detail}）。",
        "Keep the file for analysis and restore the store from a backup.",
        "調査のためファイルを残し、バックアップから保管庫を戻してください。",
    ),
    "store.unusable": Message(
        "The job store cannot be used ({detail}).",
        "ジョブ保管庫を使用できません（{detail}）。",
        "Check the data folder (--data-dir) and its disk, then try again.",
        "データフォルダー（--data-dir）とそのディスクを確かめてから、やり直してください。",
    ),
    "store.cannot-open": Message(
        "Cannot open the job store {path}: {reason}.",
        "ジョブ保管庫 {path} を開けません（{reason}）。",
        "Check that the data folder exists and is writable, then try again.",
        "データフォルダーがあり書き込めることを確かめてから、やり直してください。",
    ),
    "reason.required": Message(
        "A reason is required; it is recorded in the job.",
        "理由の入力が必要です。理由はジョブに記録されます。",
        "Say why, for example --reason \"counterfeit, returned to the supplier\".",
        "理由を入力してください（例: --reason \"偽造品のため仕入先に返品\"）。",
    ),
    "label.field-invalid": Message(
        "The {field} must be 1 to {max} printable characters.",
        "{field} は印字可能な 1〜{max} 文字で入力してください。",
        "Type it as printed on the box, then try again.",
        "箱に印字されたとおりに入力して、やり直してください。",
    ),
    "label.jcstar-or-box": Message(
        "Give either a JC-STAR label QR or the box label's model and serial, not both.",
        "JC-STAR ラベルの QR か、箱ラベルの型番と製造番号のどちらか一方を指定してください。",
        "Use the label text, or --model and --serial.",
        "ラベルの文字列か、--model と --serial を指定してください。",
    ),
    "label.not-jcstar": Message(
        "This is not a JC-STAR label: {detail}.",
        "JC-STAR ラベルではありません（{detail}）。",
        "Scan the QR code printed on the JC-STAR label.",
        "JC-STAR ラベルに印刷された QR コードを読み取ってください。",
    ),
    "firmware.timeouts-out-of-range": Message(
        "--timeout must be from 0 to 120 s and --reboot-timeout from 0 to 3600 s.",
        "--timeout は 0〜120 秒、--reboot-timeout は 0〜3600 秒で指定してください。",
        "Give values in those ranges and run the command again.",
        "範囲内の値を指定して、もう一度実行してください。",
    ),
    "firmware.not-handed-over": Message(
        "Job {job_id} is not handed over yet.",
        "ジョブ {job_id} はまだ引き渡されていません。",
        "Update it within the job: commissioner update --job {job_id}",
        "ジョブの中で更新してください: commissioner update --job {job_id}",
    ),
    "firmware.no-index": Message(
        "Catalog version {version} carries no firmware index.",
        "カタログ版 {version} にはファームウェア一覧が含まれていません。",
        "Sync the catalog from a platform that publishes firmware (commissioner catalog sync).",
        "ファームウェアを公開しているプラットフォームからカタログを同"
        "期してください（commissioner catalog s"
        "ync）。",
    ),
    "catalog.no-roots": Message(
        "The catalog lists no usable manufacturer root.",
        "カタログに使えるメーカーのルート証明書がありません。",
        "Run commissioner catalog sync while online.",
        "オンラインの状態で commissioner catalog sync を実行してください。",
    ),
    "catalog.no-roots-detail": Message(
        "No manufacturer trust roots are available: {detail}",
        "メーカーのルート証明書がありません: {detail}",
        "Run commissioner catalog sync while online.",
        "オンラインの状態で commissioner catalog sync を実行してください。",
    ),
    "firmware.no-certified-device": Message(
        "No certified device to update in this job.",
        "このジョブには更新できる認証済みの機器がありません。",
        "Check the devices first: commissioner certify",
        "先に機器を確認してください: commissioner certify",
    ),
    "firmware.image-refused": Message(
        "A firmware image was refused: {detail}",
        "ファームウェアのイメージを拒否しました: {detail}",
        "Sync the catalog again (commissioner catalog sync); if it stays refused, report "
        "it to the platform operator.",
        "カタログをもう一度同期してください（commissioner"
        " catalog sync）。拒否が続く場合はプラットフォー"
        "ムの運営者に報告してください。",
    ),
    "address.not-host-port": Message(
        "{text} is not ADDRESS:PORT.",
        "{text} は ADDRESS:PORT の形式ではありません。",
        "Give it like 127.0.0.1:50123, as the scan shows it.",
        "スキャン結果のとおり 127.0.0.1:50123 の形式で指定してください。",
    ),
    "address.port-range": Message(
        "Port {port} is out of range.",
        "ポート {port} は範囲外です。",
        "Give a port from 1 to 65535, as the scan shows it.",
        "スキャン結果のとおり 1〜65535 のポートを指定してください。",
    ),
    "address.not-ip": Message(
        "{host} is not an IP address.",
        "{host} は IP アドレスではありません。",
        "Use the address the scan shows.",
        "スキャン結果に表示されたアドレスを使ってください。",
    ),
    "identify.not-verified": Message(
        "{address} was not verified ({reason}): {detail}",
        "{address} の正当性を確認できませんでした（{reason}）: {detail}",
        "A device that cannot prove its identity must not be commissioned: take it out "
        "and use a genuine unit.",
        "正当性を証明できない機器は設定できません。取り外して正規品を使ってください。",
    ),
    "job.not-sealed": Message(
        "Job {job_id} is not handed over yet.",
        "ジョブ {job_id} はまだ引き渡されていません。",
        "Open it for work instead (commissioner job show {job_id}).",
        "作業用に開いてください（commissioner job show {job_id}）。",
    ),
    "level.answers-differ": Message(
        "The answers call for {implied_stars} (level {implied}), not {level_stars} (level "
        "{level}).",
        "回答から求められるのは {implied_stars}（レベ"
        "ル {implied}）で、{level_stars}（レベ"
        "ル {level}）ではありません。",
        "Choose the level the answers call for, or give the reason for a lower one "
        "(--below-suggestion-reason).",
        "回答に合うレベルを選ぶか、低いレベルにする理由を入力してくだ"
        "さい（--below-suggestion-reason）。",
    ),
    "level.reason-required": Message(
        "Job {job_id} calls for {stars} (level {suggested}); a lower level needs a reason.",
        "ジョブ {job_id} には {stars}（レベル {suggested}"
        "）が求められます。低いレベルにするには理由が必要です。",
        "Give the reason with --reason.",
        "--reason で理由を入力してください。",
    ),
    "label.none-read": Message(
        "No label was read.",
        "ラベルを1枚も読み取れませんでした。",
        "Scan the label's QR code again, or type the code printed under it.",
        "ラベルの QR コードをもう一度読み取るか、その下に印字されたコードを入力してください。",
    ),
    "label.too-many": Message(
        "More than {max} labels in one go.",
        "一度に読み取れるラベルは {max} 枚までです。",
        "Scan the labels in smaller batches.",
        "何回かに分けて読み取ってください。",
    ),
    "label.line-too-long": Message(
        "Line {line} is too long for a device label.",
        "{line} 行目は機器ラベルとしては長すぎます。",
        "Scan that label again; a scanner may have joined two codes.",
        "そのラベルを読み取り直してください。2つのコードがつながった可能性があります。",
    ),
    "label.bad-matter-code": Message(
        "This is not a valid Matter setup code: {detail}.",
        "正しい Matter のセットアップコードではありません（{detail}）。",
        "Type the 11- or 21-digit code again, or scan the QR code (MT:...).",
        "11桁または21桁のコードを入力し直すか、QR コード（MT:...）を読み取ってください。",
    ),
    "network-file.members": Message(
        "The network file {path} needs the text members ssid, passphrase and home_id.",
        "ネットワークファイル {path} には文字列の ssid、passphrase、home_id が必要です。",
        "Complete the file, then try again.",
        "ファイルを補ってから、やり直してください。",
    ),
    "network-file.invalid": Message(
        "The network file {path} was refused: {detail}.",
        "ネットワークファイル {path} を受け付けられません（{detail}）。",
        "Correct the file, then try again.",
        "ファイルを直してから、やり直してください。",
    ),
    "network.unknown": Message(
        "The home network configuration is not known on this computer.",
        "このコンピューターには住宅のネットワーク設定がありません。",
        "Enter the home's network settings first (command line: --network-file FILE; "
        "training: --virtual-home DIR).",
        "先に住宅のネットワーク設定を入力してください（コマンドライン"
        ": --network-file FILE、訓練: --vi"
        "rtual-home DIR）。",
    ),
    "onboard.no-ble-device": Message(
        "No factory-new device was found over Bluetooth LE.",
        "Bluetooth LE で工場出荷状態の機器が見つかりませんでした。",
        "Start a scan with Bluetooth on, bring the laptop near the devices and wait for them.",
        "Bluetooth をオンにしてスキャンを始め、機器の近くで待ってください。",
    ),
    "ble.transport-invalid": Message(
        "The Bluetooth transport setting was refused: {detail}.",
        "Bluetooth の接続設定を受け付けられません（{detail}）。",
        "Correct the Bluetooth setting, then try again.",
        "Bluetooth の設定を直してから、やり直してください。",
    ),
    "ble.unavailable": Message(
        "Bluetooth is not available: {detail}.",
        "Bluetooth を使用できません（{detail}）。",
        "Turn Bluetooth on (or plug in a Bluetooth adapter) and start the scan again.",
        "Bluetooth をオンにする（または Bluetooth"
        " アダプターを挿す）と、もう一度スキャンしてください。",
    ),
    "onboard.no-labels": Message(
        "No device labels are in the job.",
        "ジョブに機器ラベルがありません。",
        "Scan the devices' labels into the job (command line: --labels-stdin; training: "
        "--virtual-home DIR).",
        "機器のラベルをジョブに読み取ってください（コマンドライン: "
        "--labels-stdin、訓練: --virtual-h"
        "ome DIR）。",
    ),
    "onboard.no-labelled-ble-device": Message(
        "No factory-new Bluetooth LE device with a scanned label was found.",
        "ラベルを読み取った工場出荷状態の Bluetooth LE 機器が見つかりませんでした。",
        "Scan the label of each device you want to add, then start again near the devices.",
        "追加する機器のラベルを読み取ってから、機器の近くでもう一度始めてください。",
    ),
    "resale.needs-site": Message(
        "A resale without a previous job needs --site-name, --site-address and --level.",
        "前のジョブがない転売には --site-name、--site-address、--level が必要です。",
        "Give the three options, then try again.",
        "3つのオプションを指定して、やり直してください。",
    ),
    "resale.previous-not-sealed": Message(
        "Job {job_id} ({job_number}) is not handed over yet.",
        "ジョブ {job_id}（{job_number}）はまだ引き渡されていません。",
        "A resale starts from a sealed job: finish that job first.",
        "転売は封印済みのジョブから始めます。先にそのジョブを完了してください。",
    ),
    "resale.audit-broken": Message(
        "The audit log of job {job_id} does not verify: {detail}",
        "ジョブ {job_id} の監査ログを検証できません: {detail}",
        "Import the job again from its bundle.",
        "束からジョブをもう一度取り込んでください。",
    ),
    "scan.echonet-unavailable": Message(
        "Cannot search for ECHONET Lite equipment: {detail}",
        "ECHONET Lite 機器を探索できません: {detail}",
        "Check echonet_interfaces in settings.toml.",
        "settings.toml の echonet_interfaces を確かめてください。",
    ),
    "training.no-ble": Message(
        "This virtual home has no Bluetooth LE devices.",
        "この仮想住宅には Bluetooth LE 機器がありません。",
        "Start it with a Bluetooth LE scenario, for example --scenario ble-10.",
        "Bluetooth LE のシナリオで起動してください（例: --scenario ble-10）。",
    ),
    "training.auto-labels-field": Message(
        "Reading box labels without a scan is a training option.",
        "ラベルを読み取らずに箱ラベルを読み込むのは訓練用の機能です。",
        "On a real site scan, type or photograph each label.",
        "実際の現場では、各ラベルを読み取るか、入力するか、撮影してください。",
    ),
    "training.roots-unreadable": Message(
        "Cannot read the virtual home's trust roots {path}: {reason}",
        "仮想住宅のルート証明書 {path} を読み込めません: {reason}",
        "Start the virtual home again (commissioner virtual-home --state-dir DIR).",
        "仮想住宅を起動し直してください（commissioner virtual-home --state-dir DIR）。",
    ),
    "training.no-home": Message(
        "There is no training home at {path}.",
        "{path} に訓練用の住宅がありません。",
        "Is the virtual home running? Start it again (commissioner virtual-home --state-dir DIR).",
        "仮想住宅が動いているか確かめ、起動し直してください（comm"
        "issioner virtual-home --state-"
        "dir DIR）。",
    ),
    "training.home-unreadable": Message(
        "Cannot read {path}: {reason}",
        "{path} を読み込めません: {reason}",
        "Start the virtual home again (commissioner virtual-home --state-dir DIR).",
        "仮想住宅を起動し直してください（commissioner virtual-home --state-dir DIR）。",
    ),
    "verify.options-out-of-range": Message(
        "The timeout, scan time or concurrency is out of range.",
        "タイムアウト、スキャン時間、または並列数が範囲外です。",
        "See commissioner verify --help for the ranges, then run it again.",
        "commissioner verify --help で範囲を確かめてから、もう一度実行してください。",
    ),
    "verify.not-sealed": Message(
        "Job {job_id} is not handed over yet: there is no sealed record to verify against.",
        "ジョブ {job_id} はまだ引き渡されていないため、検証"
        "の基準となる封印済みの記録がありません。",
        "Finish the job and hand it over, then verify.",
        "ジョブを完了して引き渡してから、検証してください。",
    ),
    "verify.needs-catalog": Message(
        "Verification needs the signed catalog: {detail}",
        "検証には署名付きカタログが必要です: {detail}",
        "Run commissioner catalog sync while online.",
        "オンラインの状態で commissioner catalog sync を実行してください。",
    ),
    "wipe.not-resale": Message(
        "Job {job_id} is not a resale job.",
        "ジョブ {job_id} は転売ジョブではありません。",
        "Start one with commissioner job new --kind resale --from-job OLD.",
        "commissioner job new --kind resale --from-job OLD で作成してください。",
    ),
    "commission.nothing-checked": Message(
        "run certify first: job {job_id} has no devices checked against the catalog, "
        "{count} so far (commissioner certify --job {job_id}); nothing was changed",
        "先に certify を実行してください: ジョブ {job_id}"
        " にはカタログで確認済みの機器がありません（{count} "
        "台、commissioner certify --job {job_id}"
        "）。何も変更していません。",
        "",
        "",
    ),
    "label.line-invalid": Message(
        "Line {line} is not a valid label: {detail}",
        "{line} 行目は正しいラベルではありません: {detail}",
        "Scan or type that label again.",
        "そのラベルを読み取るか入力し直してください。",
    ),
    "verify.report-unwritable": Message(
        "Cannot write the verification report: {reason}.",
        "検証の報告書を書き込めません（{reason}）。",
        "Choose a folder you may write to with free space, then try again.",
        "書き込み権限と空き容量のあるフォルダーを選んで、やり直してください。",
    ),
}
