"""The home gateway of the virtual home.

The gateway speaks the same device protocol as every device (same endpoints, its own
attestation chain, setup code and label) but advertises ``role=gateway, kind=gateway``. It is
kept factory-fresh by the scenarios so the app commissions it first.
"""

from __future__ import annotations

from typing import Final

from commissioner.protocol.spec import CommissioningState, DeviceKind, Role
from commissioner.virtualhome.scenario import DEFAULT_SETTINGS, GatewayTemplate, Manufacturer
from commissioner.virtualhome.state import DeviceState

GATEWAY_KIND: Final = DeviceKind.GATEWAY.value


def gateway_state(
    template: GatewayTemplate,
    manufacturer: Manufacturer,
    *,
    device_id: str,
    serial: str,
    setup_code: str,
) -> DeviceState:
    return DeviceState(
        device_id=device_id,
        role=Role.GATEWAY,
        kind=GATEWAY_KIND,
        manufacturer=manufacturer.name,
        model=template.model,
        advertised_model=template.model,
        serial=serial,
        setup_code=setup_code,
        firmware_slots={"a": template.firmware, "b": None},
        active_slot="a",
        state=CommissioningState.FACTORY,
        default_credential_enabled=True,
        settings=dict(DEFAULT_SETTINGS[GATEWAY_KIND]),
    )
