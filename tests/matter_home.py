"""A home of matter.js virtual devices for tests: each device in its own network namespace,
joined by a veth pair to one bridge in the test's namespace (matter.js does not use loopback
for mDNS). The test side reaches them over the bridge's IPv6 link-local address.

Needs CAP_NET_ADMIN in the test's network namespace (the test run's ``unshare -rn`` gives it;
CI runs as root) and the npm packages that ``scripts/setup.sh`` installs into
``tests/matter_devices/node_modules``. :func:`unavailable_reason` says why a home cannot be
made here, for ``pytest.skip``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEVICES_DIR = Path(__file__).parent / "matter_devices"
_counter = itertools.count()


@dataclass(frozen=True)
class DeviceSpec:
    kind: str  # light, plug, lock, contact, temperature, covering, dimmer
    discriminator: int
    passcode: int = 20202021
    vendor_id: int = 0xFFF1
    product_id: int = 0x8000
    serial: str = ""
    software_version: int = 1
    certification: dict[str, str] | None = None  # own DAC/PAI/key (hex): see device.mjs

    def config(self, storage: Path, interface: str) -> dict[str, object]:
        extra = {"certification": self.certification} if self.certification else {}
        return {**extra, "kind": self.kind, "vendorId": self.vendor_id,
                "productId": self.product_id, "discriminator": self.discriminator,
                "passcode": self.passcode,
                "serial": self.serial or f"SN-{self.discriminator:04d}",
                "softwareVersion": self.software_version, "storage": str(storage),
                "interface": interface, "id": f"dev{self.discriminator}"}


@dataclass
class RunningDevice:
    spec: DeviceSpec
    holder: subprocess.Popen[bytes]
    node: subprocess.Popen[bytes]
    qr: str
    manual: str
    veth: str


@dataclass
class MatterHome:
    bridge: str
    address: str  # the bridge's IPv6 link-local address (no zone): the mDNS interface
    devices: list[RunningDevice] = field(default_factory=list)

    @property
    def interfaces(self) -> list[str]:
        return [self.address]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def unavailable_reason() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed (scripts/setup.sh installs it)"
    if not (DEVICES_DIR / "node_modules" / "@matter" / "main").is_dir():
        return "matter.js is not installed (run scripts/setup.sh)"
    if shutil.which("ip") is None or shutil.which("nsenter") is None:
        return "iproute2/util-linux are missing"
    name = f"mtprobe{os.getpid() % 10000}"
    try:
        _ip("link", "add", name, "type", "bridge")
    except (subprocess.CalledProcessError, OSError):
        return ("cannot create network interfaces here (needs CAP_NET_ADMIN: run the tests "
                "through scripts/run-tests.sh or as root)")
    _ip("link", "del", name)
    return None


def _link_local(interface: str, *, netns_pid: int | None = None, timeout: float = 10) -> str:
    cmd = ["ip", "-6", "addr", "show", "dev", interface, "scope", "link"]
    if netns_pid is not None:
        cmd = ["nsenter", "-t", str(netns_pid), "-n", *cmd]
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        m = re.search(r"inet6 (fe80::[0-9a-f:]+)/64 scope link(?! tentative)", out)
        if m and "tentative" not in out:
            return m.group(1)
        if time.monotonic() > deadline:
            raise RuntimeError(f"no IPv6 link-local address on {interface}: {out}")
        time.sleep(0.1)


def _no_dad(interface: str, netns_pid: int | None = None) -> None:
    """Skip duplicate address detection so link-local addresses are usable at once."""
    cmd = ["sh", "-c", f"echo 0 > /proc/sys/net/ipv6/conf/{interface}/accept_dad"]
    if netns_pid is not None:
        cmd = ["nsenter", "-t", str(netns_pid), "-n", *cmd]
    subprocess.run(cmd, capture_output=True, timeout=10)


def start_device(home: MatterHome, spec: DeviceSpec, storage: Path,
                 *, ready_timeout: float = 90.0) -> RunningDevice:
    return _await_ready(home, *_spawn(home, spec, storage), ready_timeout=ready_timeout)


def _spawn(home: MatterHome, spec: DeviceSpec, storage: Path) -> tuple[
        DeviceSpec, subprocess.Popen[bytes], subprocess.Popen[bytes], str]:
    n = next(_counter)
    veth = f"mtv{os.getpid() % 1000}x{n}"
    holder = subprocess.Popen(["unshare", "-n", "sleep", "infinity"], start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while os.readlink(f"/proc/{holder.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            if time.monotonic() > deadline:
                raise RuntimeError("the device namespace did not appear")
            time.sleep(0.02)
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns",
            str(holder.pid))
        _ip("link", "set", veth, "master", home.bridge)
        _ip("link", "set", veth, "up")
        _no_dad("eth0", holder.pid)
        subprocess.run(["nsenter", "-t", str(holder.pid), "-n", "sh", "-c",
                        "ip link set lo up && ip link set eth0 up"], check=True, timeout=10)
        _link_local("eth0", netns_pid=holder.pid)
        storage.mkdir(parents=True, exist_ok=True)
        node = subprocess.Popen(
            ["nsenter", "-t", str(holder.pid), "-n", "node", str(DEVICES_DIR / "device.mjs"),
             json.dumps(spec.config(storage, "eth0"))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=DEVICES_DIR,
            start_new_session=True)
    except BaseException:
        _end(holder)
        raise
    return spec, holder, node, veth


def _await_ready(home: MatterHome, spec: DeviceSpec, holder: subprocess.Popen[bytes],
                 node: subprocess.Popen[bytes], veth: str, *,
                 ready_timeout: float = 90.0) -> RunningDevice:
    # Generous: matter.js takes seconds to start on a loaded 2-core machine.
    assert node.stdout is not None
    line = _read_line(node, ready_timeout)
    try:
        ready = json.loads(line)
    except ValueError:
        _end(node)
        _end(holder)
        err = node.stderr.read().decode(errors="replace")[-2000:] if node.stderr else ""
        raise RuntimeError(f"matter.js device did not start: {line!r} {err}") from None
    device = RunningDevice(spec, holder, node, ready["qr"], ready["manual"], veth)
    home.devices.append(device)
    return device


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    import selectors

    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf and time.monotonic() < deadline:
        if not sel.select(timeout=max(deadline - time.monotonic(), 0.01)):
            continue
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
    sel.close()
    return buf.decode(errors="replace").split("\n", 1)[0]


def _end(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def stop_device(home: MatterHome, device: RunningDevice) -> None:
    _end(device.node)
    _end(device.holder)
    with contextlib.suppress(subprocess.CalledProcessError):
        _ip("link", "del", device.veth)
    if device in home.devices:
        home.devices.remove(device)


@contextlib.contextmanager
def matter_home(storage: Path, specs: list[DeviceSpec] = ()) -> Iterator[MatterHome]:  # type: ignore[assignment]
    """A bridge in this namespace and one device namespace per spec (started in parallel)."""
    bridge = f"mtbr{os.getpid() % 1000}x{next(_counter)}"
    _ip("link", "set", "lo", "up")
    _ip("link", "add", bridge, "type", "bridge")
    _no_dad(bridge)
    _ip("link", "set", bridge, "up")
    home = MatterHome(bridge, "")
    try:
        # The bridge gets its link-local address once a port is up: start the first device.
        spawned = [_spawn(home, spec, storage / f"dev-{spec.discriminator}") for spec in specs]
        for one in spawned:
            _await_ready(home, *one)
        if not specs:
            dummy = f"{bridge}d"
            _ip("link", "add", dummy, "type", "dummy")
            _ip("link", "set", dummy, "master", bridge)
            _ip("link", "set", dummy, "up")
        home.address = _link_local(bridge)
        yield home
    finally:
        for device in list(home.devices):
            stop_device(home, device)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", bridge)


PAA_SOURCE = (DEVICES_DIR / "node_modules" / "@matter" / "protocol" / "dist" / "esm"
              / "certificate" / "ChipPAAuthorities.js")


def matter_test_paa_der() -> bytes:
    """The "Matter Test PAA" (no vendor id) that matter.js devices chain their DACs to, read
    from matter.js's own sources (``TestCert_PAA_NoVID_Cert``); never copied into this repo."""
    text = PAA_SOURCE.read_text(encoding="utf-8")
    m = re.search(r"TestCert_PAA_NoVID_Cert\s*=\s*Bytes\.fromHex\(\s*\"([0-9a-fA-F]+)\"", text)
    if m is None:
        raise RuntimeError(f"the Matter Test PAA is not in {PAA_SOURCE}")
    return bytes.fromhex(m.group(1))


def device_host(home: MatterHome, device: RunningDevice) -> str:
    """The device's IPv6 link-local address as the test side reaches it (zone: the bridge)."""
    return f"{_link_local('eth0', netns_pid=device.holder.pid)}%{home.bridge}"


def counterfeit_certification(vendor_id: int, product_id: int) -> dict[str, str]:
    """A DAC and PAI under a PAA made here, which no trust store holds (hex, for
    :attr:`DeviceSpec.certification`): what a counterfeit device presents."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from cryptography.x509.oid import NameOID

    vid_oid = x509.ObjectIdentifier("1.3.6.1.4.1.37244.2.1")
    pid_oid = x509.ObjectIdentifier("1.3.6.1.4.1.37244.2.2")
    now = dt.datetime.now(dt.UTC)
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]

    def name(cn: str, pid: bool) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn),
                 x509.NameAttribute(vid_oid, f"{vendor_id:04X}")]
        if pid:
            attrs.append(x509.NameAttribute(pid_oid, f"{product_id:04X}"))
        return x509.Name(attrs)

    def cert(subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
             issuer_key: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None),
                                  critical=True)
                   .add_extension(x509.KeyUsage(
                       digital_signature=not ca, content_commitment=False,
                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                       key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                       decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       issuer_key.public_key()), critical=False))
        return builder.sign(issuer_key, hashes.SHA256())

    paa_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Counterfeit PAA")])
    pai_name = name("Counterfeit PAI", False)
    pai = cert(pai_name, keys[1], paa_name, keys[0], True)
    dac = cert(name("Counterfeit DAC", True), keys[2], pai_name, keys[1], False)
    d = keys[2].private_numbers().private_value.to_bytes(32, "big")
    return {"privateKey": d.hex(),
            "publicKey": keys[2].public_key().public_bytes(
                Encoding.X962, PublicFormat.UncompressedPoint).hex(),
            "certificate": dac.public_bytes(Encoding.DER).hex(),
            "intermediateCertificate": pai.public_bytes(Encoding.DER).hex()}
