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
        "影響: {life}。回答から求められるレベルは {leve"
        "l}",
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
}
