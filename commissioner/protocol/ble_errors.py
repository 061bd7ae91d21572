"""Errors of the BLE part. Every one carries a machine ``reason`` and a readable message."""

from __future__ import annotations

from commissioner.protocol.errors import DeviceProtocolError


class MalformedBleError(DeviceProtocolError):
    """A BLE advertisement or GATT message breaks the protocol (hostile or broken peer)."""

    default_reason = "malformed-ble"


class BleError(DeviceProtocolError):
    """An onboarding session failed. ``reason`` is one of:

    ``connect-timeout`` (absent or unreachable device), ``device-lost`` (disconnected mid-session),
    ``op-timeout`` (a GATT operation did not complete), ``gatt-error`` (the device answered an
    ATT error), ``not-onboardable`` (no onboarding service), ``label-mismatch`` (the device is
    not the one on the label; nothing was sent), ``bad-setup-code`` (key confirmation failed;
    nothing sensitive was sent), ``rate-limited``, ``busy``, ``config-rejected``,
    ``join-failed``, ``malformed-reply``, ``backend`` (the BLE adapter failed).
    """

    default_reason = "ble-error"
