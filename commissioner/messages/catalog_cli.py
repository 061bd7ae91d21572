"""Messages of the cli area (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

CLI_MESSAGES: Final[dict[str, Message]] = {
    "kind.air-conditioner": Message(
        "Air conditioner",
        "エアコン",
        "",
        "",
    ),
    "kind.water-heater": Message(
        "Water heater",
        "給湯機",
        "",
        "",
    ),
    "kind.electric-lock": Message(
        "Electric lock",
        "電気錠",
        "",
        "",
    ),
    "kind.shutter": Message(
        "Shutter",
        "電動シャッター",
        "",
        "",
    ),
    "kind.hems-controller": Message(
        "HEMS controller",
        "HEMS コントローラー",
        "",
        "",
    ),
    "kind.camera": Message(
        "Security camera",
        "防犯カメラ",
        "",
        "",
    ),
    "kind.lighting": Message(
        "Lighting",
        "照明",
        "",
        "",
    ),
    "kind.storage-battery": Message(
        "Storage battery",
        "蓄電池",
        "",
        "",
    ),
    "kind.pv-inverter": Message(
        "PV inverter",
        "太陽光発電（パワーコンディショナ）",
        "",
        "",
    ),
    "kind.smart-meter": Message(
        "Smart meter",
        "スマートメーター",
        "",
        "",
    ),
    "kind.gateway": Message(
        "Home gateway",
        "ホームゲートウェイ",
        "",
        "",
    ),
    "state.factory": Message(
        "factory-new",
        "工場出荷状態",
        "",
        "",
    ),
    "state.commissioned": Message(
        "commissioned",
        "設定済み",
        "",
        "",
    ),
    "verdict.certified": Message(
        "certified",
        "認証済み",
        "",
        "",
    ),
    "verdict.not-certified": Message(
        "not certified",
        "認証なし",
        "",
        "",
    ),
    "verdict.level-too-low": Message(
        "level too low",
        "レベル不足",
        "",
        "",
    ),
    "verdict.certification-expired": Message(
        "certification expired",
        "認証期限切れ",
        "",
        "",
    ),
    "verdict.revoked": Message(
        "revoked",
        "認証取消",
        "",
        "",
    ),
    "verdict.unknown-manufacturer": Message(
        "unknown manufacturer",
        "不明なメーカー",
        "",
        "",
    ),
    "verdict.counterfeit": Message(
        "suspected counterfeit",
        "偽造の疑い",
        "",
        "",
    ),
    "verdict.identity-mismatch": Message(
        "identity mismatch",
        "識別情報の不一致",
        "",
        "",
    ),
    "verdict.model-matched-not-attested": Message(
        "model matched, not attested",
        "型番一致（証明なし）",
        "",
        "",
    ),
    "verdict.unreachable": Message(
        "not reachable",
        "接続不可",
        "",
        "",
    ),
    "verdict-reason.certified": Message(
        "{manufacturer} {model} is a certified model for this home's level{code_note}.",
        "{manufacturer} {model} はこの住宅のレベルで認証された型番です{code_note}。",
        "",
        "",
    ),
    "verdict-reason.not-certified": Message(
        "{manufacturer} {model} is not a certified model{code_note}, so it must not be "
        "handed over.",
        "{manufacturer} {model} は認証された型番ではありません{code_note}。引き渡せません。",
        "Take it out of the home and record it (commissioner device remove), or put a "
        "certified model in its place (commissioner device replace --with NEW_ID).",
        "住宅から取り外して記録する（commissioner dev"
        "ice remove）か、認証済みの型番に置き換えてください"
        "（commissioner device replace -"
        "-with NEW_ID）。",
    ),
    "verdict-reason.level-too-low": Message(
        "{manufacturer} {model} is certified below this home's service level{code_note}.",
        "{manufacturer} {model} の認証レベルは"
        "この住宅のサービスレベルより低いものです{code_note}"
        "。",
        "Replace it with a model certified for this level (commissioner device replace "
        "--with NEW_ID).",
        "このレベルで認証された型番に置き換えてください（commis"
        "sioner device replace --with N"
        "EW_ID）。",
    ),
    "verdict-reason.certification-expired": Message(
        "The certification of {manufacturer} {model} has expired{code_note}.",
        "{manufacturer} {model} の認証は期限切れです{code_note}。",
        "Replace it with a currently certified model (commissioner device replace --with NEW_ID).",
        "現在認証されている型番に置き換えてください（commissi"
        "oner device replace --with NEW"
        "_ID）。",
    ),
    "verdict-reason.revoked": Message(
        "The certification of {manufacturer} {model} was revoked{code_note}.",
        "{manufacturer} {model} の認証は取り消されています{code_note}。",
        "Take it out of the home and replace it with a certified model (commissioner "
        "device replace --with NEW_ID).",
        "住宅から取り外し、認証済みの型番に置き換えてください（com"
        "missioner device replace --wit"
        "h NEW_ID）。",
    ),
    "verdict-reason.unknown-manufacturer": Message(
        "The manufacturer of {device_id} ({manufacturer}) has no attestation root in the "
        "catalog, so the device cannot be trusted{code_note}.",
        "{device_id} のメーカー（{manufacturer}"
        "）はカタログに証明用のルートがないため、機器を信頼できません"
        "{code_note}。",
        "Take it out of the home, or replace it with a certified model (commissioner "
        "device replace --with NEW_ID).",
        "住宅から取り外すか、認証済みの型番に置き換えてください（co"
        "mmissioner device replace --wi"
        "th NEW_ID）。",
    ),
    "verdict-reason.counterfeit": Message(
        "{device_id} claims to be {manufacturer} {model} but cannot prove it: suspected "
        "counterfeit{code_note}.",
        "{device_id} は {manufacturer} {model}"
        " を名乗っていますが証明できません。偽造の疑いがあります{code_note}"
        "。",
        "Do not connect it: take it out of the home, return it to the supplier and put a "
        "genuine unit in its place (commissioner device replace --with NEW_ID).",
        "接続しないでください。住宅から取り外して仕入先に返品し、正規"
        "品に置き換えてください（commissioner devic"
        "e replace --with NEW_ID）。",
    ),
    "verdict-reason.identity-mismatch": Message(
        "{device_id} reports another identity than its label or advertisement{code_note}.",
        "{device_id} が示す識別情報が、ラベルまたは告知と一致しません{code_note}。",
        "Check that the label belongs to this unit and scan it again; if it still "
        "differs, replace the unit.",
        "ラベルがこの機器のものか確かめて読み取り直してください。それ"
        "でも一致しなければ機器を交換してください。",
    ),
    "verdict-reason.model-matched-not-attested": Message(
        "{manufacturer} {model} matches a listed model but cannot prove its identity{code_note}.",
        "{manufacturer} {model} は一覧の型番と一致しますが、識別情報を証明できません{code_note}。",
        "Record its box label (commissioner label add --device {device_id} --model MODEL "
        "--serial SERIAL), then certify again.",
        "箱ラベルを記録してから（commissioner label"
        " add --device {device_id} --mo"
        "del MODEL --serial SERIAL）、もう一"
        "度 certify を実行してください。",
    ),
    "verdict-reason.unreachable": Message(
        "{device_id} could not be checked: it did not answer{code_note}.",
        "{device_id} を確認できませんでした。応答がありません{code_note}。",
        "Make sure it is powered and on this network, then run certify again.",
        "電源が入りこのネットワークにつながっていることを確かめてから"
        "、もう一度 certify を実行してください。",
    ),
    "cli.scan.summary": Message(
        "{count} device(s), {malformed} malformed, {seconds} s",
        "機器 {count} 台、不正な告知 {malformed} 件、{seconds} 秒",
        "",
        "",
    ),
    "cli.scan.malformed": Message(
        "malformed advertisement from {source} ({transport}): {reason}",
        "{source}（{transport}）からの告知が不正です: {reason}",
        "",
        "",
    ),
    "cli.certify.header": Message(
        "Job {job_id}: {count} devices checked against catalog version {version} "
        "(refreshed {refreshed}), service level {stars}",
        "ジョブ {job_id}: 機器 {count} 台をカタロ"
        "グ版 {version}（{refreshed} 更新）で確"
        "認しました。サービスレベル {stars}",
        "",
        "",
    ),
    "cli.certify.ok": Message(
        "OK",
        "合格",
        "",
        "",
    ),
    "cli.certify.spoofing": Message(
        "SPOOFING ATTEMPT: {source} at {endpoint} claims device id {device_id} but cannot "
        "prove it ({reason}); the genuine device answers as {genuine} and was the one "
        "checked.",
        "なりすましの試み: {endpoint} の {source} が機器ID {device_id} を名乗っていますが"
        "証明できません（{reason}）。本物の機器は {genuine} として応答し、こちらを確認しました。",
        "Find the equipment at {endpoint} and take it off the network.",
        "{endpoint} の機器を探し、ネットワークから外してください。",
    ),
    "cli.job.step-list": Message(
        "Steps:",
        "作業の手順:",
        "",
        "",
    ),
    "step.scan": Message(
        "scan",
        "検出",
        "",
        "",
    ),
    "step.check": Message(
        "check",
        "認証確認",
        "",
        "",
    ),
    "step.onboard": Message(
        "onboard",
        "BLE参加",
        "",
        "",
    ),
    "step.labels": Message(
        "labels",
        "ラベル照合",
        "",
        "",
    ),
    "step.provision": Message(
        "provision",
        "設定",
        "",
        "",
    ),
    "step.firmware": Message(
        "firmware",
        "ファームウェア",
        "",
        "",
    ),
    "step.handover": Message(
        "handover",
        "引き渡し",
        "",
        "",
    ),
    "step-state.done": Message(
        "done",
        "完了",
        "",
        "",
    ),
    "step-state.ready": Message(
        "ready",
        "実行可能",
        "",
        "",
    ),
    "step-state.blocked": Message(
        "blocked",
        "停止中",
        "",
        "",
    ),
    "step-state.waiting": Message(
        "waiting",
        "前の手順待ち",
        "",
        "",
    ),
    "step-state.not-needed": Message(
        "not needed",
        "不要",
        "",
        "",
    ),
    "step-action.scan": Message(
        "scan",
        "スキャン",
        "",
        "",
    ),
    "step-action.check": Message(
        "certify",
        "認証確認",
        "",
        "",
    ),
    "step-action.remove-or-replace": Message(
        "remove or replace",
        "取り外しまたは交換",
        "",
        "",
    ),
    "step-action.onboard": Message(
        "onboard",
        "BLE参加",
        "",
        "",
    ),
    "step-action.scan-label": Message(
        "scan the label",
        "ラベルを読み取る",
        "",
        "",
    ),
    "step-action.commission": Message(
        "commission",
        "設定実行",
        "",
        "",
    ),
    "step-action.update": Message(
        "update",
        "ファームウェア更新",
        "",
        "",
    ),
    "step-action.handover": Message(
        "handover",
        "引き渡し",
        "",
        "",
    ),
    "cli.certify.blocked": Message(
        "BLOCKED",
        "遮断",
        "",
        "",
    ),
    "cli.certify.serial": Message(
        "sn {serial}",
        "製造番号 {serial}",
        "",
        "",
    ),
    "cli.certify.blocked-summary": Message(
        "{count} device(s) blocked: they cannot be commissioned. There is no override.",
        "{count} 台の機器を遮断しました。これらは設定できません。例外扱いはできません。",
        "Take each out of the home, then record it: commissioner device remove --job ID "
        "DEVICE_ID --reason TEXT; or, with a new genuine unit in its place: commissioner "
        "device replace --job ID DEVICE_ID --with NEW_ID --reason TEXT",
        "それぞれを住宅から取り外して記録してください: commis"
        "sioner device remove --job ID "
        "DEVICE_ID --reason TEXT。新しい正規品"
        "に置き換える場合: commissioner device "
        "replace --job ID DEVICE_ID --w"
        "ith NEW_ID --reason TEXT",
    ),
    "cli.certify.level-below": Message(
        "Service level {level} is below the {suggested} suggested by the devices found "
        "({kinds}); handover stays blocked until you raise it or record why.",
        "サービスレベル {level} は、見つかった機器（{kinds}"
        "）から推奨される {suggested} より低いため、上げ"
        "るか理由を記録するまで引き渡しできません。",
        "Run: commissioner job set-level --job {job_id} --level {level_number} --reason TEXT",
        "実行するコマンド: commissioner job set"
        "-level --job {job_id} --level "
        "{level_number} --reason TEXT",
    ),
    "cli.next": Message(
        "next: {text}",
        "次の手順: {text}",
        "",
        "",
    ),
    "cli.job.opened": Message(
        "Opened job {job_id} (job number {job_number}, {stars})",
        "ジョブ {job_id} を作成しました（ジョブ番号 {job_number}、{stars}）",
        "",
        "",
    ),
    "cli.job.opened-resale": Message(
        "Opened resale job {job_id} (job number {job_number}) from {source}",
        "{source} から転売ジョブ {job_id} を作成しました（ジョブ番号 {job_number}）",
        "Run: commissioner wipe --job {job_id}",
        "実行するコマンド: commissioner wipe --job {job_id}",
    ),
    "cli.job.none": Message(
        "No jobs.",
        "ジョブはありません。",
        "",
        "",
    ),
    "cli.job.title": Message(
        "Job {job_id}  ({status})",
        "ジョブ {job_id}（{status}）",
        "",
        "",
    ),
    "job-status.open": Message(
        "open",
        "作業中",
        "",
        "",
    ),
    "job-status.closed": Message(
        "handed over",
        "引き渡し済み",
        "",
        "",
    ),
    "cli.job.number": Message(
        "  Job number:    {value}",
        "  ジョブ番号:     {value}",
        "",
        "",
    ),
    "cli.job.site": Message(
        "  Site:          {value}",
        "  現場:           {value}",
        "",
        "",
    ),
    "cli.job.address": Message(
        "  Address:       {value}",
        "  住所:           {value}",
        "",
        "",
    ),
    "cli.job.level": Message(
        "  Service level: {stars} (level {level})",
        "  サービスレベル: {stars}（レベル {level}）",
        "",
        "",
    ),
    "cli.job.basis": Message(
        "Level basis:   personal data {personal}, life or property {life}; suggested "
        "{suggested}{kinds}",
        "  レベルの根拠:   個人データ {personal}、生"
        "命・財産への影響 {life}、推奨 {suggested}"
        "{kinds}",
        "",
        "",
    ),
    "cli.job.level-reason": Message(
        "  Level reason:  {value}",
        "  レベルの理由:   {value}",
        "",
        "",
    ),
    "cli.job.level-finding": Message(
        "  Level finding: below the suggested level with no reason.",
        "  レベルの指摘:   推奨より低いレベルで、理由が記録されていません。",
        "Run: commissioner job set-level --job {job_id} --level {suggested}, or give --reason",
        "実行するコマンド: commissioner job set"
        "-level --job {job_id} --level "
        "{suggested}（または --reason で理由を記"
        "録）",
    ),
    "answer.yes": Message(
        "yes",
        "あり",
        "",
        "",
    ),
    "answer.no": Message(
        "no",
        "なし",
        "",
        "",
    ),
    "answer.unknown": Message(
        "not answered",
        "未回答",
        "",
        "",
    ),
    "cli.job.operator": Message(
        "  Operator:      {value}",
        "  作業者:         {value}",
        "",
        "",
    ),
    "cli.job.created": Message(
        "  Created:       {value}",
        "  作成日時:       {value}",
        "",
        "",
    ),
    "cli.job.catalog": Message(
        "  Catalog:       version {version}, refreshed {refreshed}",
        "  カタログ:       版 {version}、{refreshed} 更新",
        "",
        "",
    ),
    "cli.job.closed": Message(
        "  Closed:        {value}",
        "  完了日時:       {value}",
        "",
        "",
    ),
    "cli.job.sealed": Message(
        "  Sealed hash:   {value}",
        "  封印ハッシュ:   {value}",
        "",
        "",
    ),
    "cli.job.steps": Message(
        "  Log entries:   {value}",
        "  記録件数:       {value}",
        "",
        "",
    ),
    "cli.job.devices": Message(
        "  Devices:       {value}",
        "  機器:           {value} 台",
        "",
        "",
    ),
    "cli.job.device-state": Message(
        "      state {state}: {source} ({how}, {at})",
        "      状態 {state}: {source}（{how}、{at}）",
        "",
        "",
    ),
    "state-source.advertisement": Message(
        "as advertised (not asked)",
        "告知のとおり（問い合わせなし）",
        "",
        "",
    ),
    "state-source.device": Message(
        "as the device said when asked",
        "問い合わせへの機器の応答",
        "",
        "",
    ),
    "state-source.record": Message(
        "from the job record",
        "ジョブの記録から",
        "",
        "",
    ),
    "cli.job.time-unknown": Message(
        "time unknown",
        "時刻不明",
        "",
        "",
    ),
    "cli.job.followup": Message(
        "  After handover: {count} follow-up entries",
        "  引き渡し後:     追加の記録 {count} 件",
        "",
        "",
    ),
    "device-status.seen": Message(
        "seen",
        "検出済み",
        "",
        "",
    ),
    "device-status.removed": Message(
        "removed",
        "取り外し済み",
        "",
        "",
    ),
    "device-status.replaced": Message(
        "replaced",
        "交換済み",
        "",
        "",
    ),
    "cli.commission.labels-read": Message(
        "{count} label(s) read from {source}",
        "{source} からラベル {count} 枚を読み込みました",
        "",
        "",
    ),
    "cli.commission.summary": Message(
        "Job {job_id}: {provisioned} provisioned, {failed} failed, {blocked} blocked "
        "({seconds} s, concurrency {concurrency}); home CA {ca}…, owner epoch {epoch}",
        "ジョブ {job_id}: 設定完了 {provisioned}"
        " 台、失敗 {failed} 台、遮断 {blocked} "
        "台（{seconds} 秒、並列 {concurrency}"
        "）。住宅 CA {ca}…、所有者の世代 {epoch}",
        "",
        "",
    ),
    "cli.commission.invitation": Message(
        "Owner invitation {invitation_id} is ready for the guidance sheet.",
        "所有者招待 {invitation_id} を説明書に印刷できます。",
        "",
        "",
    ),
    "state-how.last-advertisement": Message(
        "last advertisement",
        "最後の告知",
        "",
        "",
    ),
    "state-how.provisioning-record": Message(
        "provisioning record",
        "設定の記録",
        "",
        "",
    ),
    "cli.job.firmware": Message(
        "fw {version}",
        "ファームウェア {version}",
        "",
        "",
    ),
}
