<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP">
<context>
    <name>DeviceTable</name>
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
        <source>Kind</source>
        <translation>種類</translation>
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
        <source>Protocol version %1</source>
        <translation>プロトコルバージョン %1</translation>
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
        <source>Service level %1 of 3</source>
        <translation>サービスレベル %1（3段階中）</translation>
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
</TS>
