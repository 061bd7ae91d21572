"""Messages of the core area (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

CORE_MESSAGES: Final[dict[str, Message]] = {
    "cli.error-prefix": Message(
        "error",
        "エラー",
        "",
        "",
    ),
    "cli.hint-prefix": Message(
        "hint",
        "次の手順",
        "",
        "",
    ),
    "cli.interrupted": Message(
        "interrupted",
        "中断しました",
        "",
        "",
    ),
    "settings.no-mdns-interface": Message(
        "No mDNS interface is configured.",
        "mDNS インターフェースが設定されていません。",
        "Set mdns_interfaces in settings.toml or pass --mdns-interface ADDR.",
        "settings.toml の mdns_interface"
        "s を設定するか、--mdns-interface ADDR"
        " を指定してください。",
    ),
    "settings.interface-not-ip": Message(
        "The mDNS interface {value} is not an IP address.",
        "mDNS インターフェース {value} は IP アドレスではありません。",
        "Give the address of the network interface to use, for example 192.0.2.10.",
        "使用するネットワークインターフェースのアドレスを指定してください（例: 192.0.2.10）。",
    ),
    "settings.interface-not-single": Message(
        "The mDNS interface {value} names no single interface.",
        "mDNS インターフェース {value} は1つのインターフェースを指していません。",
        "Give the address of one network interface; all-interfaces and multicast "
        "addresses are refused so the app never announces everywhere.",
        "1つのネットワークインターフェースのアドレスを指定してくださ"
        "い。全インターフェースやマルチキャストのアドレスは、どこにで"
        "も告知しないよう拒否しています。",
    ),
    "settings.unreadable": Message(
        "Cannot read the settings file {path}: {detail}",
        "設定ファイル {path} を読み込めません: {detail}",
        "Fix or delete the file; the defaults apply without it.",
        "ファイルを直すか削除してください。ファイルがなければ既定値を使います。",
    ),
    "settings.bad-value": Message(
        "{path}: {key} must be {expected}.",
        "{path}: {key} は {expected} で指定してください。",
        "Correct the value in the settings file, then run the command again.",
        "設定ファイルの値を直してから、もう一度実行してください。",
    ),
    "ble.unavailable-training": Message(
        "Bluetooth is not available: {detail}.",
        "Bluetooth を使用できません（{detail}）。",
        "Turn Bluetooth on or plug in an adapter; on the virtual home use --virtual-home "
        "DIR (its emulated controller).",
        "Bluetooth をオンにするかアダプターを挿してください"
        "。仮想住宅では --virtual-home DIR（模擬コ"
        "ントローラー）を使ってください。",
    ),
    "bundle.version-unsupported": Message(
        "Bundle version {version} is not supported.",
        "束の版 {version} には対応していません。",
        "Install the newest commissioner app, then import the bundle again.",
        "最新の commissioner アプリを入れてから、もう一度取り込んでください。",
    ),
    "bundle.tampered": Message(
        "The bundle's signature does not match its content: it was altered after export.",
        "束の署名が内容と一致しません。書き出し後に改変されています。",
        "Do not use this file; ask the sender to export the job again.",
        "このファイルは使わず、送り主にジョブの書き出しをやり直してもらってください。",
    ),
    "bundle.foreign-signer": Message(
        "The bundle is signed by installation {signer}…, not by the expected {expected}….",
        "束の署名者はインストール {signer}… で、想定した {expected}… ではありません。",
        "Ask the sender for their card (commissioner job receive-key) and check it.",
        "送り主のカードを受け取り（commissioner job receive-key）、確かめてください。",
    ),
    "bundle.audit-broken": Message(
        "The job's audit log in the bundle does not verify: {detail}",
        "束の中のジョブの監査ログを検証できません: {detail}",
        "Do not use this bundle; ask the sender to export the job again.",
        "この束は使わず、送り主に書き出しをやり直してもらってください。",
    ),
    "bundle.followup-unlinked": Message(
        "The job's follow-up log in the bundle is not linked to its seal: {detail}",
        "束の中の引き渡し後の記録が、封印された記録につながっていません: {detail}",
        "Do not use this bundle; ask the sender to export the job again.",
        "この束は使わず、送り主に書き出しをやり直してもらってください。",
    ),
    "bundle.no-secrets": Message(
        "The bundle holds no secrets.",
        "束に秘密情報が含まれていません。",
        "Ask the sender to export the job with its secrets for this laptop.",
        "このノートPC向けに秘密情報ごと書き出してもらってください。",
    ),
    "bundle.wrong-recipient": Message(
        "The bundle's secrets are encrypted to another installation ({recipient}…), not "
        "to this one ({mine}…).",
        "束の秘密情報は別のインストール（{recipient}…）向"
        "けに暗号化されており、このインストール（{mine}…）向け"
        "ではありません。",
        "Send the sender this laptop's card (commissioner job receive-key --out FILE).",
        "このノートPCのカードを送り主に送ってください（commis"
        "sioner job receive-key --out F"
        "ILE）。",
    ),
    "bundle.signature-damaged": Message(
        "The bundle's signature block is damaged ({detail}).",
        "束の署名部分が壊れています（{detail}）。",
        "Do not use this file; ask the sender to export the job again.",
        "このファイルは使わず、送り主に書き出しをやり直してもらってください。",
    ),
    "bundle.job-malformed": Message(
        "The bundle's job record is malformed ({detail}).",
        "束のジョブ記録の形式が正しくありません（{detail}）。",
        "Ask the sender to export the job again with the newest app.",
        "最新のアプリで書き出しをやり直してもらってください。",
    ),
    "bundle.report-other-seal": Message(
        "The handover report in the bundle cites another seal ({cited}…) than the job's.",
        "束の中の引き渡し報告書は、ジョブとは別の封印（{cited}…）を示しています。",
        "Do not use this bundle; ask the sender to export the job again.",
        "この束は使わず、送り主に書き出しをやり直してもらってください。",
    ),
    "bundle.secrets-refused": Message(
        "The bundle's secrets were refused: {detail}",
        "束の秘密情報を受け付けられません: {detail}",
        "Do not use this file; ask the sender to export the job again.",
        "このファイルは使わず、送り主に書き出しをやり直してもらってください。",
    ),
    "bundle.secrets-malformed": Message(
        "The bundle's secrets are malformed ({detail}).",
        "束の秘密情報の形式が正しくありません（{detail}）。",
        "Do not use this file; ask the sender to export the job again.",
        "このファイルは使わず、送り主に書き出しをやり直してもらってください。",
    ),
    "bundle.secrets-damaged": Message(
        "The bundle's secrets are damaged (bad {detail}).",
        "束の秘密情報が壊れています（{detail} が不正）。",
        "Do not use this file; ask the sender to export the job again.",
        "このファイルは使わず、送り主に書き出しをやり直してもらってください。",
    ),
    "bundle.secrets-no-decrypt": Message(
        "The bundle's secrets do not decrypt: they were altered, or encrypted to another key.",
        "束の秘密情報を復号できません。改変されたか、別の鍵向けに暗号化されています。",
        "Check that the bundle was made for this laptop's card; otherwise ask for a new export.",
        "束がこのノートPCのカード向けに作られたか確かめ、違えば書き"
        "出しをやり直してもらってください。",
    ),
    "card.too-large": Message(
        "{path} is too large to be an installation card.",
        "{path} はインストールカードとしては大きすぎます。",
        "Give the card file made with commissioner job receive-key --out FILE.",
        "commissioner job receive-key --out FILE で作ったカードのファイルを指定してください。",
    ),
    "card.not-two-certs": Message(
        "{path} is not an installation card: it must hold two certificates.",
        "{path} はインストールカードではありません。証明書が2つ必要です。",
        "Give the card file made with commissioner job receive-key --out FILE.",
        "commissioner job receive-key --out FILE で作ったカードのファイルを指定してください。",
    ),
    "card.no-pem": Message(
        "{path} is not an installation card: it holds no PEM certificates.",
        "{path} はインストールカードではありません。PEM 証明書が含まれていません。",
        "Create one with commissioner job receive-key --out FILE.",
        "commissioner job receive-key --out FILE で作成してください。",
    ),
    "card.not-p256": Message(
        "{path}: the card's keys must be P-256.",
        "{path}: カードの鍵は P-256 でなければなりません。",
        "Give the card file made with commissioner job receive-key --out FILE.",
        "commissioner job receive-key --out FILE で作ったカードのファイルを指定してください。",
    ),
    "card.mismatched": Message(
        "{path}: the card's certificates do not belong together.",
        "{path}: カードの証明書どうしが対応していません。",
        "Ask the sender for a new card made with commissioner job receive-key --out FILE.",
        "commissioner job receive-key --out FILE でカードを作り直してもらってください。",
    ),
    "keyring.foreign-installation-key": Message(
        "The keyring item {item} is not a commissioner installation key; it was left untouched.",
        "キーリングの項目 {item} は commissioner"
        " のインストール鍵ではありません。変更していません。",
        "Restore it from the keyring's backup.",
        "キーリングのバックアップから戻してください。",
    ),
    "keyring.key-not-returned": Message(
        "The OS keyring accepted the installation key but does not return it.",
        "OS のキーリングがインストール鍵を受け取りましたが、読み出せません。",
        "Check that the keyring is unlocked and its service is running, then try again.",
        "キーリングのロックが解除されサービスが動いていることを確かめてから、やり直してください。",
    ),
    "keyring.locked": Message(
        "The OS keyring is locked or unavailable ({detail}).",
        "OS のキーリングがロックされているか使用できません（{detail}）。",
        "Unlock the OS keyring (sign in to the desktop session) and check that its "
        "service is running, then run the command again.",
        "OS のキーリングのロックを解除し（デスクトップにサインイン"
        "）、サービスが動いていることを確かめてから、もう一度実行して"
        "ください。",
    ),
    "keyring.backend-unfit": Message(
        "The OS keyring backend cannot hold the master key: {detail}",
        "OS のキーリングはマスター鍵を保管できません: {detail}",
        "Use the operating system's own keyring: on Windows the Credential Manager and on "
        "macOS the login Keychain (both work out of the box); on Linux a Secret Service "
        "such as GNOME Keyring or KWallet in an unlocked desktop session. Remove "
        "'keyrings.alt' if it is installed, and unset PYTHON_KEYRING_BACKEND / the "
        "keyring config file if they select a file backend.",
        "OS 標準のキーリングを使ってください。Windows は資"
        "格情報マネージャー、macOS はログインキーチェーン（どち"
        "らも設定不要）、Linux はロック解除したデスクトップの "
        "Secret Service（GNOME Keyring、K"
        "Wallet など）です。keyrings.alt が入って"
        "いれば削除し、ファイル型を選ぶ PYTHON_KEYRING"
        "_BACKEND やキーリングの設定ファイルを解除してくださ"
        "い。",
    ),
    "keyring.foreign-master-key": Message(
        "The keyring entry {item} is not a commissioner master key; it was left untouched.",
        "キーリングの項目 {item} は commissioner のマスター鍵ではありません。変更していません。",
        "If it was changed by hand, restore it from the keyring's backup; without the "
        "original key the secrets of existing jobs cannot be decrypted.",
        "手で変更した場合はキーリングのバックアップから戻してください"
        "。元の鍵がないと既存のジョブの秘密情報を復号できません。",
    ),
    "keyring.no-backend": Message(
        "No usable OS keyring backend was found (the keyring chain is empty); the "
        "commissioner will not keep its master key in plaintext.",
        "使える OS のキーリングが見つかりません（キーリングの構成"
        "が空です）。マスター鍵を平文で保存することはありません。",
        "Use the operating system's own keyring: on Windows the Credential Manager and on "
        "macOS the login Keychain (both work out of the box); on Linux a Secret Service "
        "such as GNOME Keyring or KWallet in an unlocked desktop session. Remove "
        "'keyrings.alt' if it is installed, and unset PYTHON_KEYRING_BACKEND / the "
        "keyring config file if they select a file backend.",
        "OS 標準のキーリングを使ってください。Windows は資"
        "格情報マネージャー、macOS はログインキーチェーン（どち"
        "らも設定不要）、Linux はロック解除したデスクトップの "
        "Secret Service（GNOME Keyring、K"
        "Wallet など）です。keyrings.alt が入って"
        "いれば削除し、ファイル型を選ぶ PYTHON_KEYRING"
        "_BACKEND やキーリングの設定ファイルを解除してくださ"
        "い。",
    ),
    "keyring.chain-unfit": Message(
        "The keyring chain cannot hold the master key: {detail}",
        "キーリングの構成ではマスター鍵を保管できません: {detail}",
        "Use the operating system's own keyring: on Windows the Credential Manager and on "
        "macOS the login Keychain (both work out of the box); on Linux a Secret Service "
        "such as GNOME Keyring or KWallet in an unlocked desktop session. Remove "
        "'keyrings.alt' if it is installed, and unset PYTHON_KEYRING_BACKEND / the "
        "keyring config file if they select a file backend.",
        "OS 標準のキーリングを使ってください。Windows は資"
        "格情報マネージャー、macOS はログインキーチェーン（どち"
        "らも設定不要）、Linux はロック解除したデスクトップの "
        "Secret Service（GNOME Keyring、K"
        "Wallet など）です。keyrings.alt が入って"
        "いれば削除し、ファイル型を選ぶ PYTHON_KEYRING"
        "_BACKEND やキーリングの設定ファイルを解除してくださ"
        "い。",
    ),
    "cli.check-what": Message(
        "Say what to check.",
        "何を確認するか指定してください。",
        "Pass --job ID or --bundle FILE.",
        "--job ID か --bundle FILE を指定してください。",
    ),
    "cli.device-label-form": Message(
        "--device takes the label text, or --model and --serial.",
        "--device にはラベルの文字列か、--model と --serial を指定してください。",
        "Give the label text or --model and --serial, without --image or --stdin.",
        "--image や --stdin ではなく、ラベルの文字列か --model と --serial を指定してください。",
    ),
    "cli.box-label-needs-both": Message(
        "A box label needs both --model and --serial, and no label text.",
        "箱ラベルには --model と --serial の両方が必要で、ラベルの文字列は指定できません。",
        "Give both as printed on the box.",
        "箱に印字されたとおり両方を指定してください。",
    ),
    "cli.label-source": Message(
        "No label was given.",
        "ラベルが指定されていません。",
        "Give the label text, --image FILE or --stdin.",
        "ラベルの文字列、--image FILE、--stdin のいずれかを指定してください。",
    ),
    "cli.jcstar-needs-device": Message(
        "A JC-STAR label is evidence for one device.",
        "JC-STAR ラベルは1台の機器の証拠です。",
        "Say which device with --device ID.",
        "--device ID で機器を指定してください。",
    ),
    "cli.write-what": Message(
        "Say what to write.",
        "何を書き出すか指定してください。",
        "Add --json FILE and/or --pdf FILE.",
        "--json FILE と --pdf FILE の一方または両方を指定してください。",
    ),
    "cli.from-job-needs-resale": Message(
        "--from-job needs --kind resale.",
        "--from-job には --kind resale が必要です。",
        "Add --kind resale, or leave out --from-job.",
        "--kind resale を付けるか、--from-job を外してください。",
    ),
    "cli.job-new-needs-site": Message(
        "job new needs --site-name, --site-address and --level.",
        "job new には --site-name、--site-address、--level が必要です。",
        "Give all three, then run it again.",
        "3つとも指定して、もう一度実行してください。",
    ),
    "cli.job-new-needs-answers": Message(
        "job new needs the answers --personal-data yes|no and --life-or-property yes|no; "
        "they decide the service level.",
        "job new には回答 --personal-data y"
        "es|no と --life-or-property yes"
        "|no が必要です。サービスレベルはこの回答で決まります。",
        "Answer both questions, then run it again.",
        "両方の質問に答えて、もう一度実行してください。",
    ),
    "cli.no-stdin-labels": Message(
        "No device labels were read from standard input.",
        "標準入力から機器ラベルを読み取れませんでした。",
        "Give one SHC1 label text per line.",
        "1行に1つずつ SHC1 ラベルの文字列を入力してください。",
    ),
    "cli.stdin-label-invalid": Message(
        "The label on line {line} was refused: {detail}",
        "{line} 行目のラベルを受け付けられません: {detail}",
        "Scan or type that label again.",
        "そのラベルを読み取るか入力し直してください。",
    ),
    "job.sealed": Message(
        "Job {job_id} ({job_number}) was handed over and is sealed; it cannot change.",
        "ジョブ {job_id}（{job_number}）は引き渡し済みで封印されているため、変更できません。",
        "To check the home run commissioner verify --job {job_id}; for a new owner start "
        "a resale job (commissioner job new --kind resale --from-job {job_id}); for other "
        "new work open a new job.",
        "住宅の確認は commissioner verify --j"
        "ob {job_id}、新しい所有者には転売ジョブ（comm"
        "issioner job new --kind resale"
        " --from-job {job_id}）、その他の作業は新"
        "しいジョブで行ってください。",
    ),
    "job.busy": Message(
        "Job {job_id} is busy: another run ({purpose}, {holder}) has been changing it "
        "since {since}.",
        "ジョブ {job_id} は使用中です。別の実行（{purpose}"
        "、{holder}）が {since} から変更しています。",
        "Wait until that run ends (or stop it), then run the command again; only one run "
        "may change a job at a time.",
        "その実行が終わるまで待つか止めてから、もう一度実行してくださ"
        "い。ジョブを同時に変更できるのは1つの実行だけです。",
    ),
    "job.no-devices": Message(
        "Job {job_id} has no devices.",
        "ジョブ {job_id} には機器がありません。",
        "Scan and certify the home first: commissioner certify --job {job_id}",
        "先に住宅をスキャンして確認してください: commissioner certify --job {job_id}",
    ),
    "store.full": Message(
        "The disk holding the job store {path} is full; nothing was recorded by the step "
        "that failed.",
        "ジョブ保管庫 {path} のディスクがいっぱいです。失敗した手順の記録は残っていません。",
        "Free space on that disk (or move the data folder with --data-dir), then run the "
        "same command again: it resumes where it stopped.",
        "ディスクの空きを作る（または --data-dir でデータ"
        "フォルダーを移す）と、同じコマンドをもう一度実行してください"
        "。止まったところから再開します。",
    ),
    "store.read-only": Message(
        "The job store {path} cannot be written (read-only disk or file); nothing was "
        "recorded by the step that failed.",
        "ジョブ保管庫 {path} に書き込めません（読み取り専用の"
        "ディスクまたはファイル）。失敗した手順の記録は残っていません"
        "。",
        "Make the data folder writable again, then run the same command again: it resumes "
        "where it stopped.",
        "データフォルダーを書き込めるようにしてから、同じコマンドをも"
        "う一度実行してください。止まったところから再開します。",
    ),
    "store.lost": Message(
        "The job store was lost: {detail}",
        "ジョブ保管庫が失われました: {detail}",
        "Do not create new jobs here; restore the job store from a backup (or find the "
        "disk it was on).",
        "ここで新しいジョブを作らず、バックアップから保管庫を戻す（ま"
        "たは元のディスクを探す）ようにしてください。",
    ),
    "store.vanished": Message(
        "The job store {path} has vanished: this computer's keyring records a store there "
        "(id {store_id}, generation {generation}).",
        "ジョブ保管庫 {path} が見つかりません。このコンピュー"
        "ターのキーリングには、そこにある保管庫（ID {store_id}"
        "、世代 {generation}）が記録されています。",
        "Do not create new jobs here; restore the job store from a backup (or find the "
        "disk it was on).",
        "ここで新しいジョブを作らず、バックアップから保管庫を戻す（ま"
        "たは元のディスクを探す）ようにしてください。",
    ),
    "store.truncated": Message(
        "The job store {path} is empty (0 bytes): it was truncated and its jobs are lost.",
        "ジョブ保管庫 {path} が空（0 バイト）です。切り詰められ、ジョブが失われています。",
        "Restore the job store from a backup.",
        "バックアップから保管庫を戻してください。",
    ),
    "store.no-identity": Message(
        "The job store has no identity record.",
        "ジョブ保管庫に識別情報の記録がありません。",
        "Restore the job store from a backup.",
        "バックアップから保管庫を戻してください。",
    ),
    "store.replaced": Message(
        "The job store {path} was replaced: it is store {found}, but this computer's "
        "keyring records store {expected} there.",
        "ジョブ保管庫 {path} が置き換えられています。現在は "
        "{found} ですが、キーリングには {expected}"
        " が記録されています。",
        "Put the original store back, or restore it from a backup.",
        "元の保管庫を戻すか、バックアップから戻してください。",
    ),
    "store.older-copy": Message(
        "The job store {path} is an older copy: generation {found}, but the keyring has "
        "seen generation {seen}; later work would be lost.",
        "ジョブ保管庫 {path} は古い複製です（世代 {found}"
        "、キーリングの記録は世代 {seen}）。このままでは後の作"
        "業が失われます。",
        "Restore the newest copy of the job store.",
        "最新の保管庫を戻してください。",
    ),
    "store.anchor-unreadable": Message(
        "The record of the job store {path} kept in the OS keyring is unreadable, so the "
        "store cannot be checked.",
        "OS のキーリングにあるジョブ保管庫 {path} の記録を読めないため、保管庫を確認できません。",
        "Restore the keyring from its backup, then try again.",
        "キーリングをバックアップから戻してから、やり直してください。",
    ),
    "owner.no-invitation": Message(
        "This job has no active owner invitation.",
        "このジョブには有効な所有者招待がありません。",
        "Commission the home first: commissioner commission --job ID",
        "先に住宅を設定してください: commissioner commission --job ID",
    ),
    "owner.gateway-not-provisioned": Message(
        "The job's gateway is not provisioned.",
        "ジョブのゲートウェイが設定されていません。",
        "Commission the home first: commissioner commission --job ID",
        "先に住宅を設定してください: commissioner commission --job ID",
    ),
    "owner.epoch-failed": Message(
        "The owner epoch could not be raised on {count} device(s): {devices}",
        "{count} 台の機器で所有者の世代を更新できませんでした: {devices}",
        "Make them reachable, then run commissioner owner reissue --job {job_id} again.",
        "機器に接続できる状態にしてから、commissioner o"
        "wner reissue --job {job_id} をも"
        "う一度実行してください。",
    ),
    "sheet.not-ready": Message(
        "The home is not ready for handover ({count} open item(s): {blockers}), so the "
        "owner's sheet cannot be printed.",
        "住宅は引き渡しの準備ができていないため（未完了 {count}"
        " 件: {blockers}）、所有者向けの説明書を印刷でき"
        "ません。",
        "Clear each open item (see commissioner job show), then print again; or print a "
        "marked draft.",
        "未完了の項目を解消してから（commissioner job"
        " show を参照）もう一度印刷するか、下書きとして印刷して"
        "ください。",
    ),
    "sheet.invitation-expired": Message(
        "The owner invitation of job {job_id} has expired and cannot be printed.",
        "ジョブ {job_id} の所有者招待は期限切れのため印刷できません。",
        "Issue a new owner invitation (commissioner owner reissue --job {job_id}, or the "
        "handover page), then print again.",
        "新しい所有者招待を発行してから（commissioner o"
        "wner reissue --job {job_id} また"
        "は引き渡し画面）、もう一度印刷してください。",
    ),
    "documents.no-renderer": Message(
        "No PDF renderer is available.",
        "PDF を作成する機能がありません。",
        "Install the GUI extra (pip install 'commissioner[gui]') to write PDFs.",
        "PDF を書き出すには GUI 版の追加機能（commissioner[gui]）を入れてください。",
    ),
}
