"""Messages of the features area (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

FEATURE_MESSAGES: Final[dict[str, Message]] = {
    "catalog.no-url": Message(
        "No catalog URL is configured.",
        "カタログの URL が設定されていません。",
        "Pass --url, set catalog_url in settings.toml, or use --virtual-home DIR.",
        "--url を指定するか、settings.toml の c"
        "atalog_url を設定するか、--virtual-ho"
        "me DIR を使ってください。",
    ),
    "catalog.grace-expired": Message(
        "The catalog was last refreshed {days} days ago (limit {limit}); an outdated "
        "certified-model list cannot be used.",
        "カタログの最終更新は {days} 日前です（上限 {limit}"
        " 日）。古い認証済み型番の一覧は使えません。",
        "Connect to the internet and run `commissioner catalog sync`, or preload the "
        "catalog in the office",
        "インターネットに接続して commissioner cata"
        "log sync を実行するか、事務所でカタログを事前に読み"
        "込んでください。",
    ),
    "catalog.cache-inconsistent": Message(
        "The cached catalog is inconsistent ({detail}).",
        "保存済みのカタログが整合していません（{detail}）。",
        "Connect to the internet and run `commissioner catalog sync`, or preload the "
        "catalog in the office",
        "インターネットに接続して commissioner cata"
        "log sync を実行するか、事務所でカタログを事前に読み"
        "込んでください。",
    ),
    "catalog.cache-unusable": Message(
        "The cached catalog cannot be used ({detail}).",
        "保存済みのカタログを使えません（{detail}）。",
        "Connect to the internet and run `commissioner catalog sync`, or preload the "
        "catalog in the office",
        "インターネットに接続して commissioner cata"
        "log sync を実行するか、事務所でカタログを事前に読み"
        "込んでください。",
    ),
    "catalog.no-download-url": Message(
        "No catalog URL is configured to download from.",
        "ダウンロード元のカタログ URL が設定されていません。",
        "Sync the catalog online, or preload firmware in the office.",
        "オンラインでカタログを同期するか、事務所でファームウェアを事前に読み込んでください。",
    ),
    "catalog.rollback": Message(
        "Catalog version {version} is older than the cached version {cached}.",
        "カタログ版 {version} は保存済みの版 {cached} より古いものです。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.metadata-rollback": Message(
        "The catalog server offered older metadata than this computer has already trusted "
        "({detail}).",
        "カタログのサーバーが、このコンピューターが既に信頼した版より"
        "古いメタデータを提示しました（{detail}）。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.root-invalid": Message(
        "The built-in catalog trust root is invalid ({detail}).",
        "組み込みのカタログのトラストルートが不正です（{detail}）。",
        "Reinstall the commissioner or pass the correct --root FILE.",
        "commissioner を入れ直すか、正しい --root FILE を指定してください。",
    ),
    "catalog.root-not-root": Message(
        "The trust root is not root metadata.",
        "トラストルートがルートのメタデータではありません。",
        "Reinstall the commissioner or pass the correct --root FILE.",
        "commissioner を入れ直すか、正しい --root FILE を指定してください。",
    ),
    "catalog.state-unwritable": Message(
        "Cannot update the catalog cache state: {detail}",
        "カタログの保存状態を更新できません: {detail}",
        "Check free disk space and the permissions of the data folder.",
        "ディスクの空き容量とデータフォルダーの権限を確かめてください。",
    ),
    "catalog.missing-target": Message(
        "The signed catalog has no {name}.",
        "署名付きカタログに {name} がありません。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.oversized": Message(
        "{name} is {size} bytes, over the limit of {limit}.",
        "{name} は {size} バイトで、上限 {limit} を超えています。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.expired": Message(
        "The cached {name} metadata expired on {expires}.",
        "保存済みの {name} メタデータは {expires} に期限切れになりました。",
        "Connect to the internet and run `commissioner catalog sync`, or preload the "
        "catalog in the office",
        "インターネットに接続して commissioner cata"
        "log sync を実行するか、事務所でカタログを事前に読み"
        "込んでください。",
    ),
    "catalog.grace-expired-metadata": Message(
        "The cached {name} metadata expired more than {days} days ago.",
        "保存済みの {name} メタデータは期限切れから {days} 日を超えています。",
        "Connect to the internet and run `commissioner catalog sync`, or preload the "
        "catalog in the office",
        "インターネットに接続して commissioner cata"
        "log sync を実行するか、事務所でカタログを事前に読み"
        "込んでください。",
    ),
    "catalog.online-and-offline": Message(
        "The catalog platform is unreachable ({online}), and the offline catalog cannot "
        "be used either ({offline}).",
        "カタログのプラットフォームに接続できず（{online}）、"
        "オフラインのカタログも使えません（{offline}）。",
        "Connect to the internet and run `commissioner catalog sync`, or preload the "
        "catalog in the office",
        "インターネットに接続して commissioner cata"
        "log sync を実行するか、事務所でカタログを事前に読み"
        "込んでください。",
    ),
    "label.invalid": Message(
        "This is not a valid device label: {detail}.",
        "正しい機器ラベルではありません（{detail}）。",
        "Scan the QR code on the device or its box again.",
        "機器または箱の QR コードをもう一度読み取ってください。",
    ),
    "label.image-too-large": Message(
        "{path} is too large for a label image ({size}).",
        "{path} はラベル画像としては大きすぎます（{size}）。",
        "Use a photo of the label alone, or type the code.",
        "ラベルだけを撮った写真を使うか、コードを入力してください。",
    ),
    "label.no-qr": Message(
        "No device label QR code was found in {path} ({detail}).",
        "{path} に機器ラベルの QR コードが見つかりません（{detail}）。",
        "Photograph the label straight on and in focus, or type the code.",
        "ラベルを正面からピントを合わせて撮り直すか、コードを入力してください。",
    ),
    "label.image-unsupported": Message(
        "Label images cannot be read on this computer ({module} missing).",
        "このコンピューターではラベル画像を読めません（{module} がありません）。",
        "Scan the label with a QR scanner or type the code instead.",
        "代わりに QR スキャナーで読み取るか、コードを入力してください。",
    ),
    "label.image-unreadable": Message(
        "{path} is not a readable image ({detail}).",
        "{path} は読める画像ではありません（{detail}）。",
        "Save the photo as PNG or JPEG and try again, or type the code.",
        "写真を PNG か JPEG で保存してやり直すか、コードを入力してください。",
    ),
    "label.image-undecodable": Message(
        "Cannot decode {path}: {detail}",
        "{path} を解析できません: {detail}",
        "Photograph the label again, or type the code.",
        "ラベルを撮り直すか、コードを入力してください。",
    ),
    "catalog.sync-too-slow": Message(
        "The catalog server {url} is too slow: the sync did not finish within its "
        "{seconds} s deadline.",
        "カタログのサーバー {url} の応答が遅すぎます。同期が期"
        "限の {seconds} 秒以内に終わりませんでした。",
        "Check the internet connection and try again. The last good catalog was kept; "
        "until a sync succeeds, the last verified catalog is used while it is within its "
        "offline grace period.",
        "インターネット接続を確かめてやり直してください。正常だった最"
        "後のカタログは残してあり、オフラインの猶予期間内はそれを使い"
        "ます。",
    ),
    "catalog.sync-slow": Message(
        "The catalog server {url} is too slow or unreachable.",
        "カタログのサーバー {url} の応答が遅いか、接続できません。",
        "Check the internet connection and try again. The last good catalog was kept; "
        "until a sync succeeds, the last verified catalog is used while it is within its "
        "offline grace period.",
        "インターネット接続を確かめてやり直してください。正常だった最"
        "後のカタログは残してあり、オフラインの猶予期間内はそれを使い"
        "ます。",
    ),
    "catalog.sync-too-much": Message(
        "The catalog server sent more data than the signed metadata allows ({detail}).",
        "カタログのサーバーが、署名付きメタデータの許す量を超えるデータを送りました（{detail}）。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.sync-http": Message(
        "The catalog server {url} answered HTTP {status}.",
        "カタログのサーバー {url} が HTTP {status} を返しました。",
        "Check the platform URL and try again later. Check the internet connection and "
        "try again. The last good catalog was kept; until a sync succeeds, the last "
        "verified catalog is used while it is within its offline grace period.",
        "プラットフォームの URL を確かめて、時間をおいてやり直し"
        "てください。インターネット接続を確かめてやり直してください。"
        "正常だった最後のカタログは残してあり、オフラインの猶予期間内"
        "はそれを使います。",
    ),
    "catalog.sync-unreachable": Message(
        "The catalog server {url} cannot be reached or the connection was cut ({detail}).",
        "カタログのサーバー {url} に接続できないか、通信が切れました（{detail}）。",
        "Check the internet connection and try again. The last good catalog was kept; "
        "until a sync succeeds, the last verified catalog is used while it is within its "
        "offline grace period.",
        "インターネット接続を確かめてやり直してください。正常だった最"
        "後のカタログは残してあり、オフラインの猶予期間内はそれを使い"
        "ます。",
    ),
    "catalog.sync-unsigned": Message(
        "The catalog metadata is not signed by the trusted keys ({detail}).",
        "カタログのメタデータが信頼された鍵で署名されていません（{detail}）。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.sync-expired": Message(
        "The catalog server offered expired metadata: a freeze ({detail}).",
        "カタログのサーバーが期限切れのメタデータを提示しました（更新の凍結: {detail}）。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.sync-tampered": Message(
        "A catalog file does not match its signed hash or length ({detail}).",
        "カタログのファイルが署名されたハッシュまたは長さと一致しません（{detail}）。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.sync-invalid": Message(
        "The catalog metadata failed verification ({detail}).",
        "カタログのメタデータの検証に失敗しました（{detail}）。",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.sync-malformed": Message(
        "The signed catalog content is malformed: {detail}",
        "署名付きカタログの内容の形式が正しくありません: {detail}",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.sync-failed": Message(
        "The catalog update failed: {detail}",
        "カタログの更新に失敗しました: {detail}",
        "Do not continue with this catalog. The catalog server may be compromised or the "
        "connection tampered with: report it to the platform operator. The last good "
        "catalog was kept.",
        "このカタログでは作業を続けないでください。カタログのサーバー"
        "が侵害されたか、通信が改ざんされた可能性があります。プラット"
        "フォームの運営者に報告してください。正常だった最後のカタログ"
        "は残してあります。",
    ),
    "catalog.clock-behind": Message(
        "This computer's clock ({local}) is behind the latest time it has already seen "
        "({seen}); the platform's {role} metadata is valid by the clock but not by that "
        "time, so the catalog cannot be accepted.",
        "このコンピューターの時計（{local}）が、既に確認した最"
        "新の時刻（{seen}）より遅れています。プラットフォームの"
        " {role} メタデータは時計の上では有効ですが、その時刻"
        "では有効でないため、カタログを受け入れられません。",
        "Set this computer's clock to the correct time (automatic time), then sync again "
        "with `commissioner catalog sync --clock-corrected`.",
        "このコンピューターの時計を正しい時刻（自動設定）に合わせてか"
        "ら、`commissioner catalog sync --clock-corrected` でもう一度同期してください。",
    ),
    "catalog.none-downloaded": Message(
        "No catalog has been downloaded on this computer yet.",
        "このコンピューターにはまだカタログがダウンロードされていません。",
        "Connect to the internet and run `commissioner catalog sync`, or preload the "
        "catalog in the office",
        "インターネットに接続して commissioner cata"
        "log sync を実行するか、事務所でカタログを事前に読み"
        "込んでください。",
    ),
    "catalog.cache-lost": Message(
        "catalog cache lost or edited: {detail}",
        "カタログの保存内容が失われています: {detail}",
        "If you know why (for example the data folder was restored from a backup), "
        "re-trust the platform from the built-in trust root with `commissioner catalog "
        "sync --reset-trust` while online; the reset is recorded. Otherwise report it: "
        "someone may have edited this computer's catalog cache.",
        "理由が分かっている場合（例: データフォルダーをバックアップ"
        "から戻した）は、オンラインで commissioner ca"
        "talog sync --reset-trust を実行して"
        "信頼し直してください（記録されます）。分からない場合は報告し"
        "てください。カタログの保存内容が書き換えられた可能性がありま"
        "す。",
    ),
    "catalog.cache-edited": Message(
        "catalog cache lost or edited: {detail}",
        "カタログの保存内容が書き換えられています: {detail}",
        "If you know why (for example the data folder was restored from a backup), "
        "re-trust the platform from the built-in trust root with `commissioner catalog "
        "sync --reset-trust` while online; the reset is recorded. Otherwise report it: "
        "someone may have edited this computer's catalog cache.",
        "理由が分かっている場合（例: データフォルダーをバックアップ"
        "から戻した）は、オンラインで commissioner ca"
        "talog sync --reset-trust を実行して"
        "信頼し直してください（記録されます）。分からない場合は報告し"
        "てください。カタログの保存内容が書き換えられた可能性がありま"
        "す。",
    ),
}
