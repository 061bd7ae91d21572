"""Messages of the documents area (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

DOCUMENT_MESSAGES: Final[dict[str, Message]] = {
    "evidence.level-recorded": Message(
        "service level {level} ({stars}) recorded when the job was opened",
        "サービスレベル {level}（{stars}）をジョブ作成時に記録",
        "",
        "",
    ),
    "evidence.level-answers": Message(
        "handles personal data: {personal}; affects life or property: {life}; the answers "
        "call for level {level}",
        "個人データの取り扱い: {personal}、生命・財産への"
        "影響: {life}。回答から求められるレベルは {level}",
        "",
        "",
    ),
    "evidence.level-suggested": Message(
        "devices found suggest level {level}: {kinds}",
        "見つかった機器から推奨されるレベルは {level}（{kinds}）",
        "",
        "",
    ),
    "evidence.level-reason": Message(
        "reason for a level below the suggestion: {reason}",
        "推奨より低いレベルの理由: {reason}",
        "",
        "",
    ),
    "evidence.no-devices": Message(
        "no devices recorded in the job",
        "ジョブに機器の記録がありません",
        "",
        "",
    ),
    "evidence.unattested-allowed": Message(
        "{count} equipment identified without attestation (model matched, identity not "
        "attested), allowed by the catalog's policy at this level",
        "証明なしで識別した機器 {count} 台（型番一致、識別情"
        "報の証明なし）。このレベルではカタログの方針で認められていま"
        "す",
        "",
        "",
    ),
    "evidence.certified": Message(
        "{count} device(s) attested and certified against catalog version {version}",
        "機器 {count} 台の証明を確認し、カタログ版 {version} で認証済みと判定",
        "",
        "",
    ),
    "evidence.blocked": Message(
        "{device_id} ({model}): {verdict}",
        "{device_id}（{model}）: {verdict}",
        "",
        "",
    ),
    "evidence.provisioned": Message(
        "{count} device(s): unique admin credential set, default credential disabled, ACL "
        "written and read back",
        "機器 {count} 台: 固有の管理者認証情報を設定、初期"
        "パスワードを無効化、アクセス制御リストを書き込んで読み戻しで"
        "確認",
        "",
        "",
    ),
    "evidence.device-detail": Message(
        "{device_id}: {detail}",
        "{device_id}: {detail}",
        "",
        "",
    ),
    "evidence.readback-differs": Message(
        "read-back did not match",
        "読み戻しの結果が一致しません",
        "",
        "",
    ),
    "evidence.no-provisioning": Message(
        "no provisioning record",
        "設定の記録がありません",
        "",
        "",
    ),
    "evidence.gateway-only": Message(
        "no devices besides the gateway",
        "ゲートウェイ以外の機器がありません",
        "",
        "",
    ),
    "evidence.no-gateway-auth": Message(
        "no record of the gateway authenticating the devices",
        "ゲートウェイが機器を認証した記録がありません",
        "",
        "",
    ),
    "evidence.allow-listed": Message(
        "{count} device(s) on the gateway's allow-list and authenticated by it",
        "機器 {count} 台がゲートウェイの許可リストに登録され、ゲートウェイに認証済み",
        "",
        "",
    ),
    "evidence.not-authenticated": Message(
        "not authenticated by the gateway",
        "ゲートウェイに認証されていません",
        "",
        "",
    ),
    "evidence.no-sheet": Message(
        "the guidance sheet has not been produced yet",
        "説明書はまだ作成されていません",
        "",
        "",
    ),
    "evidence.sheet-incomplete": Message(
        "the guidance sheet lacks required content (support desk, owner app, the model's "
        "policy or the takeover code)",
        "説明書に必要な内容（サポート窓口、オーナーアプリ、機種の方針"
        "、引き継ぎコード）が不足しています",
        "",
        "",
    ),
    "evidence.sheet-produced": Message(
        "guidance sheet produced ({language}, sha256 {sha256}) listing the settings the "
        "owner must not change",
        "お客様が変更してはいけない設定を記載した説明書を作成済み（{language}、sha256 {sha256}）",
        "",
        "",
    ),
    "evidence.firmware-latest": Message(
        "{count} device(s) on the latest firmware",
        "機器 {count} 台が最新のファームウェア",
        "",
        "",
    ),
    "evidence.no-firmware-record": Message(
        "no firmware record",
        "ファームウェアの記録がありません",
        "",
        "",
    ),
    "evidence.firmware-behind": Message(
        "runs {current}, latest is {latest}",
        "現在 {current}、最新は {latest}",
        "",
        "",
    ),
    "evidence.no-catalog": Message(
        "no catalog version recorded for the job",
        "ジョブにカタログ版の記録がありません",
        "",
        "",
    ),
    "evidence.catalog": Message(
        "catalog version {version} recorded",
        "カタログ版 {version} を記録",
        "",
        "",
    ),
    "evidence.firmware-updates": Message(
        "{count} firmware update(s) recorded with versions, image hash, operator and time",
        "ファームウェア更新 {count} 件を版、イメージのハッシュ、作業者、日時とともに記録",
        "",
        "",
    ),
    "evidence.no-firmware": Message(
        "no firmware version record",
        "ファームウェアの版の記録がありません",
        "",
        "",
    ),
    "evidence.vulnerable": Message(
        "runs a version known to be vulnerable",
        "脆弱性が知られている版で動作しています",
        "",
        "",
    ),
    "evidence.no-vulnerability-status": Message(
        "no vulnerability status recorded",
        "脆弱性の確認結果の記録がありません",
        "",
        "",
    ),
    "evidence.vulnerability-checked": Message(
        "{count} device(s) checked against the catalog's known-vulnerable versions",
        "機器 {count} 台をカタログの脆弱な版の一覧と照合済み",
        "",
        "",
    ),
    "evidence.audit-broken": Message(
        "audit log broken: {detail}",
        "監査ログが壊れています: {detail}",
        "",
        "",
    ),
    "evidence.audit-sealed": Message(
        "{count} hash-chained entries verified; sealed with hash {hash}",
        "ハッシュ連鎖の記録 {count} 件を検証済み。封印ハッシュ {hash}",
        "",
        "",
    ),
    "evidence.audit-open": Message(
        "{count} hash-chained entries verified (not sealed yet: the job is open)",
        "ハッシュ連鎖の記録 {count} 件を検証済み（ジョブは作業中のため未封印）",
        "",
        "",
    ),
    "report.catalog-version": Message(
        "catalog {version}",
        "カタログ版 {version}",
        "",
        "",
    ),
    "blocker.job-closed": Message(
        "The job is already closed.",
        "このジョブは既に完了しています。",
        "Start a new job for new work.",
        "新しい作業には新しいジョブを作成してください。",
    ),
    "blocker.no-devices": Message(
        "The job has no devices.",
        "ジョブに機器がありません。",
        "Scan and certify them first (commissioner certify --job ID).",
        "先に機器をスキャンして確認してください（commissioner certify --job ID）。",
    ),
    "blocker.not-certified": Message(
        "{device} ({model}) has not been checked by the certified-model gate.",
        "{device}（{model}）はまだ認証済み型番の確認を受けていません。",
        "Run commissioner certify --job ID.",
        "commissioner certify --job ID を実行してください。",
    ),
    "blocker.blocked": Message(
        "{device} ({model}) is blocked: {verdict}.",
        "{device}（{model}）は遮断されています: {verdict}。",
        "Take it out of the home and record it (commissioner device remove), or put a "
        "genuine certified unit in its place (commissioner device replace --with NEW_ID).",
        "住宅から取り外して記録する（commissioner dev"
        "ice remove）か、認証済みの正規品に置き換えてくださ"
        "い（commissioner device replace "
        "--with NEW_ID）。",
    ),
    "blocker.unprovisioned": Message(
        "{device} ({model}) is not provisioned.",
        "{device}（{model}）は設定されていません。",
        "Run commissioner commission --job ID for the devices still to be set up, then "
        "try the handover again.",
        "未設定の機器に commissioner commissio"
        "n --job ID を実行してから、もう一度引き渡してくだ"
        "さい。",
    ),
    "blocker.gateway-auth-failed": Message(
        "{device} ({model}) was not authenticated by the gateway (allow-list).",
        "{device}（{model}）はゲートウェイ（許可リスト）に認証されていません。",
        "Run commissioner commission --job ID for the devices still to be set up, then "
        "try the handover again.",
        "未設定の機器に commissioner commissio"
        "n --job ID を実行してから、もう一度引き渡してくだ"
        "さい。",
    ),
    "blocker.firmware-unknown": Message(
        "{device}: no record that it runs the latest firmware.",
        "{device}: 最新のファームウェアで動作している記録がありません。",
        "Update the firmware (commissioner update --job ID), then try the handover again.",
        "ファームウェアを更新してから（commissioner up"
        "date --job ID）、もう一度引き渡してください。",
    ),
    "blocker.firmware-outdated": Message(
        "{device} does not run the latest firmware.",
        "{device} は最新のファームウェアではありません。",
        "Update the firmware (commissioner update --job ID), then try the handover again.",
        "ファームウェアを更新してから（commissioner up"
        "date --job ID）、もう一度引き渡してください。",
    ),
    "blocker.firmware-vulnerable": Message(
        "{device} runs firmware {current}, which is known to be vulnerable.",
        "{device} のファームウェア {current} には既知の脆弱性があります。",
        "Update the firmware (commissioner update --job ID), then try the handover again.",
        "ファームウェアを更新してから（commissioner up"
        "date --job ID）、もう一度引き渡してください。",
    ),
    "blocker.level-below-suggestion": Message(
        "The job's level {level} is below the level {suggested} the devices found suggest.",
        "ジョブのレベル {level} は、見つかった機器から推奨さ"
        "れるレベル {suggested} より低いものです。",
        "Record the reason (commissioner job set-level --reason TEXT) or raise the level.",
        "理由を記録する（commissioner job set-level --reason TEXT）か、レベルを上げてください。",
    ),
    "blocker.no-invitation": Message(
        "No owner invitation has been issued for the home (the sheet needs its QR code).",
        "住宅の所有者招待が発行されていません（説明書に QR コードが必要です）。",
        "Run commissioner commission --job ID for the devices still to be set up, then "
        "try the handover again.",
        "未設定の機器に commissioner commissio"
        "n --job ID を実行してから、もう一度引き渡してくだ"
        "さい。",
    ),
    "blocker.audit-broken": Message(
        "The audit log does not verify.",
        "監査ログを検証できません。",
        "Restore the job store from a backup, or import the job again from its bundle.",
        "バックアップからジョブ保管庫を戻すか、束からジョブを取り込み直してください。",
    ),
    "blocker.personal-data-present": Message(
        "{device} still holds personal data of the previous owner.",
        "{device} に前の所有者の個人データが残っています。",
        "Wipe it (commissioner wipe --job ID), then try again.",
        "消去してから（commissioner wipe --job ID）、やり直してください。",
    ),
    "blocker.wipe-unverified": Message(
        "{device}: the wipe has not been verified.",
        "{device}: 消去の確認ができていません。",
        "Run the wipe again (commissioner wipe --job ID), then try again.",
        "もう一度消去を実行してから（commissioner wipe --job ID）、やり直してください。",
    ),
    "blocker.no-catalog": Message(
        "No verified catalog is available for the sheet's settings policy.",
        "説明書の設定方針に使う検証済みのカタログがありません。",
        "Run commissioner catalog sync while online.",
        "オンラインの状態で commissioner catalog sync を実行してください。",
    ),
    "blocker.support-missing": Message(
        "The owner's sheet needs the support desk ({keys}).",
        "所有者向けの説明書にはサポート窓口（{keys}）が必要です。",
        "Set them in the [support] table of settings.toml.",
        "settings.toml の [support] に設定してください。",
    ),
    "blocker.invitation-expired": Message(
        "The owner invitation has expired.",
        "所有者招待の期限が切れています。",
        "Issue a new one (commissioner owner reissue --job ID), then print again.",
        "新しい招待を発行してから（commissioner owne"
        "r reissue --job ID）、もう一度印刷してくだ"
        "さい。",
    ),
    "cli.handover.not-ready": Message(
        "job {job_id} cannot be handed over yet:",
        "ジョブ {job_id} はまだ引き渡せません:",
        "",
        "",
    ),
}
