<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP">
<context>
    <name>CertifyView</name>
    <message>
        <source>No label scanned yet</source>
        <translation>ラベル未読み取り</translation>
    </message>
    <message>
        <source>Label matches the certificate</source>
        <translation>ラベルは証明書と一致</translation>
    </message>
    <message>
        <source>Label recorded; checked at the next check</source>
        <translation>ラベル記録済み（次回の認証確認で照合）</translation>
    </message>
    <message>
        <source>Label does not match the certificate</source>
        <translation>ラベルが証明書と一致しません</translation>
    </message>
    <message>
        <source>The certified-model catalog on this computer is too old to use offline (past its grace period), so devices cannot be checked. Connect to the internet and check again: the catalog is then refreshed.</source>
        <translation>このパソコンの認証機種カタログは古すぎるため（オフライン猶予期間を過ぎています）、機器を確認できません。インターネットに接続してから、もう一度認証確認を行ってください。カタログが更新されます。</translation>
    </message>
    <message>
        <source>There is no certified-model catalog on this computer yet. Connect to the internet once and check again.</source>
        <translation>このパソコンには認証機種カタログがまだありません。一度インターネットに接続してから、もう一度認証確認を行ってください。</translation>
    </message>
    <message>
        <source>The catalog server could not be reached and no usable catalog is stored here.</source>
        <translation>カタログサーバーに接続できず、このパソコンにも使用できるカタログがありません。</translation>
    </message>
    <message>
        <source>The certified-model catalog failed a security check and was not used. Do not commission; contact the service platform&apos;s support.</source>
        <translation>認証機種カタログがセキュリティ検査に合格しなかったため、使用しませんでした。設定作業を行わず、サービス事業者のサポートに連絡してください。</translation>
    </message>
    <message>
        <source>The certified-model catalog cannot be used, so devices cannot be checked.</source>
        <translation>認証機種カタログを使用できないため、機器を確認できません。</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>詳細: %1</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>理由:</translation>
    </message>
    <message>
        <source>To be replaced:</source>
        <translation>交換予定:</translation>
    </message>
    <message>
        <source>Manufacturer</source>
        <translation>メーカー</translation>
    </message>
    <message>
        <source>Model (certificate)</source>
        <translation>型番（証明書）</translation>
    </message>
    <message>
        <source>Model (advertised)</source>
        <translation>型番（機器の通知）</translation>
    </message>
    <message>
        <source>Serial (certificate)</source>
        <translation>製造番号（証明書）</translation>
    </message>
    <message>
        <source>Firmware</source>
        <translation>ファームウェア</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>アドレス</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>ラベル</translation>
    </message>
    <message>
        <source>Checked at (UTC)</source>
        <translation>確認日時（UTC）</translation>
    </message>
    <message>
        <source>Catalog version</source>
        <translation>カタログのバージョン</translation>
    </message>
    <message>
        <source>Certificate chain</source>
        <translation>証明書チェーン</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>機器</translation>
    </message>
    <message>
        <source>Intermediate CA</source>
        <translation>中間CA</translation>
    </message>
    <message>
        <source>Manufacturer root</source>
        <translation>メーカーのルート</translation>
    </message>
    <message>
        <source>Not checked yet.</source>
        <translation>まだ確認していません。</translation>
    </message>
    <message>
        <source>No trusted certificate chain.</source>
        <translation>信頼できる証明書チェーンがありません。</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint</source>
        <translation>SHA-256 フィンガープリント</translation>
    </message>
    <message>
        <source>Device details</source>
        <translation>機器の詳細</translation>
    </message>
    <message>
        <source>Mark to be replaced…</source>
        <translation>交換予定にする…</translation>
    </message>
    <message>
        <source>A blocked device cannot be commissioned; record that it is to be replaced.</source>
        <translation>ブロックされた機器は設定できません。交換予定であることを記録します。</translation>
    </message>
    <message>
        <source>Blocked devices cannot be commissioned and cannot be overridden.</source>
        <translation>ブロックされた機器は設定できず、判定を無効にすることもできません。</translation>
    </message>
    <message>
        <source>Malformed advertisement</source>
        <translation>不正なアドバタイズ</translation>
    </message>
    <message>
        <source>Select a device.</source>
        <translation>機器を選択してください。</translation>
    </message>
    <message>
        <source>Scan or type label:</source>
        <translation>ラベルを読み取り／入力:</translation>
    </message>
    <message>
        <source>From image…</source>
        <translation>画像から…</translation>
    </message>
    <message>
        <source>Read the QR codes of one or more labels from a photo or scan</source>
        <translation>写真やスキャン画像からラベルのQRコードを読み取ります（複数可）</translation>
    </message>
    <message>
        <source>Scan the QR code on the device or its box (SHC1;…)</source>
        <translation>機器または箱のQRコードを読み取ってください（SHC1;…）</translation>
    </message>
    <message>
        <source>Label photo or scan</source>
        <translation>ラベルの写真・スキャン画像</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp)</source>
        <translation>画像 (*.png *.jpg *.jpeg *.bmp)</translation>
    </message>
</context>
<context>
    <name>DeviceChange</name>
    <message>
        <source>The old device still answers on the network. Unplug it (or switch it off), take it out and try again.</source>
        <translation>古い機器がまだネットワークで応答しています。電源を抜いて（または切って）取り外してから、もう一度記録してください。</translation>
    </message>
    <message>
        <source>The new unit was not accepted: it must be powered on, on the home network, the same kind of device, genuine and certified for this home&apos;s level.</source>
        <translation>新しい機器は受け付けられませんでした。電源が入りホームネットワークにつながっている、同じ種類の正規品で、この住まいのレベルの認証を受けた機器が必要です。</translation>
    </message>
    <message>
        <source>This device cannot be taken out of the job (the home gateway, or already provisioned with this home&apos;s credentials).</source>
        <translation>この機器はジョブから外せません（ホームゲートウェイ、またはこの住まいの認証情報を設定済みの機器です）。</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>詳細: %1</translation>
    </message>
    <message>
        <source>Remove or replace…</source>
        <translation>取り外し・交換…</translation>
    </message>
    <message>
        <source>A blocked device: record that it was taken out, or replaced by a new genuine unit</source>
        <translation>ブロックされた機器を取り外した、または新しい正規品に交換したことを記録します</translation>
    </message>
    <message>
        <source>No job is open.</source>
        <translation>ジョブが開かれていません。</translation>
    </message>
    <message>
        <source>%1 was replaced by %2.</source>
        <translation>%1 を %2 に交換しました。</translation>
    </message>
    <message>
        <source>%1 was removed from the job.</source>
        <translation>%1 をジョブから外しました。</translation>
    </message>
    <message>
        <source>Remove or replace a device</source>
        <translation>機器の取り外し・交換</translation>
    </message>
    <message>
        <source>Device %1 is blocked (%2) and cannot be handed over. Take it out of the home (unplug it), then record what was done. The network is asked whether it is really gone.</source>
        <translation>機器 %1 はブロックされています（%2）。このままでは引き渡せません。住まいから取り外して（電源を抜いて）から、行った作業を記録してください。本当になくなったかはネットワークに問い合わせて確かめます。</translation>
    </message>
    <message>
        <source>&amp;Removed: taken out, no new unit</source>
        <translation>取り外した（交換品なし）(&amp;R)</translation>
    </message>
    <message>
        <source>Re&amp;placed by a new genuine unit</source>
        <translation>新しい正規品に交換した(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;New unit&apos;s device id (powered on and on the network):</source>
        <translation>新しい機器の機器ID（電源を入れ、ネットワークに接続済み）(&amp;N):</translation>
    </message>
    <message>
        <source>The old device is &amp;unplugged and out of the home</source>
        <translation>古い機器は電源を抜き、住まいから取り外した(&amp;U)</translation>
    </message>
    <message>
        <source>Rea&amp;son (kept in the job&apos;s audit log):</source>
        <translation>理由（ジョブの監査ログに残ります）(&amp;S):</translation>
    </message>
    <message>
        <source>e.g. counterfeit camera, returned to the supplier</source>
        <translation>例: 偽造品のカメラ。販売店へ返品</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>記録する</translation>
    </message>
    <message>
        <source>Confirm that the old device is unplugged and out of the home.</source>
        <translation>古い機器の電源を抜き、住まいから取り外したことを確認してください。</translation>
    </message>
    <message>
        <source>Enter a reason.</source>
        <translation>理由を入力してください。</translation>
    </message>
    <message>
        <source>The reason is too long (at most %1 characters).</source>
        <translation>理由が長すぎます（%1 文字まで）。</translation>
    </message>
    <message>
        <source>Enter the new unit&apos;s device id (on its box label).</source>
        <translation>新しい機器の機器ID（箱のラベルに記載）を入力してください。</translation>
    </message>
    <message>
        <source>Checking that the old device is gone and that the new unit is genuine…</source>
        <translation>古い機器がなくなったこと、新しい機器が正規品であることを確認しています…</translation>
    </message>
    <message>
        <source>Checking that the device is gone from the network…</source>
        <translation>機器がネットワークからなくなったことを確認しています…</translation>
    </message>
    <message>
        <source>Not recorded: %1</source>
        <translation>記録されませんでした: %1</translation>
    </message>
</context>
<context>
    <name>DeviceLabel</name>
    <message>
        <source>Device label…</source>
        <translation>機器のラベル…</translation>
    </message>
    <message>
        <source>Record the selected device&apos;s JC-STAR label, or the box label of equipment that cannot prove its identity</source>
        <translation>選択した機器のJC-STARラベル、または真正性を証明できない機器の箱のラベルを記録します</translation>
    </message>
    <message>
        <source>JC-STAR label %1 recorded for %2 (model %3).</source>
        <translation>JC-STARラベル %1 を %2（型番 %3）に記録しました。</translation>
    </message>
    <message>
        <source>Warning: the catalog lists another JC-STAR number for this model (%1). Check the label and the box.</source>
        <translation>注意: カタログではこの型番のJC-STAR番号は別の番号（%1）です。ラベルと箱を確認してください。</translation>
    </message>
    <message>
        <source>Box label recorded for %1 (model %2, serial %3). Run Check devices again to compare it with the equipment.</source>
        <translation>%1 の箱のラベル（型番 %2、製造番号 %3）を記録しました。機器と照合するため、もう一度認証確認を実行してください。</translation>
    </message>
    <message>
        <source>Device label</source>
        <translation>機器のラベル</translation>
    </message>
    <message>
        <source>Record a label of device %1: scan the QR code of its JC-STAR label, or type the model and serial from the box of equipment that cannot prove its identity (ECHONET Lite).</source>
        <translation>機器 %1 のラベルを記録します。JC-STARラベルのQRコードを読み取るか、真正性を証明できない機器（ECHONET Lite）の場合は箱に記載の型番と製造番号を入力してください。</translation>
    </message>
    <message>
        <source>JC-STAR label</source>
        <translation>JC-STARラベル</translation>
    </message>
    <message>
        <source>Box label</source>
        <translation>箱のラベル</translation>
    </message>
    <message>
        <source>&amp;QR code:</source>
        <translation>QRコード(&amp;Q):</translation>
    </message>
    <message>
        <source>Scan the JC-STAR label (https://…)</source>
        <translation>JC-STARラベルを読み取ってください（https://…）</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>型番(&amp;M):</translation>
    </message>
    <message>
        <source>&amp;Serial:</source>
        <translation>製造番号(&amp;S):</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>記録する</translation>
    </message>
    <message>
        <source>Fill in the label first.</source>
        <translation>先にラベルの内容を入力してください。</translation>
    </message>
    <message>
        <source>Recording…</source>
        <translation>記録しています…</translation>
    </message>
</context>
<context>
    <name>DeviceTable</name>
    <message>
        <source>Rebooting…</source>
        <translation>再起動中…</translation>
    </message>
    <message>
        <source>Not heard since the restart</source>
        <translation>再起動後に応答なし</translation>
    </message>
    <message>
        <source>Air conditioner</source>
        <translation>エアコン</translation>
    </message>
    <message>
        <source>Water heater</source>
        <translation>給湯器</translation>
    </message>
    <message>
        <source>Electric lock</source>
        <translation>電気錠</translation>
    </message>
    <message>
        <source>Shutter</source>
        <translation>シャッター</translation>
    </message>
    <message>
        <source>HEMS controller</source>
        <translation>HEMSコントローラー</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>カメラ</translation>
    </message>
    <message>
        <source>Lighting</source>
        <translation>照明</translation>
    </message>
    <message>
        <source>Storage battery</source>
        <translation>蓄電池</translation>
    </message>
    <message>
        <source>Home gateway</source>
        <translation>ホームゲートウェイ</translation>
    </message>
    <message>
        <source>Factory state</source>
        <translation>工場出荷状態</translation>
    </message>
    <message>
        <source>Commissioned</source>
        <translation>設定済み</translation>
    </message>
    <message>
        <source>mDNS (network)</source>
        <translation>mDNS（ネットワーク）</translation>
    </message>
    <message>
        <source>Bluetooth LE</source>
        <translation>Bluetooth LE</translation>
    </message>
    <message>
        <source>Certified</source>
        <translation>認証済み</translation>
    </message>
    <message>
        <source>Not certified</source>
        <translation>認証対象外の機種</translation>
    </message>
    <message>
        <source>Level too low</source>
        <translation>認証レベル不足</translation>
    </message>
    <message>
        <source>PV inverter</source>
        <translation>太陽光発電（パワコン）</translation>
    </message>
    <message>
        <source>Smart meter</source>
        <translation>スマートメーター</translation>
    </message>
    <message>
        <source>ECHONET Lite</source>
        <translation>ECHONET Lite</translation>
    </message>
    <message>
        <source>Model matched, not attested</source>
        <translation>型番一致・真正性未証明</translation>
    </message>
    <message>
        <source>ECHONET Lite equipment: its model is on the certified list, but it cannot prove that it is genuine. The catalog&apos;s policy for this service level decides whether it may stay.</source>
        <translation>ECHONET Lite機器：型番は認証済み一覧にありますが、本物であることを証明できません。このサービスレベルで設置してよいかはカタログの方針で決まります。</translation>
    </message>
    <message>
        <source>Certification expired</source>
        <translation>認証期限切れ</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>認証取り消し</translation>
    </message>
    <message>
        <source>Unknown manufacturer</source>
        <translation>不明なメーカー</translation>
    </message>
    <message>
        <source>Counterfeit</source>
        <translation>偽造の疑い</translation>
    </message>
    <message>
        <source>Identity mismatch</source>
        <translation>識別情報の不一致</translation>
    </message>
    <message>
        <source>Could not be checked</source>
        <translation>確認できません</translation>
    </message>
    <message>
        <source>Genuine device of a model certified at this home&apos;s service level. It may be commissioned.</source>
        <translation>この住宅のサービスレベルで認証された機種の正規品です。設定できます。</translation>
    </message>
    <message>
        <source>This model is not on the certified-model list. Do not install it.</source>
        <translation>この機種は認証機種リストにありません。設置しないでください。</translation>
    </message>
    <message>
        <source>This model is certified below this home&apos;s service level. Do not install it.</source>
        <translation>この機種の認証レベルは、この住宅のサービスレベルより低いです。設置しないでください。</translation>
    </message>
    <message>
        <source>This model&apos;s certification has expired. Do not install it.</source>
        <translation>この機種の認証は期限が切れています。設置しないでください。</translation>
    </message>
    <message>
        <source>This model&apos;s certification was revoked. Do not install it.</source>
        <translation>この機種の認証は取り消されています。設置しないでください。</translation>
    </message>
    <message>
        <source>The manufacturer is not in the signed catalog, so the device cannot be trusted.</source>
        <translation>メーカーが署名付きカタログに載っていないため、この機器は信頼できません。</translation>
    </message>
    <message>
        <source>The device could not prove that it is genuine (certificate chain or key). It may be counterfeit. Do not install it.</source>
        <translation>この機器は正規品であることを証明できませんでした（証明書チェーンまたは鍵）。偽造品の可能性があります。設置しないでください。</translation>
    </message>
    <message>
        <source>What the device advertises, its certificate and its label do not agree. Do not install it.</source>
        <translation>機器の通知内容、証明書、ラベルが一致しません。設置しないでください。</translation>
    </message>
    <message>
        <source>The device could not be checked. Make sure it is powered and on the network, then check again.</source>
        <translation>この機器を確認できませんでした。電源とネットワーク接続を確認してから、もう一度確認してください。</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>種類</translation>
    </message>
    <message>
        <source>Certification</source>
        <translation>認証</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>進捗</translation>
    </message>
    <message>
        <source>Device ID</source>
        <translation>機器ID</translation>
    </message>
    <message>
        <source>Manufacturer</source>
        <translation>メーカー</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>型番</translation>
    </message>
    <message>
        <source>Firmware</source>
        <translation>ファームウェア</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Transport</source>
        <translation>検出経路</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>アドレス</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>詳細</translation>
    </message>
    <message>
        <source>Bluetooth LE (%1 dBm)</source>
        <translation>Bluetooth LE (%1 dBm)</translation>
    </message>
    <message>
        <source>Not checked</source>
        <translation>未確認</translation>
    </message>
    <message>
        <source>Not checked yet: use Check devices.</source>
        <translation>未確認です。「認証確認」を実行してください。</translation>
    </message>
    <message>
        <source>%1 — to be replaced</source>
        <translation>%1 — 交換予定</translation>
    </message>
    <message>
        <source>Protocol version %1</source>
        <translation>プロトコルバージョン %1</translation>
    </message>
    <message>
        <source>%1 ⚠ vulnerable</source>
        <translation>%1 ⚠ 脆弱性あり</translation>
    </message>
    <message>
        <source>Firmware %1 is known to be vulnerable; the latest is %2. Update it before handover.</source>
        <translation>ファームウェア %1 には既知の脆弱性があります。最新は %2 です。引き渡し前に更新してください。</translation>
    </message>
    <message>
        <source>Firmware %1 (verified); the latest is %2.</source>
        <translation>ファームウェア %1(確認済み)。最新は %2 です。</translation>
    </message>
    <message>
        <source>Firmware %1 (verified); this is the latest.</source>
        <translation>ファームウェア %1(確認済み)。最新です。</translation>
    </message>
    <message>
        <source>To be replaced: %1</source>
        <translation>交換予定: %1</translation>
    </message>
    <message>
        <source>Malformed advertisement</source>
        <translation>不正なアドバタイズ</translation>
    </message>
    <message>
        <source>Malformed advertisement from %1: %2</source>
        <translation>%1 からの不正なアドバタイズ: %2</translation>
    </message>
</context>
<context>
    <name>Handover</name>
    <message>
        <source>The service level is below the one suggested for this home (%2): record the reason or raise the level.</source>
        <translation>サービスレベルがこの住宅の推奨レベルより低くなっています（%2）。理由を記録するか、レベルを上げてください。</translation>
    </message>
    <message>
        <source>The job has no devices yet: scan and check them first.</source>
        <translation>このジョブにはまだ機器がありません。スキャンして認証確認を行ってください。</translation>
    </message>
    <message>
        <source>%1: not checked by the certified-model gate yet.</source>
        <translation>%1：認証型番の確認がまだです。</translation>
    </message>
    <message>
        <source>%1: blocked by the certified-model gate (%2).</source>
        <translation>%1：認証型番の確認で使用不可と判定されています（%2）。</translation>
    </message>
    <message>
        <source>%1: not provisioned (%2).</source>
        <translation>%1：認証情報の設定が完了していません（%2）。</translation>
    </message>
    <message>
        <source>%1: the gateway did not authenticate this device.</source>
        <translation>%1：ホームゲートウェイがこの機器を認証できませんでした。</translation>
    </message>
    <message>
        <source>%1: not on the latest firmware (%2).</source>
        <translation>%1：ソフトウェアが最新ではありません（%2）。</translation>
    </message>
    <message>
        <source>%1: no record that it runs the latest firmware.</source>
        <translation>%1：最新ソフトウェアであることが確認されていません。</translation>
    </message>
    <message>
        <source>%1: runs a firmware version known to be vulnerable.</source>
        <translation>%1：既知の脆弱性がある版数のソフトウェアです。</translation>
    </message>
    <message>
        <source>No owner invitation has been issued (the sheet needs its QR code).</source>
        <translation>オーナー招待（引き継ぎコード）が発行されていません（ご利用案内のQRコードに必要です）。</translation>
    </message>
    <message>
        <source>The audit log does not verify: %2</source>
        <translation>作業ログの検証に失敗しました：%2</translation>
    </message>
    <message>
        <source>The job is already closed.</source>
        <translation>このジョブは既に完了しています。</translation>
    </message>
    <message>
        <source>%1: the device holds personal data (%2); wipe it before handing over.</source>
        <translation>%1: 機器に個人データが残っています (%2)。引き渡し前に消去してください。</translation>
    </message>
    <message>
        <source>%1: not verified as wiped (%2); run Wipe and verify again.</source>
        <translation>%1: 消去が確認できていません (%2)。「消去と検証」をもう一度実行してください。</translation>
    </message>
    <message>
        <source>No verified catalog is available: sync the catalog first.</source>
        <translation>検証済みのカタログがありません。先にカタログを同期してください。</translation>
    </message>
    <message>
        <source>Home handed over</source>
        <translation>お引き渡し完了</translation>
    </message>
    <message>
        <source>Job %1 is closed and its audit log is sealed.</source>
        <translation>ジョブ %1 を完了し、作業ログを封印しました。</translation>
    </message>
    <message>
        <source>Sealed hash: %1</source>
        <translation>封印ハッシュ：%1</translation>
    </message>
    <message>
        <source>Report: %1</source>
        <translation>報告書：%1</translation>
    </message>
    <message>
        <source>Print the guidance sheet now and give it to the owner.</source>
        <translation>ご利用案内を印刷して、お客様にお渡しください。</translation>
    </message>
    <message>
        <source>Print guidance sheet…</source>
        <translation>ご利用案内を印刷…</translation>
    </message>
    <message>
        <source>Print preview…</source>
        <translation>印刷プレビュー…</translation>
    </message>
    <message>
        <source>Save sheet as PDF…</source>
        <translation>ご利用案内をPDFで保存…</translation>
    </message>
    <message>
        <source>Cannot hand over yet</source>
        <translation>まだお引き渡しできません</translation>
    </message>
    <message>
        <source>The job stays open. Fix these first:</source>
        <translation>ジョブは完了していません。先に次の点を解決してください：</translation>
    </message>
    <message>
        <source>The sheet could not be printed: %1</source>
        <translation>説明書を印刷できませんでした: %1</translation>
    </message>
    <message>
        <source>Save sheet as PDF</source>
        <translation>ご利用案内をPDFで保存</translation>
    </message>
    <message>
        <source>Close and hand over…</source>
        <translation>完了して引き渡す…</translation>
    </message>
    <message>
        <source>Close the job and print the owner&apos;s guidance sheet</source>
        <translation>ジョブを完了し、お客様向けのご利用案内を印刷します</translation>
    </message>
</context>
<context>
    <name>HelpMenu</name>
    <message>
        <source>Commissioner %1
Smart home commissioning for installation crews</source>
        <translation>コミッショナー %1
施工担当者のためのスマートホーム設定ツール</translation>
    </message>
    <message>
        <source>About the commissioner</source>
        <translation>コミッショナーについて</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About…</source>
        <translation>このアプリについて(&amp;A)…</translation>
    </message>
</context>
<context>
    <name>JobDialogs</name>
    <message>
        <source>Handles personal data?</source>
        <translation>個人情報を扱いますか？</translation>
    </message>
    <message>
        <source>Affects life or property?</source>
        <translation>生命・財産に影響しますか？</translation>
    </message>
    <message>
        <source>Reason for a lower level:</source>
        <translation>低いレベルにする理由:</translation>
    </message>
    <message>
        <source>Why the level is below the suggested one</source>
        <translation>推奨より低いレベルにする理由</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>選択してください</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>はい</translation>
    </message>
    <message>
        <source>No</source>
        <translation>いいえ</translation>
    </message>
    <message>
        <source>Answer both questions to see the suggested level.</source>
        <translation>二つの質問に答えると推奨レベルが表示されます。</translation>
    </message>
    <message>
        <source>Suggested: ★★★ (level 3): the service handles personal data or affects life or property.</source>
        <translation>推奨: ★★★（レベル3）: 個人情報を扱うか、生命・財産に影響するサービスです。</translation>
    </message>
    <message>
        <source>Suggested: ★★ (level 2). A lock or camera found later suggests ★★★.</source>
        <translation>推奨: ★★（レベル2）。あとで電気錠や防犯カメラが見つかると★★★を推奨します。</translation>
    </message>
    <message>
        <source>Answer: does the service handle personal data?</source>
        <translation>回答してください: サービスは個人情報を扱いますか？</translation>
    </message>
    <message>
        <source>Answer: can the service affect life or property?</source>
        <translation>回答してください: サービスは生命・財産に影響しますか？</translation>
    </message>
    <message>
        <source>Give the reason for a level below the suggested one.</source>
        <translation>推奨より低いレベルにする理由を入力してください。</translation>
    </message>
    <message>
        <source>New job</source>
        <translation>新規作業</translation>
    </message>
    <message>
        <source>Job number:</source>
        <translation>作業番号:</translation>
    </message>
    <message>
        <source>Site name:</source>
        <translation>現場名:</translation>
    </message>
    <message>
        <source>Site address:</source>
        <translation>現場住所:</translation>
    </message>
    <message>
        <source>Service level:</source>
        <translation>サービスレベル:</translation>
    </message>
    <message>
        <source>Operator:</source>
        <translation>担当者:</translation>
    </message>
    <message>
        <source>e.g. 2026-0412</source>
        <translation>例: 2026-0412</translation>
    </message>
    <message>
        <source>e.g. Sakura residence</source>
        <translation>例: さくら邸</translation>
    </message>
    <message>
        <source>Street address of the home</source>
        <translation>住宅の住所</translation>
    </message>
    <message>
        <source>Nobody is signed in</source>
        <translation>サインインしていません</translation>
    </message>
    <message>
        <source>★★ (level 2)</source>
        <translation>★★（レベル2）</translation>
    </message>
    <message>
        <source>★★★ (level 3)</source>
        <translation>★★★（レベル3）</translation>
    </message>
    <message>
        <source>Create job</source>
        <translation>作業を作成</translation>
    </message>
    <message>
        <source>Enter the job number.</source>
        <translation>作業番号を入力してください。</translation>
    </message>
    <message>
        <source>Enter the site name.</source>
        <translation>現場名を入力してください。</translation>
    </message>
    <message>
        <source>Enter the site address.</source>
        <translation>現場住所を入力してください。</translation>
    </message>
    <message>
        <source>This looks like a job ID (J + 8 characters); choose another job number.</source>
        <translation>作業ID（J＋8文字）と紛らわしい番号です。別の作業番号にしてください。</translation>
    </message>
    <message>
        <source>Remove the control characters.</source>
        <translation>制御文字を削除してください。</translation>
    </message>
    <message>
        <source>This job number is already in use.</source>
        <translation>この作業番号はすでに使われています。</translation>
    </message>
    <message>
        <source>Not accepted: %1</source>
        <translation>受け付けられません: %1</translation>
    </message>
    <message>
        <source>The job could not be saved: %1</source>
        <translation>作業を保存できませんでした: %1</translation>
    </message>
    <message>
        <source>Open job</source>
        <translation>作業を開く</translation>
    </message>
    <message>
        <source>Job number</source>
        <translation>作業番号</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>現場</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>レベル</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>担当者</translation>
    </message>
    <message>
        <source>Created (UTC)</source>
        <translation>作成日時（UTC）</translation>
    </message>
    <message>
        <source>The jobs could not be read: %1</source>
        <translation>作業を読み込めませんでした: %1</translation>
    </message>
    <message>
        <source>Reading the jobs…</source>
        <translation>作業を読み込み中…</translation>
    </message>
    <message>
        <source>There are no jobs yet. Create one with New job.</source>
        <translation>作業はまだありません。「新規作業」で作成してください。</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Handed over (read-only)</source>
        <translation>引き渡し済み（閲覧のみ）</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>進行中</translation>
    </message>
    <message>
        <source>Open read-only</source>
        <translation>閲覧のみで開く</translation>
    </message>
    <message>
        <source>Choose the job to open:</source>
        <translation>開く作業を選んでください:</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>開く</translation>
    </message>
    <message>
        <source>Mark to be replaced</source>
        <translation>交換予定にする</translation>
    </message>
    <message>
        <source>Device %1 is blocked (%2) and cannot be commissioned. Record why it is to be replaced; the reason is kept in the job.</source>
        <translation>機器 %1 はブロックされているため（%2）設定できません。交換する理由を入力してください。理由は作業に記録されます。</translation>
    </message>
    <message>
        <source>e.g. counterfeit camera; order a genuine one</source>
        <translation>例: 偽造品の疑いがあるカメラ。正規品を手配する</translation>
    </message>
    <message>
        <source>Enter a reason.</source>
        <translation>理由を入力してください。</translation>
    </message>
    <message>
        <source>The reason is too long (at most %1 characters).</source>
        <translation>理由が長すぎます（最大 %1 文字）。</translation>
    </message>
    <message>
        <source>Not recorded: %1</source>
        <translation>記録できませんでした: %1</translation>
    </message>
</context>
<context>
    <name>JobSteps</name>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>Job steps</source>
        <translation>作業の手順</translation>
    </message>
    <message>
        <source>&amp;Job steps</source>
        <translation>作業の手順(&amp;J)</translation>
    </message>
    <message>
        <source>The job&apos;s steps in order: what is done, what blocks, what to do next</source>
        <translation>作業の手順を順番に表示します（済んだこと、止まっている理由、次に行うこと）</translation>
    </message>
    <message>
        <source>Scan for devices</source>
        <translation>機器を探す</translation>
    </message>
    <message>
        <source>Check devices (certified models)</source>
        <translation>機器の認証確認</translation>
    </message>
    <message>
        <source>Onboard Bluetooth devices</source>
        <translation>Bluetooth機器の参加</translation>
    </message>
    <message>
        <source>Pair box labels</source>
        <translation>箱のラベルの照合</translation>
    </message>
    <message>
        <source>Commission (provision)</source>
        <translation>設定（認証情報の書き込み）</translation>
    </message>
    <message>
        <source>Update firmware</source>
        <translation>ファームウェア更新</translation>
    </message>
    <message>
        <source>Owner&apos;s sheet and handover</source>
        <translation>ご利用案内と引き渡し</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>次に行う</translation>
    </message>
    <message>
        <source>Blocked</source>
        <translation>ブロック中</translation>
    </message>
    <message>
        <source>Waiting for an earlier step</source>
        <translation>前の手順の完了待ち</translation>
    </message>
    <message>
        <source>Not needed</source>
        <translation>不要</translation>
    </message>
    <message>
        <source>Start the scan</source>
        <translation>スキャンを開始</translation>
    </message>
    <message>
        <source>Check devices</source>
        <translation>認証確認を実行</translation>
    </message>
    <message>
        <source>Onboard all over Bluetooth</source>
        <translation>Bluetoothで全機器を参加</translation>
    </message>
    <message>
        <source>Scan or type the label</source>
        <translation>ラベルを読み取る・入力する</translation>
    </message>
    <message>
        <source>Commission</source>
        <translation>設定を実行</translation>
    </message>
    <message>
        <source>Close and hand over</source>
        <translation>完了して引き渡す</translation>
    </message>
    <message>
        <source>Remove or replace</source>
        <translation>取り外し・交換</translation>
    </message>
    <message>
        <source>%1: blocked by the check - remove it or replace it with a genuine unit</source>
        <translation>%1: 認証確認でブロック。取り外すか、正規品に交換してください</translation>
    </message>
    <message>
        <source>%1: heard only over Bluetooth - onboard it to the home network</source>
        <translation>%1: Bluetoothでのみ検出。ホームネットワークに参加させてください</translation>
    </message>
    <message>
        <source>%1: its box label is not scanned yet</source>
        <translation>%1: 箱のラベルをまだ読み取っていません</translation>
    </message>
    <message>
        <source>%1: its label does not match the device - check the box</source>
        <translation>%1: ラベルが機器と一致しません。箱を確認してください</translation>
    </message>
    <message>
        <source>%1: commissioning failed - run Commission again</source>
        <translation>%1: 設定に失敗しました。もう一度設定を実行してください</translation>
    </message>
    <message>
        <source>%1: not on the latest firmware</source>
        <translation>%1: 最新のファームウェアではありません</translation>
    </message>
    <message>
        <source>%1: runs a firmware version known to be vulnerable</source>
        <translation>%1: 脆弱性が知られているファームウェアで動作しています</translation>
    </message>
    <message>
        <source>Open or create a job to see its steps.</source>
        <translation>手順を表示するには、ジョブを開くか作成してください。</translation>
    </message>
    <message>
        <source>Every step is done: the home is handed over.</source>
        <translation>すべての手順が完了し、お引き渡し済みです。</translation>
    </message>
    <message>
        <source>Next: %1 (%2)</source>
        <translation>次に行うこと: %1（%2）</translation>
    </message>
    <message>
        <source>…and %1 more</source>
        <translation>…ほか %1 件</translation>
    </message>
    <message>
        <source>Nothing to do here</source>
        <translation>ここで行う操作はありません</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Commissioner — smart home commissioning</source>
        <translation>コミッショナー — スマートホーム設定</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;New job…</source>
        <translation>新規作業(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Open job…</source>
        <translation>作業を開く(&amp;O)…</translation>
    </message>
    <message>
        <source>Check devices</source>
        <translation>認証確認</translation>
    </message>
    <message>
        <source>Check every device found against the signed catalog of certified models</source>
        <translation>見つかったすべての機器を署名付きの認証機種カタログと照合します</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>住所:</translation>
    </message>
    <message>
        <source>Catalog:</source>
        <translation>カタログ:</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>言語(&amp;L)</translation>
    </message>
    <message>
        <source>Scan</source>
        <translation>スキャン</translation>
    </message>
    <message>
        <source>Current job</source>
        <translation>現在の作業</translation>
    </message>
    <message>
        <source>No job open</source>
        <translation>作業が開かれていません</translation>
    </message>
    <message>
        <source>Job number:</source>
        <translation>作業番号:</translation>
    </message>
    <message>
        <source>Site:</source>
        <translation>現場:</translation>
    </message>
    <message>
        <source>Service level:</source>
        <translation>サービスレベル:</translation>
    </message>
    <message>
        <source>Operator:</source>
        <translation>担当者:</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>機器一覧</translation>
    </message>
    <message>
        <source>mDNS interfaces: %1</source>
        <translation>mDNSインターフェース: %1</translation>
    </message>
    <message>
        <source>The job store could not be used.</source>
        <translation>作業データベースを使用できません。</translation>
    </message>
    <message>
        <source>No such job.</source>
        <translation>その作業はありません。</translation>
    </message>
    <message>
        <source>The job is closed; create a new job for new work.</source>
        <translation>この作業は完了しています。新しい作業には新規作業を作成してください。</translation>
    </message>
    <message>
        <source>No devices found yet: start a scan and wait for the devices.</source>
        <translation>まだ機器が見つかっていません。スキャンを開始し、機器が表示されるまで待ってください。</translation>
    </message>
    <message>
        <source>Only a blocked device can be marked to be replaced.</source>
        <translation>交換予定にできるのはブロックされた機器だけです。</translation>
    </message>
    <message>
        <source>The device is not part of this job yet; scan again.</source>
        <translation>この機器はまだ作業に登録されていません。もう一度スキャンしてください。</translation>
    </message>
    <message>
        <source>The value was not accepted.</source>
        <translation>値が受け付けられませんでした。</translation>
    </message>
    <message>
        <source>This is not a valid device label. Scan the QR code again.</source>
        <translation>有効な機器ラベルではありません。QRコードをもう一度読み取ってください。</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>詳細: %1</translation>
    </message>
    <message>
        <source>Job %1 created.</source>
        <translation>作業 %1 を作成しました。</translation>
    </message>
    <message>
        <source>Checking %1 devices…</source>
        <translation>%1 台の機器を確認中…</translation>
    </message>
    <message>
        <source>Spoofing attempt: %1 at %2 claims device id %3 but cannot prove it. The genuine device was checked; take the equipment at %2 off the network.</source>
        <translation>なりすましの試み：%2 の %1 が機器 ID %3 を名乗っていますが、証明できません。本物の機器を確認しました。%2 の機器をネットワークから外してください。</translation>
    </message>
    <message>
        <source>Checked %1 devices: %2 blocked.</source>
        <translation>%1 台の機器を確認しました（ブロック %2 台）。</translation>
    </message>
    <message>
        <source>Certified: %1  Blocked: %2</source>
        <translation>認証済み: %1 台&#x3000;ブロック: %2 台</translation>
    </message>
    <message>
        <source>Device %1 is marked to be replaced.</source>
        <translation>機器 %1 を交換予定にしました。</translation>
    </message>
    <message>
        <source>Open or create a job first.</source>
        <translation>先に作業を開くか作成してください。</translation>
    </message>
    <message>
        <source>Checking the label…</source>
        <translation>ラベルを確認中…</translation>
    </message>
    <message>
        <source>Label paired with %1 (serial %2): it matches the certificate.</source>
        <translation>ラベルを %1（製造番号 %2）とペアリングしました。証明書と一致しています。</translation>
    </message>
    <message>
        <source>Label recorded for %1 (serial %2); it is checked against the certificate at the next Check devices.</source>
        <translation>%1（製造番号 %2）のラベルを記録しました。次回の認証確認で証明書と照合します。</translation>
    </message>
    <message>
        <source>The label does not match device %1 (label serial %2): the device is blocked.</source>
        <translation>ラベルが機器 %1 と一致しません（ラベルの製造番号 %2）。この機器はブロックされます。</translation>
    </message>
    <message>
        <source>This label (%1, serial %2) matches no device found in this job.</source>
        <translation>このラベル（%1、製造番号 %2）は、この作業で見つかったどの機器とも一致しません。</translation>
    </message>
    <message>
        <source>Service level %1 of 3</source>
        <translation>サービスレベル %1（3段階中）</translation>
    </message>
    <message>
        <source>version %1</source>
        <translation>バージョン %1</translation>
    </message>
    <message>
        <source>not checked yet</source>
        <translation>未確認</translation>
    </message>
    <message>
        <source>Stop scan</source>
        <translation>スキャン停止</translation>
    </message>
    <message>
        <source>Stop looking for devices</source>
        <translation>機器の検索を停止します</translation>
    </message>
    <message>
        <source>Start scan</source>
        <translation>スキャン開始</translation>
    </message>
    <message>
        <source>Look for devices on the installation network</source>
        <translation>設置先ネットワーク上の機器を検索します</translation>
    </message>
    <message>
        <source>Scan stopped</source>
        <translation>スキャン停止中</translation>
    </message>
    <message>
        <source>Starting scan…</source>
        <translation>スキャンを開始しています…</translation>
    </message>
    <message>
        <source>Scanning…</source>
        <translation>スキャン中…</translation>
    </message>
    <message>
        <source>Stopping scan…</source>
        <translation>スキャンを停止しています…</translation>
    </message>
    <message>
        <source>Scan stopped (error)</source>
        <translation>スキャン停止（エラー）</translation>
    </message>
    <message>
        <source>(%1 found)</source>
        <translation>（%1台検出）</translation>
    </message>
    <message>
        <source>1 device</source>
        <translation>機器 1台</translation>
    </message>
    <message>
        <source>%1 devices</source>
        <translation>機器 %1台</translation>
    </message>
    <message>
        <source>%1 malformed</source>
        <translation>不正 %1件</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1、%2</translation>
    </message>
    <message>
        <source>Could not start the scan: %1</source>
        <translation>スキャンを開始できませんでした: %1</translation>
    </message>
    <message>
        <source>Could not stop the scan cleanly: %1</source>
        <translation>スキャンを正常に停止できませんでした: %1</translation>
    </message>
    <message>
        <source>A background task failed (%1): %2</source>
        <translation>バックグラウンド処理が失敗しました（%1）: %2</translation>
    </message>
    <message>
        <source>Commissioner: error</source>
        <translation>コミッショナー: エラー</translation>
    </message>
</context>
<context>
    <name>NetworkDialog</name>
    <message>
        <source>Home network</source>
        <translation>宅内ネットワーク設定</translation>
    </message>
    <message>
        <source>The home&apos;s Wi-Fi network, given to each device onboarded over Bluetooth LE. The settings are kept only while this window is open; they are never saved.</source>
        <translation>Bluetooth LE でネットワークに参加させる各機器に渡す、宅内の Wi-Fi ネットワークです。設定はこのウィンドウを開いている間だけ保持され、保存されることはありません。</translation>
    </message>
    <message>
        <source>SSID:</source>
        <translation>SSID:</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>パスフレーズ:</translation>
    </message>
    <message>
        <source>Home ID:</source>
        <translation>宅内ID:</translation>
    </message>
    <message>
        <source>Network name (SSID)</source>
        <translation>ネットワーク名 (SSID)</translation>
    </message>
    <message>
        <source>%1 to %2 characters</source>
        <translation>%1〜%2 文字</translation>
    </message>
    <message>
        <source>(no job open)</source>
        <translation>(作業が開かれていません)</translation>
    </message>
    <message>
        <source>Enter the network name (1 to %1 bytes).</source>
        <translation>ネットワーク名を入力してください (1〜%1 バイト)。</translation>
    </message>
    <message>
        <source>The passphrase must be %1 to %2 printable ASCII characters.</source>
        <translation>パスフレーズは %1〜%2 文字の印字可能な ASCII 文字にしてください。</translation>
    </message>
    <message>
        <source>Open the job of this home first (its job ID is the home ID).</source>
        <translation>先にこの住宅の作業を開いてください (作業IDが宅内IDになります)。</translation>
    </message>
</context>
<context>
    <name>Operations</name>
    <message>
        <source>Connecting over BLE…</source>
        <translation>BLE で接続中…</translation>
    </message>
    <message>
        <source>Checking the label…</source>
        <translation>ラベルを照合中…</translation>
    </message>
    <message>
        <source>Authenticating (setup code)…</source>
        <translation>認証中(セットアップコード)…</translation>
    </message>
    <message>
        <source>Sending the network settings…</source>
        <translation>ネットワーク設定を送信中…</translation>
    </message>
    <message>
        <source>Joining the network…</source>
        <translation>ネットワークに参加中…</translation>
    </message>
    <message>
        <source>Joined the network</source>
        <translation>ネットワークに参加しました</translation>
    </message>
    <message>
        <source>The device did not answer over Bluetooth. Check that it is powered and nearby, then try again.</source>
        <translation>機器が Bluetooth で応答しません。電源が入っていて近くにあることを確認し、もう一度お試しください。</translation>
    </message>
    <message>
        <source>The Bluetooth connection was lost. Move closer to the device and retry.</source>
        <translation>Bluetooth 接続が切れました。機器に近づいて再試行してください。</translation>
    </message>
    <message>
        <source>The device stopped answering. Move closer to the device and retry.</source>
        <translation>機器の応答が止まりました。機器に近づいて再試行してください。</translation>
    </message>
    <message>
        <source>The device reported an error. Power-cycle the device and retry.</source>
        <translation>機器がエラーを返しました。機器の電源を入れ直して再試行してください。</translation>
    </message>
    <message>
        <source>This device cannot be onboarded over Bluetooth (no onboarding service).</source>
        <translation>この機器は Bluetooth でネットワークに参加させられません(オンボーディングサービスなし)。</translation>
    </message>
    <message>
        <source>The device is not the one on the label; nothing was sent. Scan this device&apos;s own label.</source>
        <translation>ラベルと異なる機器です。何も送信していません。この機器自身のラベルを読み取ってください。</translation>
    </message>
    <message>
        <source>The setup code was not accepted; nothing secret was sent. Scan the label again.</source>
        <translation>セットアップコードが受け入れられませんでした。秘密情報は送信していません。ラベルを読み取り直してください。</translation>
    </message>
    <message>
        <source>Too many failed attempts: wait a minute, then try again.</source>
        <translation>失敗が多すぎます。1 分待ってから再試行してください。</translation>
    </message>
    <message>
        <source>Another app is onboarding this device. Wait and try again.</source>
        <translation>別のアプリがこの機器を設定中です。しばらく待って再試行してください。</translation>
    </message>
    <message>
        <source>The device refused the network settings. Check the home network settings.</source>
        <translation>機器がネットワーク設定を拒否しました。宅内ネットワークの設定を確認してください。</translation>
    </message>
    <message>
        <source>The device could not join the home network. Check the network and the device&apos;s distance to the access point.</source>
        <translation>機器が宅内ネットワークに参加できませんでした。ネットワークと、アクセスポイントまでの距離を確認してください。</translation>
    </message>
    <message>
        <source>The device answered something invalid. Power-cycle it and retry.</source>
        <translation>機器の応答が不正です。電源を入れ直して再試行してください。</translation>
    </message>
    <message>
        <source>The Bluetooth adapter failed. Turn Bluetooth off and on, then retry.</source>
        <translation>Bluetooth アダプターでエラーが発生しました。Bluetooth をオフ・オンしてから再試行してください。</translation>
    </message>
    <message>
        <source>No label is known for this device. Scan its label first.</source>
        <translation>この機器のラベルがありません。先にラベルを読み取ってください。</translation>
    </message>
    <message>
        <source>The device is not seen over Bluetooth any more. Check its power.</source>
        <translation>機器が Bluetooth で見えなくなりました。電源を確認してください。</translation>
    </message>
    <message>
        <source>Authenticating</source>
        <translation>認証</translation>
    </message>
    <message>
        <source>Setting a unique admin credential</source>
        <translation>固有の管理者認証情報を設定</translation>
    </message>
    <message>
        <source>Requesting a key pair</source>
        <translation>鍵ペアを要求</translation>
    </message>
    <message>
        <source>Installing the certificate</source>
        <translation>証明書をインストール</translation>
    </message>
    <message>
        <source>Writing the access control list</source>
        <translation>アクセス制御リストを書き込み</translation>
    </message>
    <message>
        <source>Disabling the default password</source>
        <translation>初期パスワードを無効化</translation>
    </message>
    <message>
        <source>Completing</source>
        <translation>完了処理</translation>
    </message>
    <message>
        <source>Reading back</source>
        <translation>設定を読み戻して確認</translation>
    </message>
    <message>
        <source>Setting the owner CA</source>
        <translation>所有者用 CA を設定</translation>
    </message>
    <message>
        <source>Writing the allow-list</source>
        <translation>許可リストを書き込み</translation>
    </message>
    <message>
        <source>Gateway authentication</source>
        <translation>ゲートウェイ認証</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>接続</translation>
    </message>
    <message>
        <source>Scan the label on this device again, then run Commission home again.</source>
        <translation>この機器のラベルを読み取り直してから、もう一度「設定実行」してください。</translation>
    </message>
    <message>
        <source>Scan the label of this very device, then run Commission home again.</source>
        <translation>この機器自身のラベルを読み取ってから、もう一度「設定実行」してください。</translation>
    </message>
    <message>
        <source>Wait a minute, check the label, then run Commission home again.</source>
        <translation>1 分待ち、ラベルを確認してから、もう一度「設定実行」してください。</translation>
    </message>
    <message>
        <source>Check the device&apos;s power and network connection, then run Commission home again (it resumes where it stopped).</source>
        <translation>機器の電源とネットワーク接続を確認してから、もう一度「設定実行」してください(中断したところから再開します)。</translation>
    </message>
    <message>
        <source>Scan and check the devices again, then run Commission home again.</source>
        <translation>機器を再スキャン・認証確認してから、もう一度「設定実行」してください。</translation>
    </message>
    <message>
        <source>Scan the device&apos;s label, then run Commission home again.</source>
        <translation>機器のラベルを読み取ってから、もう一度「設定実行」してください。</translation>
    </message>
    <message>
        <source>The device belongs to another home. If the home was handed over before, start a resale job (File → New resale job…) and run Wipe and verify; otherwise reset the device with its reset button, then run Commission home again.</source>
        <translation>この機器は別の住まいに登録されています。以前に引き渡した住まいなら、再販ジョブを開始し (ファイル → 新規再販ジョブ…)、「消去と検証」を実行してください。そうでなければ機器のリセットボタンで初期化してから、「住まいを設定」をもう一度実行してください。</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>ダウンロード</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>転送</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>検証</translation>
    </message>
    <message>
        <source>Reboot</source>
        <translation>再起動</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>確認</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>Cannot update: the catalog has no firmware for this model</source>
        <translation>更新不可: カタログにこの機種のファームウェアがありません</translation>
    </message>
    <message>
        <source>Cannot update: the device runs a newer version than the catalog</source>
        <translation>更新不可: 機器がカタログより新しいバージョンで動作しています</translation>
    </message>
    <message>
        <source>Cannot update: the device could not be identified</source>
        <translation>更新不可: 機器を識別できませんでした</translation>
    </message>
    <message>
        <source>The new firmware did not start; the device runs the old one</source>
        <translation>新しいファームウェアが起動せず、機器は旧バージョンで動作しています</translation>
    </message>
    <message>
        <source>The device did not come back after rebooting; run the update again</source>
        <translation>再起動後に機器が戻りませんでした。もう一度更新を実行してください</translation>
    </message>
    <message>
        <source>Update refused</source>
        <translation>更新を拒否しました</translation>
    </message>
    <message>
        <source>Update failed; run it again</source>
        <translation>更新に失敗しました。もう一度実行してください</translation>
    </message>
    <message>
        <source>Cannot update</source>
        <translation>更新不可</translation>
    </message>
    <message>
        <source>Cannot update: the device is already commissioned and no longer accepts its setup code</source>
        <translation>更新不可: 機器はすでに設定済みで、セットアップコードを受け付けません</translation>
    </message>
    <message>
        <source>Bluetooth LE</source>
        <translation>Bluetooth LE</translation>
    </message>
    <message>
        <source>Also look for devices over Bluetooth LE (factory devices not on the network yet)</source>
        <translation>Bluetooth LE でも機器を探します(まだネットワークにいない工場出荷状態の機器)</translation>
    </message>
    <message>
        <source>Onboard all BLE devices</source>
        <translation>BLE 機器をすべて参加</translation>
    </message>
    <message>
        <source>Give every factory device found over Bluetooth LE the home network settings</source>
        <translation>Bluetooth LE で見つかった工場出荷状態の機器すべてに宅内ネットワーク設定を渡します</translation>
    </message>
    <message>
        <source>Onboard to network</source>
        <translation>ネットワークに参加させる</translation>
    </message>
    <message>
        <source>Home network…</source>
        <translation>宅内ネットワーク設定…</translation>
    </message>
    <message>
        <source>Enter the home&apos;s Wi-Fi settings given to devices onboarded over Bluetooth LE (kept in memory only)</source>
        <translation>Bluetooth LE でネットワークに参加させる機器に渡す宅内 Wi-Fi 設定を入力します (メモリー上にのみ保持)</translation>
    </message>
    <message>
        <source>Give this device the home network settings over an encrypted Bluetooth session</source>
        <translation>暗号化された Bluetooth 接続でこの機器に宅内ネットワーク設定を渡します</translation>
    </message>
    <message>
        <source>Commission home</source>
        <translation>設定実行</translation>
    </message>
    <message>
        <source>Give every certified device a unique credential, its own certificate and access control, and set up the gateway</source>
        <translation>認証済みの全機器に固有の認証情報・専用の証明書・アクセス制御を設定し、ゲートウェイを設定します</translation>
    </message>
    <message>
        <source>Update firmware</source>
        <translation>ファームウェア更新</translation>
    </message>
    <message>
        <source>Install the latest signed firmware on every certified device</source>
        <translation>認証済みの全機器に署名付きの最新ファームウェアをインストールします</translation>
    </message>
    <message>
        <source>Commissioning interrupted</source>
        <translation>設定が中断されています</translation>
    </message>
    <message>
        <source>Run Commission home again (it resumes where it stopped).</source>
        <translation>もう一度「設定実行」してください(中断したところから再開します)。</translation>
    </message>
    <message>
        <source>Vulnerable firmware %1 (latest %2)</source>
        <translation>脆弱性のあるファームウェア %1 (最新 %2)</translation>
    </message>
    <message>
        <source>Outdated firmware %1 (latest %2)</source>
        <translation>旧版のファームウェア %1 (最新 %2)</translation>
    </message>
    <message>
        <source>Firmware %1 (newer than the catalog)</source>
        <translation>ファームウェア %1 (カタログより新しい版)</translation>
    </message>
    <message>
        <source>Firmware %1 (latest not known)</source>
        <translation>ファームウェア %1 (最新版は不明)</translation>
    </message>
    <message>
        <source>The OS keyring cannot keep this job&apos;s secrets safely, so nothing was changed on the devices.</source>
        <translation>OS のキーリングがこの案件の秘密情報を安全に保管できないため、機器には何も変更を加えていません。</translation>
    </message>
    <message>
        <source>Bluetooth onboarding could not start.</source>
        <translation>Bluetooth でのネットワーク参加を開始できませんでした。</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>詳細: %1</translation>
    </message>
    <message>
        <source>This computer&apos;s keyring cannot keep the job secrets safely (it would store them in plain text, or it does not work). Commissioning is disabled.</source>
        <translation>このコンピューターのキーリングでは案件の秘密情報を安全に保管できません(平文で保存されるか、動作していません)。設定作業は無効になっています。</translation>
    </message>
    <message>
        <source>Use the operating system&apos;s keyring: on Windows the Credential Manager. Then restart the app.</source>
        <translation>OS のキーリング(Windows では資格情報マネージャー)を使えるようにしてから、アプリを再起動してください。</translation>
    </message>
    <message>
        <source>Keyring refused</source>
        <translation>キーリングを使用できません</translation>
    </message>
    <message>
        <source>Keyring refused: commissioning is disabled.</source>
        <translation>キーリングを使用できないため、設定作業は無効です。</translation>
    </message>
    <message>
        <source>Home network set: %1 (kept until this window closes)</source>
        <translation>宅内ネットワークを設定しました: %1 (このウィンドウを閉じるまで保持)</translation>
    </message>
    <message>
        <source>Turn on the Bluetooth LE scan first, then wait for the devices to appear.</source>
        <translation>先に Bluetooth LE スキャンをオンにし、機器が表示されるまで待ってください。</translation>
    </message>
    <message>
        <source>Onboarding devices over Bluetooth LE…</source>
        <translation>Bluetooth LE で機器をネットワークに参加させています…</translation>
    </message>
    <message>
        <source>Waiting…</source>
        <translation>待機中…</translation>
    </message>
    <message>
        <source>Onboarding failed.</source>
        <translation>ネットワーク参加に失敗しました。</translation>
    </message>
    <message>
        <source>On the network</source>
        <translation>ネットワーク参加済み</translation>
    </message>
    <message>
        <source>Onboarded; not seen on the network yet</source>
        <translation>設定済み(ネットワーク上にはまだ見えません)</translation>
    </message>
    <message>
        <source>It should appear over mDNS shortly; scan again if it does not.</source>
        <translation>まもなく mDNS で表示されるはずです。表示されない場合は再スキャンしてください。</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失敗: %1</translation>
    </message>
    <message>
        <source>Onboarding finished: %1 on the network, %2 failed.</source>
        <translation>ネットワーク参加完了: 参加 %1 台、失敗 %2 台。</translation>
    </message>
    <message>
        <source>Commissioning the home…</source>
        <translation>住宅を設定中…</translation>
    </message>
    <message>
        <source>Commissioning the home: %1 of %2 devices finished</source>
        <translation>住宅を設定中: %2 台中 %1 台完了</translation>
    </message>
    <message>
        <source>Provisioned</source>
        <translation>設定完了</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>対象外</translation>
    </message>
    <message>
        <source>%1: retrying…</source>
        <translation>%1: 再試行中…</translation>
    </message>
    <message>
        <source>Commissioning could not start.</source>
        <translation>設定を開始できませんでした。</translation>
    </message>
    <message>
        <source>gateway authenticated it</source>
        <translation>ゲートウェイが認証済み</translation>
    </message>
    <message>
        <source>the gateway refused it</source>
        <translation>ゲートウェイが拒否</translation>
    </message>
    <message>
        <source>Not provisioned (not certified)</source>
        <translation>未設定(認証されていない機器)</translation>
    </message>
    <message>
        <source>What to do: %1</source>
        <translation>対処: %1</translation>
    </message>
    <message>
        <source>Commissioning finished: %1 provisioned, %2 failed, %3 not certified (%4 s).</source>
        <translation>設定完了: 設定済み %1 台、失敗 %2 台、認証外 %3 台(%4 秒)。</translation>
    </message>
    <message>
        <source>The owner invitation is ready for the guidance sheet.</source>
        <translation>所有者招待が作成され、案内シートに印刷できます。</translation>
    </message>
    <message>
        <source>Checking firmware versions…</source>
        <translation>ファームウェアのバージョンを確認中…</translation>
    </message>
    <message>
        <source>Updating firmware…</source>
        <translation>ファームウェアを更新中…</translation>
    </message>
    <message>
        <source>Waiting: %1 → %2</source>
        <translation>待機中: %1 → %2</translation>
    </message>
    <message>
        <source>Latest (%1)</source>
        <translation>最新 (%1)</translation>
    </message>
    <message>
        <source>%1 %2 (%3 / %4 MiB)</source>
        <translation>%1 %2 (%3 / %4 MiB)</translation>
    </message>
    <message>
        <source>Updated: %1 → %2</source>
        <translation>更新済み: %1 → %2</translation>
    </message>
    <message>
        <source>The firmware update could not start.</source>
        <translation>ファームウェア更新を開始できませんでした。</translation>
    </message>
    <message>
        <source>Firmware: %1 updated; %2 of %3 devices run the latest firmware.</source>
        <translation>ファームウェア: %1 台を更新。%3 台中 %2 台が最新です。</translation>
    </message>
    <message>
        <source>These devices keep the job from being closed:</source>
        <translation>次の機器があるため案件を完了できません:</translation>
    </message>
</context>
<context>
    <name>Resale</name>
    <message>
        <source>New resale job…</source>
        <translation>新規再販ジョブ…</translation>
    </message>
    <message>
        <source>Start a job that wipes a handed-over home for its next owner</source>
        <translation>引き渡し済みの住まいを次の所有者のために消去するジョブを開始します</translation>
    </message>
    <message>
        <source>Wipe and verify</source>
        <translation>消去と検証</translation>
    </message>
    <message>
        <source>Erase the previous owner&apos;s data and credentials on every device and the gateway, then ask each device to prove it</source>
        <translation>すべての機器とゲートウェイから前の所有者のデータと認証情報を消去し、各機器に消去を確認します</translation>
    </message>
    <message>
        <source>Wipe certificate…</source>
        <translation>データ消去証明書…</translation>
    </message>
    <message>
        <source>Show, print or save the wipe certificate of this resale job</source>
        <translation>この再販ジョブのデータ消去証明書を表示・印刷・保存します</translation>
    </message>
    <message>
        <source>The bundle was not imported: %1</source>
        <translation>バンドルは取り込まれませんでした: %1</translation>
    </message>
    <message>
        <source>Imported job %1 (sealed %2…).</source>
        <translation>ジョブ %1 を取り込みました (封印 %2…)。</translation>
    </message>
    <message>
        <source>Resale job %1 started.</source>
        <translation>再販ジョブ %1 を開始しました。</translation>
    </message>
    <message>
        <source>Wiping the home: finding the devices…</source>
        <translation>消去中: 機器を探しています…</translation>
    </message>
    <message>
        <source>Wiping %1 devices…</source>
        <translation>%1 台の機器を消去しています…</translation>
    </message>
    <message>
        <source>Wiping the home: %1 of %2 devices checked</source>
        <translation>消去中: %2 台中 %1 台を確認済み</translation>
    </message>
    <message>
        <source>Press its reset button…</source>
        <translation>リセットボタンを押してください…</translation>
    </message>
    <message>
        <source>Waiting until the device reports factory state</source>
        <translation>機器が工場出荷状態を報告するまで待っています</translation>
    </message>
    <message>
        <source>Refused the previous home&apos;s credentials</source>
        <translation>前の住まいの認証情報を拒否しました</translation>
    </message>
    <message>
        <source>Read: %1 items of personal data</source>
        <translation>読み取り: 個人データ %1 件</translation>
    </message>
    <message>
        <source>Erased; verifying…</source>
        <translation>消去済み、検証中…</translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation>検証中…</translation>
    </message>
    <message>
        <source>The wipe could not start.</source>
        <translation>消去を開始できませんでした。</translation>
    </message>
    <message>
        <source>Wiped and verified</source>
        <translation>消去・検証済み</translation>
    </message>
    <message>
        <source>Not verified</source>
        <translation>未検証</translation>
    </message>
    <message>
        <source>Wipe finished: %1 verified, %2 not verified.</source>
        <translation>消去終了: 検証済み %1 台、未検証 %2 台。</translation>
    </message>
    <message>
        <source>Run Wipe and verify again once these devices are back; the job cannot be closed meanwhile.</source>
        <translation>これらの機器が戻ったら「消去と検証」をもう一度実行してください。それまでジョブは完了できません。</translation>
    </message>
    <message>
        <source>Next: check the devices, update the firmware, commission the home for the new owner, then close and hand over.</source>
        <translation>次に: 機器を確認し、ファームウェアを更新し、新しい所有者のために住まいを設定してから、完了して引き渡してください。</translation>
    </message>
    <message>
        <source>New resale job</source>
        <translation>新規再販ジョブ</translation>
    </message>
    <message>
        <source>A resale job wipes a handed-over home for its next owner: it erases the previous owner&apos;s data and credentials on every device, proves it by asking each device, updates the firmware and commissions the home for the new owner.</source>
        <translation>再販ジョブは、引き渡し済みの住まいを次の所有者のために消去します。すべての機器から前の所有者のデータと認証情報を消去し、それを各機器に問い合わせて確認し、ファームウェアを更新して、新しい所有者のために住まいを設定します。</translation>
    </message>
    <message>
        <source>From the home&apos;s handed-over job:</source>
        <translation>この住まいの引き渡し済みジョブから:</translation>
    </message>
    <message>
        <source>No record of the home (every device is reset with its reset button)</source>
        <translation>住まいの記録なし (すべての機器をリセットボタンで初期化)</translation>
    </message>
    <message>
        <source>Job number</source>
        <translation>ジョブ番号</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>現場</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>住所</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>引き渡し日時</translation>
    </message>
    <message>
        <source>Import job bundle…</source>
        <translation>ジョブバンドルを取り込む…</translation>
    </message>
    <message>
        <source>Import the previous job from the bundle another laptop exported, checked against that laptop&apos;s installation card</source>
        <translation>別のノートPCが書き出したバンドルから前回のジョブを取り込みます (そのPCのインストールカードで検証)</translation>
    </message>
    <message>
        <source>Site name:</source>
        <translation>現場名:</translation>
    </message>
    <message>
        <source>Site address:</source>
        <translation>現場住所:</translation>
    </message>
    <message>
        <source>Service level:</source>
        <translation>サービスレベル:</translation>
    </message>
    <message>
        <source>New job number:</source>
        <translation>新しいジョブ番号:</translation>
    </message>
    <message>
        <source>Operator:</source>
        <translation>作業者:</translation>
    </message>
    <message>
        <source>Start resale job</source>
        <translation>再販ジョブを開始</translation>
    </message>
    <message>
        <source>Job bundle of the previous job</source>
        <translation>前回のジョブのバンドル</translation>
    </message>
    <message>
        <source>Job bundles (*)</source>
        <translation>ジョブバンドル (*)</translation>
    </message>
    <message>
        <source>Installation card of the laptop that exported it</source>
        <translation>書き出したノートPCのインストールカード</translation>
    </message>
    <message>
        <source>Installation cards (*.pem *.card *)</source>
        <translation>インストールカード (*.pem *.card *)</translation>
    </message>
    <message>
        <source>Enter the new job number.</source>
        <translation>新しいジョブ番号を入力してください。</translation>
    </message>
    <message>
        <source>Enter the operator&apos;s name.</source>
        <translation>作業者の名前を入力してください。</translation>
    </message>
    <message>
        <source>Choose the home&apos;s handed-over job, or import its bundle.</source>
        <translation>この住まいの引き渡し済みジョブを選ぶか、そのバンドルを取り込んでください。</translation>
    </message>
    <message>
        <source>Without a record, enter the site name and address.</source>
        <translation>記録がない場合は、現場名と住所を入力してください。</translation>
    </message>
    <message>
        <source>Reset these devices by hand</source>
        <translation>これらの機器を手動でリセットしてください</translation>
    </message>
    <message>
        <source>These devices cannot be wiped with the previous home&apos;s credentials. Press and hold each one&apos;s factory-reset button (see its manual). The app waits until the device itself reports factory state, then verifies it.</source>
        <translation>これらの機器は前の住まいの認証情報では消去できません。各機器の初期化 (リセット) ボタンを長押ししてください (取扱説明書を参照)。機器自身が工場出荷状態を報告するまで待ち、その後に検証します。</translation>
    </message>
    <message>
        <source>%1 %2 (%3): press its reset button — waiting…</source>
        <translation>%1 %2 (%3): リセットボタンを押してください — 待機中…</translation>
    </message>
    <message>
        <source>Print certificate…</source>
        <translation>証明書を印刷…</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>PDFで保存…</translation>
    </message>
    <message>
        <source>Wipe certificate</source>
        <translation>データ消去証明書</translation>
    </message>
    <message>
        <source>Resale job %1 (%2)</source>
        <translation>再販ジョブ %1 (%2)</translation>
    </message>
    <message>
        <source>Previous job: %1, sealed hash %2</source>
        <translation>前回のジョブ: %1、封印ハッシュ %2</translation>
    </message>
    <message>
        <source>Previous job: no record (started from discovery alone)</source>
        <translation>前回のジョブ: 記録なし (機器の検出のみから開始)</translation>
    </message>
    <message>
        <source>Every device (%1) confirmed that nothing of the previous occupant remains.</source>
        <translation>すべての機器 (%1 台) が、前の居住者のものが何も残っていないことを確認しました。</translation>
    </message>
    <message>
        <source>NOT fully wiped: %1 of %2 devices are unverified. The job cannot be closed until they are wiped and verified.</source>
        <translation>消去は完了していません: %2 台中 %1 台が未検証です。消去と検証が済むまでジョブは完了できません。</translation>
    </message>
    <message>
        <source>Requirements: %1</source>
        <translation>要件: %1</translation>
    </message>
    <message>
        <source>%1: verified (%2)</source>
        <translation>%1: 検証済み (%2)</translation>
    </message>
    <message>
        <source>%1: UNVERIFIED — %2</source>
        <translation>%1: 未検証 — %2</translation>
    </message>
    <message>
        <source>Save certificate as PDF</source>
        <translation>証明書をPDFで保存</translation>
    </message>
    <message>
        <source>wiped with the previous home&apos;s credentials</source>
        <translation>前の住まいの認証情報で消去</translation>
    </message>
    <message>
        <source>factory reset by technician</source>
        <translation>作業者による工場出荷時リセット</translation>
    </message>
    <message>
        <source>already in factory state</source>
        <translation>既に工場出荷状態</translation>
    </message>
    <message>
        <source>not found on the network</source>
        <translation>ネットワーク上に見つかりません</translation>
    </message>
    <message>
        <source>another unit answers at its address</source>
        <translation>そのアドレスで別の機器が応答しています</translation>
    </message>
    <message>
        <source>personal data is still stored (%1)</source>
        <translation>個人データがまだ残っています (%1)</translation>
    </message>
    <message>
        <source>it does not report factory state (%1)</source>
        <translation>工場出荷状態を報告しません (%1)</translation>
    </message>
    <message>
        <source>settings, credentials, access control or gateway bindings are left</source>
        <translation>設定、認証情報、アクセス制御、またはゲートウェイの登録が残っています</translation>
    </message>
    <message>
        <source>it did not come back in factory state after the reset</source>
        <translation>リセット後に工場出荷状態で戻ってきませんでした</translation>
    </message>
    <message>
        <source>it does not advertise factory state (%1)</source>
        <translation>工場出荷状態を告知していません (%1)</translation>
    </message>
    <message>
        <source>it still accepts the previous home&apos;s admin credential</source>
        <translation>前の住まいの管理者認証情報をまだ受け入れます</translation>
    </message>
    <message>
        <source>it still accepts the previous home&apos;s commissioner certificate</source>
        <translation>前の住まいの設定用証明書をまだ受け入れます</translation>
    </message>
    <message>
        <source>it still accepts the previous owner&apos;s certificate</source>
        <translation>前の所有者の証明書をまだ受け入れます</translation>
    </message>
    <message>
        <source>it still accepts the previous owner&apos;s invitation</source>
        <translation>前の所有者の招待をまだ受け入れます</translation>
    </message>
    <message>
        <source>it did not answer in time</source>
        <translation>時間内に応答しませんでした</translation>
    </message>
    <message>
        <source>it could not be reached</source>
        <translation>接続できませんでした</translation>
    </message>
    <message>
        <source>it refused the connection</source>
        <translation>接続を拒否しました</translation>
    </message>
    <message>
        <source>it closed the connection</source>
        <translation>接続を切断しました</translation>
    </message>
    <message>
        <source>never wiped and verified</source>
        <translation>消去・検証が一度も行われていません</translation>
    </message>
</context>
<context>
    <name>SealedJob</name>
    <message>
        <source>critical</source>
        <translation>緊急</translation>
    </message>
    <message>
        <source>high</source>
        <translation>高</translation>
    </message>
    <message>
        <source>medium</source>
        <translation>中</translation>
    </message>
    <message>
        <source>low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>info</source>
        <translation>情報</translation>
    </message>
    <message>
        <source>Handed-over job (read-only)</source>
        <translation>引き渡し済みの作業（閲覧のみ）</translation>
    </message>
    <message>
        <source>This job was handed over and is sealed: it is shown read-only. Verify the home against its record; fix a finding with a remediation; for a new owner start a resale job.</source>
        <translation>この作業は引き渡し済みで封印されているため、閲覧のみで表示しています。住まいを記録と照合するには検証を、所見を直すには是正を、新しい所有者には転売の作業を始めてください。</translation>
    </message>
    <message>
        <source>Verify now</source>
        <translation>今すぐ検証</translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation>検証中…</translation>
    </message>
    <message>
        <source>Verification</source>
        <translation>検証</translation>
    </message>
    <message>
        <source>History</source>
        <translation>履歴</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>書類</translation>
    </message>
    <message>
        <source>Requirement</source>
        <translation>要件</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>結果</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>所見</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>読み込み中…</translation>
    </message>
    <message>
        <source>record intact</source>
        <translation>記録は改ざんされていません</translation>
    </message>
    <message>
        <source>RECORD DOES NOT VERIFY</source>
        <translation>記録の検証に失敗しました</translation>
    </message>
    <message>
        <source>Job %1 · %2 · handed over %3 · %4</source>
        <translation>作業 %1 · %2 · 引き渡し %3 · %4</translation>
    </message>
    <message>
        <source>Not verified in this session yet: press “Verify now”. Nothing is written to any device.</source>
        <translation>まだ検証していません。「今すぐ検証」を押してください。機器には何も書き込みません。</translation>
    </message>
    <message>
        <source>This home matches its state at handover</source>
        <translation>この住まいは引き渡し時の状態と一致しています</translation>
    </message>
    <message>
        <source>%1 difference(s) from the state at handover</source>
        <translation>引き渡し時の状態と異なる点が %1 件あります</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>適合</translation>
    </message>
    <message>
        <source>fail</source>
        <translation>不適合</translation>
    </message>
    <message>
        <source>— after handover (follow-up log) —</source>
        <translation>— 引き渡し後（追跡ログ） —</translation>
    </message>
    <message>
        <source>No document of this job is on this laptop.</source>
        <translation>この作業の書類はこのパソコンにありません。</translation>
    </message>
    <message>
        <source>update the firmware</source>
        <translation>ファームウェアを更新</translation>
    </message>
    <message>
        <source>re-provision the device</source>
        <translation>機器を再設定</translation>
    </message>
    <message>
        <source>remove it from the gateway</source>
        <translation>ゲートウェイから削除</translation>
    </message>
    <message>
        <source>put the new unit in its place</source>
        <translation>新しい機器と交換</translation>
    </message>
    <message>
        <source>Remediating…</source>
        <translation>是正中…</translation>
    </message>
    <message>
        <source>Fix this finding</source>
        <translation>この指摘を是正</translation>
    </message>
    <message>
        <source>Select a finding to see how to fix it.</source>
        <translation>指摘を選ぶと是正の方法が表示されます。</translation>
    </message>
    <message>
        <source>Done: %1 on %2 (follow-up entry #%3); the home was verified again.</source>
        <translation>完了: %2 に対して「%1」を行いました（追跡ログ #%3）。住まいを再検証しました。</translation>
    </message>
    <message>
        <source>Remediation: %1 on %2.</source>
        <translation>是正: %2 に対して「%1」を行います。</translation>
    </message>
    <message>
        <source>No device action fixes this finding.</source>
        <translation>この指摘は機器の操作では是正できません。</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Create the administrator</source>
        <translation>管理者の作成</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>サインイン</translation>
    </message>
    <message>
        <source>Choose a new password</source>
        <translation>新しいパスワードの設定</translation>
    </message>
    <message>
        <source>This is the first start on this computer. Create the administrator account: the administrator adds the installers, resale technicians and support staff.</source>
        <translation>このパソコンでの初回起動です。管理者アカウントを作成してください。管理者が施工者、再販技術者、サポート担当者を登録します。</translation>
    </message>
    <message>
        <source>Sign in with your operator account. Every step you take is recorded under your name.</source>
        <translation>作業者アカウントでサインインしてください。すべての作業はあなたの名前で記録されます。</translation>
    </message>
    <message>
        <source>Your password was set by an administrator. Choose your own password (at least 10 characters).</source>
        <translation>パスワードは管理者が設定したものです。ご自身のパスワード（10文字以上）を設定してください。</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>ユーザー名</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>表示名</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新しいパスワード</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <source>Repeat the password</source>
        <translation>パスワード（確認）</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Enter the user name and the password.</source>
        <translation>ユーザー名とパスワードを入力してください。</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>2つのパスワードが一致しません。</translation>
    </message>
    <message>
        <source>Sign-in failed.</source>
        <translation>サインインできませんでした。</translation>
    </message>
    <message>
        <source>Not saved.</source>
        <translation>保存できませんでした。</translation>
    </message>
</context>
<context>
    <name>OperatorsDialog</name>
    <message>
        <source>Installer</source>
        <translation>施工者</translation>
    </message>
    <message>
        <source>Resale technician</source>
        <translation>再販技術者</translation>
    </message>
    <message>
        <source>Support</source>
        <translation>サポート</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理者</translation>
    </message>
    <message>
        <source>Add an operator</source>
        <translation>作業者の追加</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>ユーザー名</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>表示名</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>役割</translation>
    </message>
    <message>
        <source>Initial password</source>
        <translation>初期パスワード</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>追加</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>The operator chooses their own password at the first sign-in.</source>
        <translation>作業者は初回サインイン時に自分のパスワードを設定します。</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>作業者</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>追加…</translation>
    </message>
    <message>
        <source>Disable / enable</source>
        <translation>無効化／有効化</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>パスワード再設定…</translation>
    </message>
    <message>
        <source>Not done.</source>
        <translation>実行できませんでした。</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>無効</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>ロック中</translation>
    </message>
    <message>
        <source>Must change password</source>
        <translation>パスワード変更待ち</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>有効</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>パスワード再設定</translation>
    </message>
    <message>
        <source>New password (changed at the next sign-in)</source>
        <translation>新しいパスワード（次回サインイン時に変更）</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>アカウント</translation>
    </message>
    <message>
        <source>Signed in: {name}</source>
        <translation>サインイン中: {name}</translation>
    </message>
    <message>
        <source>Operators…</source>
        <translation>作業者…</translation>
    </message>
</context>
</TS>
