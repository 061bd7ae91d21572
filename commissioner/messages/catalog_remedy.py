"""Messages about devices taken out, replaced or remediated (see :mod:`commissioner.messages`)."""

from __future__ import annotations

from typing import Final

from commissioner.messages.entry import Message

REMEDY_MESSAGES: Final[dict[str, Message]] = {
    "device.not-in-job": Message(
        "Device {device_id} is not part of this job (or was already taken out).",
        "機器 {device_id} はこのジョブに含まれていません（または既に取り外し済みです）。",
        "See the job's devices with commissioner job show, then name one of them; scan "
        "again if the device is new.",
        "commissioner job show でジョブの機器を"
        "確かめ、その中から指定してください。新しい機器ならもう一度ス"
        "キャンしてください。",
    ),
    "device.is-gateway": Message(
        "{device_id} is the home gateway; it cannot be taken out of the job.",
        "{device_id} はホームゲートウェイのため、ジョブから外せません。",
        "A home is handed over with its gateway; if the gateway is faulty, start a new "
        "job for the home.",
        "住宅はゲートウェイと一緒に引き渡します。ゲートウェイが故障し"
        "ているなら、新しいジョブを作成してください。",
    ),
    "device.still-advertised": Message(
        "{device_id} is still advertised on the network, so it was not recorded as removed.",
        "{device_id} がまだネットワーク上で告知されているため、取り外しを記録しませんでした。",
        "Unplug or switch off the device and take it out of the home, then record the "
        "removal again.",
        "機器の電源を抜くか切って住宅から取り外してから、もう一度取り外しを記録してください。",
    ),
    "device.still-answers": Message(
        "{device_id} still answers at {address}, so it was not recorded as removed.",
        "{device_id} が {address} でまだ応答するため、取り外しを記録しませんでした。",
        "Unplug or switch off the device and take it out of the home, then record the "
        "removal again.",
        "機器の電源を抜くか切って住宅から取り外してから、もう一度取り外しを記録してください。",
    ),
    "replace.same-unit": Message(
        "The new unit must be another device than {device_id}, which it replaces.",
        "新しい機器は、置き換える {device_id} とは別の機器でなければなりません。",
        "Give the new unit's device id, from its box label or a scan.",
        "新しい機器の ID を、箱のラベルかスキャン結果から指定してください。",
    ),
    "replace.new-not-found": Message(
        "The new unit {new_id} was not found on the network.",
        "新しい機器 {new_id} がネットワーク上に見つかりません。",
        "Power the new unit on, connect it to the home network, then try again.",
        "新しい機器の電源を入れて住宅のネットワークにつないでから、やり直してください。",
    ),
    "replace.kind-differs": Message(
        "The new unit {new_id} is a {new_kind}, but {device_id} is a {old_kind}.",
        "新しい機器 {new_id} の種類は {new_kind} ですが、{device_id} は {old_kind} です。",
        "A replacement must be the same kind of device: bring a unit of the same kind.",
        "置き換えには同じ種類の機器が必要です。同じ種類の機器を用意してください。",
    ),
    "replace.new-blocked": Message(
        "The new unit {new_id} is blocked too ({verdict}): {detail}",
        "新しい機器 {new_id} も遮断されました（{verdict}）: {detail}",
        "Use a genuine unit of a model certified for this home's level.",
        "この住宅のレベルで認証された型番の正規品を使ってください。",
    ),
    "device.already-provisioned": Message(
        "{device_id} is already provisioned with this home's credentials.",
        "{device_id} はこの住宅の認証情報で既に設定済みです。",
        "Only a device that was never provisioned can be removed or replaced; to change a "
        "provisioned one use the remediation commands.",
        "取り外しや置き換えができるのは未設定の機器だけです。設定済み"
        "の機器は是正コマンドで対応してください。",
    ),
    "replace.new-taken-out": Message(
        "{new_id} was itself taken out of this job.",
        "{new_id} はこのジョブから既に取り外された機器です。",
        "Use a new unit that was never part of this job.",
        "このジョブに含まれたことのない新しい機器を使ってください。",
    ),
    "device.not-blocked": Message(
        "{device_id} was not blocked by the certification check, so it needs no replacement.",
        "{device_id} は認証確認で遮断されていないため、置き換えは不要です。",
        "Only devices the check blocked can be replaced; continue with the next step.",
        "置き換えられるのは遮断された機器だけです。次の手順に進んでください。",
    ),
    "remediate.unknown-finding": Message(
        "Unknown finding or action {finding}.",
        "不明な指摘または処置です: {finding}",
        "Use a finding code that commissioner verify printed, or one of: {actions}",
        "commissioner verify が表示した指摘コードか、次のいずれかを指定してください: {actions}",
    ),
    "remediate.no-device-action": Message(
        "No device action fixes the finding {finding}.",
        "指摘 {finding} は機器への処置では直せません。",
        "{advice}",
        "{advice}",
    ),
    "remediate.no-home-ca": Message(
        "The job's home CA or access list is not on this laptop.",
        "このノートPCにはジョブの住宅 CA またはアクセスリストがありません。",
        "Import the job with its secrets (commissioner job import).",
        "秘密情報ごとジョブを取り込んでください（commissioner job import）。",
    ),
    "remediate.no-credentials": Message(
        "The job's credentials are not on this laptop.",
        "このノートPCにはジョブの認証情報がありません。",
        "Import the job with its secrets (commissioner job import).",
        "秘密情報ごとジョブを取り込んでください（commissioner job import）。",
    ),
    "remediate.failed": Message(
        "{device_id}: {detail}",
        "{device_id}: {detail}",
        "Check the device, then run the remediation again.",
        "機器を確かめてから、もう一度是正を実行してください。",
    ),
    "remediate.no-update-run": Message(
        "{device_id}: no update was run ({why}).",
        "{device_id}: 更新は実行されませんでした（{why}）。",
        "Check that the device is on the network and listed in the firmware index, then "
        "run the remediation again.",
        "機器がネットワーク上にありファームウェア一覧に載っていること"
        "を確かめてから、もう一度実行してください。",
    ),
    "remediate.update-ended": Message(
        "{device_id}: the update ended {outcome}: {detail}",
        "{device_id}: 更新の結果は {outcome} でした: {detail}",
        "Check the device's power and network, then run the remediation again.",
        "機器の電源とネットワークを確かめてから、もう一度実行してください。",
    ),
    "remediate.no-address": Message(
        "{device_id} has no known address.",
        "{device_id} のアドレスが分かりません。",
        "Run commissioner verify first so the device is heard.",
        "先に commissioner verify を実行して機器を検出してください。",
    ),
    "remediate.not-job-device": Message(
        "{device_id} is not a device of job {job_id}.",
        "{device_id} はジョブ {job_id} の機器ではありません。",
        "Name a device of the job (see commissioner verify).",
        "ジョブの機器を指定してください（commissioner verify を参照）。",
    ),
    "remediate.no-gateway": Message(
        "The job has no gateway.",
        "このジョブにはゲートウェイがありません。",
        "Start a new job for the home with its gateway.",
        "ゲートウェイを含めて新しいジョブを作成してください。",
    ),
    "remediate.gateway-new-job": Message(
        "A gateway is re-provisioned or replaced only by a new job.",
        "ゲートウェイの再設定や交換は新しいジョブでのみ行えます。",
        "Start a resale or new job for the home.",
        "住宅の転売ジョブか新しいジョブを作成してください。",
    ),
    "remediate.no-device-credential": Message(
        "The job holds no credential for {device_id}.",
        "ジョブに {device_id} の認証情報がありません。",
        "Import the job with its secrets (commissioner job import).",
        "秘密情報ごとジョブを取り込んでください（commissioner job import）。",
    ),
    "remediate.known-device": Message(
        "{device_id} is a device of the job, not an unknown one.",
        "{device_id} はジョブの機器で、不明な機器ではありません。",
        "To take it out of the home, replace it or start a new job.",
        "住宅から外すには、置き換えるか新しいジョブを作成してください。",
    ),
    "remediate.already-in-job": Message(
        "{device_id} is already a device of the job.",
        "{device_id} は既にジョブの機器です。",
        "Give the id of the new unit that is not in the job yet.",
        "まだジョブに含まれていない新しい機器の ID を指定してください。",
    ),
    "remediate.same-unit": Message(
        "{device_id} is still the recorded unit: there is nothing to replace.",
        "{device_id} は記録どおりの機器のため、置き換えるものがありません。",
        "Re-provision it instead.",
        "代わりに再設定してください。",
    ),
    "remediate.new-unit-uncertified": Message(
        "The new unit cannot join the job: {detail}",
        "新しい機器はジョブに加えられません: {detail}",
        "Use a genuine unit of a certified model.",
        "認証済み型番の正規品を使ってください。",
    ),
    "remediate.no-box-label": Message(
        "There is no box label for {device_id}.",
        "{device_id} の箱ラベルがありません。",
        "Give the folder of label files with --labels DIR.",
        "--labels DIR でラベルファイルのフォルダーを指定してください。",
    ),
    "remediate.needs-catalog": Message(
        "Remediation needs the signed catalog: {detail}",
        "是正には署名付きカタログが必要です: {detail}",
        "Run commissioner catalog sync while online.",
        "オンラインの状態で commissioner catalog sync を実行してください。",
    ),
    "remediate.readback-differs": Message(
        "{device_id} read back differently: {detail}",
        "{device_id} の読み戻し結果が一致しません: {detail}",
        "Run the remediation again; if it still differs, replace the device.",
        "もう一度是正を実行してください。それでも一致しなければ機器を交換してください。",
    ),
    "remediate.credential-refused": Message(
        "{device_id}: the job's credential was not accepted ({detail}).",
        "{device_id}: ジョブの認証情報が受け付けられませんでした（{detail}）。",
        "The device does not hold this job's credentials: check that it belongs to this "
        "home, or reset and re-provision it.",
        "機器がこのジョブの認証情報を持っていません。この住宅の機器か"
        "確かめるか、初期化して設定し直してください。",
    ),
    "remediate.unreachable": Message(
        "{device_id} could not be reached: {detail}",
        "{device_id} に接続できませんでした: {detail}",
        "Check that the device is powered and on the network, then run the remediation again.",
        "機器の電源が入りネットワークにつながっていることを確かめてか"
        "ら、もう一度実行してください。",
    ),
    "remediate.allow-list-differs": Message(
        "The gateway's allow-list read back differently.",
        "ゲートウェイの許可リストの読み戻し結果が一致しません。",
        "Run the remediation again; if it still differs, start a new job for the gateway.",
        "もう一度是正を実行してください。それでも一致しなければゲート"
        "ウェイ用に新しいジョブを作成してください。",
    ),
    "remediate.gateway-auth-failed": Message(
        "The gateway does not authenticate {device_id}: {detail}",
        "ゲートウェイが {device_id} を認証できません: {detail}",
        "Re-provision the device (commissioner remediate), then verify again.",
        "機器を再設定してから（commissioner remediate）、もう一度検証してください。",
    ),
    "remediate.unit-not-genuine": Message(
        "The unit at {address} did not prove a genuine identity: {detail}",
        "{address} の機器は正規品であることを証明できませんでした: {detail}",
        "Only a genuine, attested device can take a place in the job: use another unit.",
        "ジョブに加えられるのは証明された正規品だけです。別の機器を使ってください。",
    ),
}
