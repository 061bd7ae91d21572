"""The printed documents' own words, in Japanese (default) and English.

These tables belong to the core: the documents are built here and only drawn by Qt, so their
language does not follow the GUI's Qt translator (a Japanese-speaking installer may print an
English sheet for an English-speaking owner). Templates are plain text with ``{name}``
fields; :meth:`Texts.html` escapes the template and every value.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Final

from commissioner.documents.text import DEFAULT_LIMIT, html_text, visible_text

__all__ = ["DEFAULT_LANGUAGE", "KIND_DATA", "LANGUAGES", "Texts", "texts"]

LANGUAGES: Final = ("ja", "en")
DEFAULT_LANGUAGE: Final = "ja"

_JA: Final[dict[str, str]] = {
    "more": "…（全{n}文字）",
    "none": "なし",
    "unknown": "不明",
    "yes": "はい",
    "no": "いいえ",
    "level": "{stars}（レベル{level}）",
    # --- guidance sheet
    "sheet.title": "スマートホーム ご利用案内",
    "sheet.subtitle": (
        "お引き渡し時にお渡しする大切な書類です。お住まいの書類と一緒に保管してください。"
    ),
    "sheet.home": "お住まいと工事の情報",
    "sheet.draft": "下書き（お引き渡し前のため無効です。引き継ぎコードは記載していません）",
    "sheet.draft.mark": "下書き",
    "sheet.reference": "整理番号",
    "sheet.level.explain.3": (
        "★の数は安全対策の水準です。このお住まいには電気錠など暮らしの安全に関わる機器が"
        "あるため、最も高い★★★の水準で設定しています。"
    ),
    "sheet.level.explain.2": (
        "★の数は安全対策の水準です。このお住まいは★★の水準（個人の情報を扱うサービスの"
        "標準的な対策）で設定しています。"
    ),
    "sheet.owner.typed": "QRコードを読み取れないときに入力するコード（13けた）",
    "sheet.app": "オーナーアプリ",
    "sheet.app.name": "アプリの名前",
    "sheet.app.how": "入手方法",
    "sheet.app.missing": "アプリの名前と入手方法はサポート窓口にお問い合わせください。",
    "sheet.config": "変更してはいけない機器の構成",
    "sheet.config.intro": (
        "設定のほか、次のことも行わないでください。必要なときは、先にサポート窓口にご相談"
        "ください。"
    ),
    "sheet.config.devices": "機器を追加する、取り外す、別の場所に移す、別の機器と交換する",
    "sheet.config.connections": (
        "ホームゲートウェイや機器のケーブルを抜き差しする、ホームネットワークに"
        "ほかの機器（パソコン、ルーターなど）をつなぐ"
    ),
    "sheet.config.usb": "ホームゲートウェイや機器のUSB端子に、USBメモリなどをつなぐ",
    "sheet.config.power": "ホームゲートウェイの電源を切ったままにする",
    "sheet.trouble": "まちがって変更したとき・いつもと違う動きをしたとき",
    "sheet.trouble.1": "それ以上操作せず、変更した内容と時刻をメモしてください。",
    "sheet.trouble.2": (
        "ご自身で初期化（リセット）したり、設定を元に戻そうとしたりしないでください。"
    ),
    "sheet.trouble.3": (
        "勝手に動く、操作できない、知らない通知が届くなど、いつもと違うときは、"
        "すぐにサポート窓口へご連絡ください。"
    ),
    "sheet.trouble.4": (
        "火災や鍵の異常など、身の安全にかかわるときは、先に119番・110番へ通報してください。"
    ),
    "sheet.col.support_until": "更新の提供期限",
    "sheet.col.data_kinds": "機器に保存される個人データ",
    "sheet.support_until.unknown": "サポート窓口にお問い合わせください",
    "sheet.support.missing": "サポート窓口が設定されていません。",
    "sheet.site": "物件名",
    "sheet.address": "住所",
    "sheet.job_number": "工事番号",
    "sheet.job_id": "ジョブID",
    "sheet.service_level": "サービスレベル",
    "sheet.handover_date": "お引き渡し日",
    "sheet.operator": "担当者",
    "sheet.catalog": "認証カタログ版数",
    "sheet.purpose": "サービスの目的と機能",
    "sheet.purpose.text": (
        "このサービスは、ご自宅に設置した機器を、ホームゲートウェイを通じて安全に操作し、"
        "見守るためのものです。設置した機器はすべて認証を受けた型番で、ホームゲートウェイ、"
        "お客様（所有者）および当社の保守担当者だけが操作・設定できるよう、機器ごとに異なる"
        "認証情報で設定されています。"
    ),
    "sheet.functions": "このお住まいで使える主な機能：",
    "sheet.purpose.warning": (
        "機器とサービスを、この案内に記載した目的以外に使用しないでください。"
    ),
    "sheet.devices": "設置した機器と機種ごとの設定（{n}台）",
    "sheet.per_model.note": (
        "機種ごとに、変更してよい設定と、上記に加えて変更してはいけない設定を、下の表に示します。"
    ),
    "sheet.col.no": "No.",
    "sheet.col.kind": "種類",
    "sheet.col.manufacturer": "メーカー",
    "sheet.col.model": "型番",
    "sheet.col.product": "製品名",
    "sheet.col.location": "設置場所",
    "sheet.col.device_id": "機器ID",
    "sheet.settings": "お客様が変更してよい設定・変更してはいけない設定",
    "sheet.warning.title": "重要：次の設定は変更しないでください",
    "sheet.warning.text": (
        "変更すると、機器が正しく保護されなくなり、第三者に操作されたり、ソフトウェア更新が"
        "届かなくなったりするおそれがあります。変更が必要な場合は、必ず下記のサポート窓口に"
        "ご相談ください。"
    ),
    "sheet.must_not.all": "すべての機器で変更してはいけない設定",
    "sheet.per_model": "機種ごとの設定",
    "sheet.col.must_not_more": "変更してはいけない設定（追加）",
    "sheet.col.may": "変更してよい設定",
    "sheet.no_policy": "カタログに方針がありません。サポート窓口にお問い合わせください。",
    "sheet.updates": "ソフトウェアの更新について",
    "sheet.updates.text": (
        "お引き渡し時、すべての機器は最新のソフトウェアに更新されています。その後も、"
        "ソフトウェアはホームゲートウェイを通じて自動的に更新されます。脆弱性が見つかった"
        "場合は、速やかに更新が提供されます。更新中は機器が一時的に再起動することがあります。"
        "自動更新の設定は変更しないでください。"
    ),
    "sheet.data": "個人データの削除と、お住まいを売却・譲渡するとき",
    "sheet.data.text": (
        "機器に登録した個人データ（利用履歴、録画、スケジュール、暗証番号など）は、オーナー"
        "アプリの「データの削除」からいつでも削除できます。"
    ),
    "sheet.resale.text": (
        "お住まいを売却・譲渡・賃貸するとき、または機器を廃棄するときは、事前に必ずサポート"
        "窓口へご連絡ください。担当者が設定と保存データを初期化し、お客様の認証情報を無効に"
        "したうえで、次にお使いになる方のためにソフトウェアを最新にします。ご自身で機器を"
        "初期化（リセット）しないでください。"
    ),
    "sheet.owner": "オーナーアプリでの引き継ぎ",
    "sheet.owner.text": (
        "オーナーアプリでこのQRコードを読み取ると、このお住まいの管理をお客様に引き継げます。"
        "読み取れない場合は、下のコードを入力してください。"
    ),
    "sheet.owner.expiry": "このコードは1回だけ使用でき、有効期限は{expiry}です。",
    "sheet.owner.secret": "コードを他人に見せたり、写真を共有したりしないでください。",
    "sheet.owner.code": "引き継ぎコード",
    "sheet.owner.missing": (
        "引き継ぎコードはまだ発行されていません。サポート窓口にお問い合わせください。"
    ),
    "sheet.support": "サポート窓口",
    "sheet.support.default": "施工を担当した会社にお問い合わせください。",
    "sheet.support.phone": "電話",
    "sheet.support.email": "メール",
    "sheet.support.hours": "受付時間",
    "sheet.support.web": "ウェブ",
    "footer": "{title}　整理番号 {job_id}　{page} / {pages} ページ",
    # --- device kinds
    "kind.air-conditioner": "エアコン",
    "kind.water-heater": "給湯機",
    "kind.electric-lock": "電気錠",
    "kind.shutter": "電動シャッター",
    "kind.hems-controller": "HEMSコントローラー",
    "kind.camera": "防犯カメラ",
    "kind.lighting": "照明",
    "kind.storage-battery": "蓄電池",
    "kind.pv-inverter": "太陽光発電（パワーコンディショナ）",
    "kind.smart-meter": "スマートメーター",
    "kind.gateway": "ホームゲートウェイ",
    "function.air-conditioner": "エアコンの運転・停止、温度と運転モードの設定、スケジュール",
    "function.water-heater": "湯はり・保温、給湯温度の設定、スケジュール",
    "function.electric-lock": "玄関の施錠・解錠、施錠状態の確認、オートロック",
    "function.shutter": "シャッターの開閉と開閉スケジュール",
    "function.hems-controller": "電気の使用量の見える化と省エネ目標の管理",
    "function.camera": "防犯カメラの映像の確認と録画（プライバシーゾーンの設定）",
    "function.lighting": "照明の点灯・消灯、明るさとシーン、スケジュール",
    "function.storage-battery": "蓄電池の充放電の確認と充電スケジュール",
    "function.gateway": (
        "ホームゲートウェイによる機器の認証と見守り、ソフトウェア更新の配信、"
        "オーナーアプリとの接続"
    ),
    # --- handover report
    "report.title": "お引き渡し報告書",
    "report.draft": "下書き（ジョブは未完了です。封印されていません）",
    "report.generated": "作成日時",
    "report.status": "ジョブの状態",
    "report.status.open": "作業中",
    "report.status.closed": "完了・封印済み",
    "report.requirements": "要求事項ごとの結果",
    "report.col.id": "要求事項",
    "report.col.title": "内容",
    "report.col.status": "結果",
    "report.col.evidence": "根拠",
    "report.devices": "機器ごとの作業結果（{n}台）",
    "report.col.device": "機器",
    "report.col.cert": "認証判定",
    "report.col.firmware": "ソフトウェア（前→後）",
    "report.col.credentials": "認証情報・アクセス制御",
    "report.col.readback": "読み戻し",
    "report.audit": "監査ログ",
    "report.audit.entries": "記録件数",
    "report.audit.verified": "改ざん検査",
    "report.audit.ok": "正常",
    "report.audit.broken": "異常：{problem}",
    "report.audit.sealed_hash": "封印ハッシュ（最終記録のSHA-256）",
    "report.audit.not_sealed": "未封印",
    "report.blockers": "お引き渡しできない理由",
    "report.provisioned": "設定済み",
    "report.not_provisioned": "未設定",
    "report.default_off": "初期パスワード無効",
    "report.admin_set": "固有の管理者認証情報",
    "report.acl": "アクセス制御：{acl}",
    "report.acl_read_back": "アクセス制御（機器から読み戻し）：{acl}",
    "report.allow_listed": "ゲートウェイによる認証済み",
    "report.vulnerable": "既知の脆弱性あり",
    "report.latest": "最新",
    "report.not_latest": "最新ではない（最新 {latest}）",
    "report.unattested": "真正性を証明できない機器（ECHONET Lite、{n}台）",
    "report.unattested.note": "型番は認証済み一覧と照合しましたが、機器が本物であることは通信では"
    "証明できません（識別情報の証明なし）。",
    "report.unattested.allowed": "型番一致・真正性未証明（方針により設置可）",
    "report.unattested.blocked": "お引き渡し不可",
    "report.col.jcstar": "JC-STAR登録番号",
    "report.jcstar": "JC-STARラベル（参考情報）",
    "report.jcstar.item": "登録番号 {number}（{model}、{device}）：ラベルから読み取り。"
    "認証の証明ではありません",
    "sheet.unattested": "真正性を証明できない機器",
    "sheet.unattested.note": "次の機器は型番を確認しましたが、本物であることは証明できません。"
    "HEMSコントローラの内側でのみお使いください。",
    "status.pass": "適合",
    "status.fail": "不適合",
    "status.not-applicable": "対象外",
    "status.not-checked": "未確認",
}

_EN: Final[dict[str, str]] = {
    "more": "… ({n} characters in all)",
    "none": "none",
    "unknown": "unknown",
    "yes": "yes",
    "no": "no",
    "level": "{stars} (level {level})",
    "sheet.title": "Smart home user guide",
    "sheet.subtitle": (
        "An important document handed over with your home. Keep it with your home's papers."
    ),
    "sheet.home": "Your home and the installation",
    "sheet.draft": "DRAFT (not valid: the home has not been handed over; no takeover code)",
    "sheet.draft.mark": "DRAFT",
    "sheet.reference": "Reference",
    "sheet.level.explain.3": (
        "The stars show the level of security measures. Your home has devices that affect "
        "safety, such as an electric lock, so it is set up at the highest level, three stars."
    ),
    "sheet.level.explain.2": (
        "The stars show the level of security measures. Your home is set up at the two-star "
        "level, the standard measures for a service that handles personal information."
    ),
    "sheet.owner.typed": "Code to type if the QR code cannot be read (13 digits)",
    "sheet.app": "Owner app",
    "sheet.app.name": "App name",
    "sheet.app.how": "How to get it",
    "sheet.app.missing": "Ask the support desk for the app's name and how to get it.",
    "sheet.config": "Parts of the home you must not change",
    "sheet.config.intro": (
        "Besides the settings, do not do any of the following. If you need to, contact the "
        "support desk first."
    ),
    "sheet.config.devices": "Add, remove, move or swap devices",
    "sheet.config.connections": (
        "Unplug or re-plug the cables of the home gateway or the devices, or connect other "
        "equipment (computers, routers and so on) to the home network"
    ),
    "sheet.config.usb": (
        "Plug USB sticks or other equipment into a USB port of the gateway or a device"
    ),
    "sheet.config.power": "Leave the home gateway switched off",
    "sheet.trouble": "If you changed something by mistake, or something behaves oddly",
    "sheet.trouble.1": "Stop there, and note what you changed and when.",
    "sheet.trouble.2": "Do not reset the devices yourself or try to undo the change.",
    "sheet.trouble.3": (
        "If a device acts on its own, cannot be operated, or you get notices you do not "
        "recognise, contact the support desk straight away."
    ),
    "sheet.trouble.4": "If your safety is at risk (fire, a lock fault), call 119 or 110 first.",
    "sheet.col.support_until": "Updates provided until",
    "sheet.col.data_kinds": "Personal data kept on the device",
    "sheet.support_until.unknown": "ask the support desk",
    "sheet.support.missing": "No support desk has been set.",
    "sheet.site": "Site",
    "sheet.address": "Address",
    "sheet.job_number": "Job number",
    "sheet.job_id": "Job ID",
    "sheet.service_level": "Service level",
    "sheet.handover_date": "Handover date",
    "sheet.operator": "Installer",
    "sheet.catalog": "Certification catalog version",
    "sheet.purpose": "Purpose of the service and its functions",
    "sheet.purpose.text": (
        "This service lets you operate and monitor the devices installed in your home safely "
        "through the home gateway. Every device is a certified model and has been set up with "
        "its own credentials, so that only the home gateway, you (the owner) and our "
        "maintenance staff can operate or configure it."
    ),
    "sheet.functions": "Main functions in this home:",
    "sheet.purpose.warning": (
        "Do not use the devices or the service for any purpose other than those described here."
    ),
    "sheet.devices": "Installed devices and their settings ({n})",
    "sheet.per_model.note": (
        "The table below shows, per model, what you may change and what else you must not change."
    ),
    "sheet.col.no": "No.",
    "sheet.col.kind": "Kind",
    "sheet.col.manufacturer": "Manufacturer",
    "sheet.col.model": "Model",
    "sheet.col.product": "Product",
    "sheet.col.location": "Location",
    "sheet.col.device_id": "Device ID",
    "sheet.settings": "Settings you may change and settings you must not change",
    "sheet.warning.title": "Important: do not change the following settings",
    "sheet.warning.text": (
        "Changing them can leave the devices unprotected: others could operate them, or "
        "software updates could stop reaching them. If you need a change, contact the support "
        "desk below first."
    ),
    "sheet.must_not.all": "Settings you must not change on any device",
    "sheet.per_model": "Settings per model",
    "sheet.col.must_not_more": "Also must not change",
    "sheet.col.may": "You may change",
    "sheet.no_policy": "The catalog has no policy for this model; ask the support desk.",
    "sheet.updates": "Software updates",
    "sheet.updates.text": (
        "At handover every device runs the latest software. From then on, software is updated "
        "automatically through the home gateway, and updates are provided promptly when a "
        "vulnerability is found. A device may restart briefly during an update. Do not change "
        "the automatic update setting."
    ),
    "sheet.data": "Deleting personal data, and selling or passing on your home",
    "sheet.data.text": (
        "You can delete the personal data registered in the devices (usage history, recordings, "
        "schedules, PINs and so on) at any time with \"Delete data\" in the owner app."
    ),
    "sheet.resale.text": (
        "Before you sell, transfer or rent out your home, or dispose of a device, always "
        "contact the support desk. Our staff will reset the settings and stored data, revoke "
        "your credentials and bring the software up to date for the next user. Do not reset "
        "the devices yourself."
    ),
    "sheet.owner": "Taking over your home in the owner app",
    "sheet.owner.text": (
        "Scan this QR code with the owner app to take over the management of this home. If "
        "the code cannot be scanned, type the code below."
    ),
    "sheet.owner.expiry": "The code can be used once and is valid until {expiry}.",
    "sheet.owner.secret": "Do not show the code to others or share a photo of it.",
    "sheet.owner.code": "Takeover code",
    "sheet.owner.missing": "No takeover code has been issued yet; contact the support desk.",
    "sheet.support": "Support desk",
    "sheet.support.default": "Contact the company that installed your home.",
    "sheet.support.phone": "Phone",
    "sheet.support.email": "Email",
    "sheet.support.hours": "Hours",
    "sheet.support.web": "Web",
    "footer": "{title}   Reference {job_id}   page {page} of {pages}",
    "kind.air-conditioner": "Air conditioner",
    "kind.water-heater": "Water heater",
    "kind.electric-lock": "Electric lock",
    "kind.shutter": "Shutter",
    "kind.hems-controller": "HEMS controller",
    "kind.camera": "Security camera",
    "kind.lighting": "Lighting",
    "kind.storage-battery": "Storage battery",
    "kind.pv-inverter": "PV inverter",
    "kind.smart-meter": "Smart meter",
    "kind.gateway": "Home gateway",
    "function.air-conditioner": "Air conditioning on/off, temperature and mode, schedules",
    "function.water-heater": "Bath filling and keeping warm, water temperature, schedules",
    "function.electric-lock": "Locking and unlocking the door, lock status, auto-lock",
    "function.shutter": "Opening and closing shutters, schedules",
    "function.hems-controller": "Seeing your electricity use and managing energy targets",
    "function.camera": "Viewing and recording the security camera (with privacy zones)",
    "function.lighting": "Lights on/off, brightness and scenes, schedules",
    "function.storage-battery": "Battery charge status and charging schedules",
    "function.gateway": (
        "The home gateway authenticates and monitors the devices, delivers software updates "
        "and connects the owner app"
    ),
    "report.title": "Handover report",
    "report.draft": "Draft (the job is still open and not sealed)",
    "report.generated": "Generated",
    "report.status": "Job status",
    "report.status.open": "open",
    "report.status.closed": "closed and sealed",
    "report.requirements": "Result per requirement",
    "report.col.id": "Requirement",
    "report.col.title": "What it asks",
    "report.col.status": "Result",
    "report.col.evidence": "Evidence",
    "report.devices": "What was done to each device ({n})",
    "report.col.device": "Device",
    "report.col.cert": "Certification",
    "report.col.firmware": "Firmware (before → after)",
    "report.col.credentials": "Credentials and access control",
    "report.col.readback": "Read back",
    "report.audit": "Audit log",
    "report.audit.entries": "Entries",
    "report.audit.verified": "Tamper check",
    "report.audit.ok": "intact",
    "report.audit.broken": "BROKEN: {problem}",
    "report.audit.sealed_hash": "Sealed hash (SHA-256 of the last entry)",
    "report.audit.not_sealed": "not sealed",
    "report.blockers": "Why the home cannot be handed over yet",
    "report.provisioned": "provisioned",
    "report.not_provisioned": "not provisioned",
    "report.default_off": "default password disabled",
    "report.admin_set": "unique admin credential",
    "report.acl": "ACL: {acl}",
    "report.acl_read_back": "ACL (read back from the device): {acl}",
    "report.allow_listed": "authenticated by the gateway",
    "report.vulnerable": "known vulnerable",
    "report.latest": "latest",
    "report.not_latest": "not the latest ({latest} is)",
    "report.unattested": "Equipment identified without attestation (ECHONET Lite, {n})",
    "report.unattested.note": "The model was matched against the certified list, but the "
    "equipment cannot prove over the network that it is genuine (identity not attested).",
    "report.unattested.allowed": "Model matched, identity not attested (allowed by policy)",
    "report.unattested.blocked": "Cannot be handed over",
    "report.col.jcstar": "JC-STAR registration",
    "report.jcstar": "JC-STAR labels (evidence)",
    "report.jcstar.item": "Registration number {number} ({model}, {device}): read from the "
    "label; not proof of certification",
    "sheet.unattested": "Equipment identified without attestation",
    "sheet.unattested.note": "The model of this equipment was checked, but it cannot prove "
    "that it is genuine. Keep it behind the HEMS controller.",
    "status.pass": "pass",
    "status.fail": "FAIL",
    "status.not-applicable": "n/a",
    "status.not-checked": "not checked",
}

# Catalog policy items are English; these are the Japanese words for the known ones. Unknown
# items are printed as the catalog wrote them.
_POLICY_JA: Final[dict[str, str]] = {
    "gateway pairing": "ホームゲートウェイとの接続（ペアリング）",
    "network settings": "ネットワーク設定",
    "access control (who may control the device)": "アクセス制御（機器を操作できる相手の設定）",
    "automatic firmware update setting": "ソフトウェア自動更新の設定",
    "cloud upload destination": "クラウドへの送信先",
    "safety temperature limit": "安全のための温度上限",
    "lock firmware channel": "ソフトウェアの配信チャネル",
    "emergency unlock setting": "非常時解錠の設定",
    "grid interconnection settings": "系統連系の設定",
    "device allow-list": "接続を許可する機器の一覧",
    "platform registration": "サービス基盤への登録",
    "device names": "機器の名前",
    "schedules": "スケジュール",
    "temperature": "温度",
    "operating mode": "運転モード",
    "recording schedule": "録画スケジュール",
    "privacy zones": "プライバシーゾーン",
    "brightness": "明るさ",
    "scenes": "シーン",
    "water temperature": "給湯温度",
    "bath schedule": "湯はりスケジュール",
    "owner PIN (in the owner app)": "暗証番号（オーナーアプリで変更）",
    "auto-lock delay": "オートロックまでの時間",
    "display settings": "表示設定",
    "energy targets": "省エネ目標",
    "charging schedule within the allowed range": "充電スケジュール（許可された範囲内）",
    "open/close schedules": "開閉スケジュール",
    "room names": "部屋の名前",
}

# Kinds of personal data a device reports in its inventory (docs/device-protocol.md).
_DATA_KINDS: Final[dict[str, dict[str, str]]] = {
    "ja": {
        "recordings": "録画映像", "face-templates": "顔の登録データ", "lock-users": "鍵の利用者",
        "access-history": "出入りの履歴", "schedules": "スケジュール",
        "usage-history": "利用履歴", "scenes": "照明シーン", "energy-history": "電気の使用履歴",
        "household-profile": "世帯の情報", "owner-accounts": "オーナーのアカウント",
        "automations": "自動化の設定",
    },
    "en": {
        "recordings": "video recordings", "face-templates": "registered faces",
        "lock-users": "lock users", "access-history": "entry history", "schedules": "schedules",
        "usage-history": "usage history", "scenes": "lighting scenes",
        "energy-history": "electricity use history", "household-profile": "household profile",
        "owner-accounts": "owner accounts", "automations": "automations",
    },
}
# When a device's inventory was not read: what a device of that kind keeps.
KIND_DATA: Final[dict[str, tuple[str, ...]]] = {
    "camera": ("recordings", "face-templates"),
    "electric-lock": ("lock-users", "access-history"),
    "air-conditioner": ("schedules", "usage-history"),
    "water-heater": ("schedules", "usage-history"),
    "shutter": ("schedules",),
    "lighting": ("scenes", "schedules"),
    "hems-controller": ("energy-history", "household-profile"),
    "storage-battery": ("energy-history",),
    "gateway": ("owner-accounts", "automations"),
}

_TABLES: Final[Mapping[str, Mapping[str, str]]] = {"ja": _JA, "en": _EN}


class Texts:
    """The words of one language."""

    def __init__(self, language: str) -> None:
        if language not in _TABLES:
            raise ValueError(f"unsupported document language {language!r} (ja or en)")
        self.language = language
        self._table = _TABLES[language]

    def plain(self, key: str, **values: object) -> str:
        """The template for ``key`` with ``values`` made visible (not escaped)."""
        template = self._table[key]
        return template.format(**{k: visible_text(v, DEFAULT_LIMIT, more=self.more) for k, v in
                                  values.items()})

    def html(self, key: str, *, limit: int = DEFAULT_LIMIT, **values: object) -> str:
        """The template for ``key``, escaped, with each value made visible and escaped."""
        template = html.escape(self._table[key], quote=True)
        return template.format(**{k: self.value(v, limit) for k, v in values.items()})

    def value(self, value: object, limit: int = DEFAULT_LIMIT) -> str:
        """One dynamic value made visible, capped and escaped for HTML."""
        return html_text(value, limit, more=self.more)

    @property
    def more(self) -> str:
        return self._table["more"]

    def kind(self, kind: str) -> str:
        """The name of a device kind, escaped (unknown kinds as given)."""
        key = f"kind.{kind}"
        return self.html(key) if key in self._table else self.value(kind, 32)

    def function(self, kind: str) -> str | None:
        key = f"function.{kind}"
        return self.html(key) if key in self._table else None

    def policy_item(self, item: str) -> str:
        """A catalog policy item in this language, escaped."""
        if self.language == "ja" and item in _POLICY_JA:
            return html.escape(_POLICY_JA[item])
        return self.value(item)

    def data_kind(self, kind: str) -> str:
        """A kind of personal data in this language, escaped (unknown kinds as given)."""
        name = _DATA_KINDS[self.language].get(kind)
        return html.escape(name) if name is not None else self.value(kind, 40)

    def has(self, key: str) -> bool:
        return key in self._table


def texts(language: str) -> Texts:
    return Texts(language)
