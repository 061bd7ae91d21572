"""Printing the owner's sheet the way an installer does: through Qt's print support to the
operating system's print system. The test starts a private CUPS server (its own config, spool
and socket inside the test's temp dir) with a CUPS-PDF queue, prints the sheet there with
``ui.printing.print_document`` (the path of the print preview's Print button), and checks
what CUPS wrote: A4, the Japanese text, a QR code that still decodes, nothing clipped at the
margins. The text is checked in the document the print system received (kept in the
spool): the CUPS-PDF driver goes through PostScript, and Ghostscript's PDF of it has no
usable text layer for CID fonts. Needs Debian's ``cups`` and ``printer-driver-cups-pdf``
(scripts/setup.sh) and real root, so it runs outside a user namespace (the CUPS-PDF backend
only runs as root and reads its per-queue config from /etc/cups); it uses only a Unix socket.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from documents_helpers import NOW, OWNER_APP, SUPPORT, catalog, make_home, sources
from PIL import Image

from commissioner.documents import build_sheet, collect_facts
from commissioner.jobs.store import JobStore

CUPSD = Path("/usr/sbin/cupsd")
PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
SHOTS = Path("/tmp/shots/print")

pytestmark = pytest.mark.timeout(120)


def _missing() -> str | None:
    for path in (CUPSD, PDF_BACKEND, PPD):
        if not path.exists():
            return f"{path} missing (apt-get install cups printer-driver-cups-pdf)"
    if os.geteuid() != 0:
        return "the CUPS-PDF backend needs root"
    if shutil.which("pdftotext") is None:
        return "poppler-utils missing"
    return None


def _in_user_namespace() -> bool:
    """True inside a user namespace (root there is not the real root the backend needs)."""
    try:
        first = Path("/proc/self/uid_map").read_text(encoding="ascii").split()
    except OSError:
        return False
    return first[:3] != ["0", "0", "4294967295"]


@pytest.fixture
def cups_queue(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """(socket, queue name, output folder) of a private CUPS server with a CUPS-PDF queue."""
    if _in_user_namespace():
        # The namespaced test run cannot host it; scripts/run-tests.sh runs this module again
        # as the real root afterwards (a Unix socket only, no network).
        pytest.skip("the CUPS-PDF backend needs the real root, outside the test namespace")
    why = _missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    # The filters run as the "lp" user: the server's folders must be reachable, which the
    # test's private temp dir is not; a world-readable temp dir of its own is used instead.
    holder = tempfile.TemporaryDirectory(prefix="commissioner-cups-")
    root = Path(holder.name)
    etc, out = root / "etc", root / "out"
    for d in (etc, root / "spool" / "tmp", root / "cache", root / "state", root / "log", out):
        d.mkdir(parents=True)
    for d in (root, out, root / "spool"):
        d.chmod(0o755)
    sock = root / "cups.sock"
    (etc / "cupsd.conf").write_text(
        f"Listen {sock}\nLogLevel warn\nWebInterface No\nBrowsing No\nDefaultAuthType None\n"
        "PreserveJobFiles Yes\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n")
    (etc / "cups-files.conf").write_text(
        f"ServerRoot {etc}\nRequestRoot {root / 'spool'}\nTempDir {root / 'spool' / 'tmp'}\n"
        f"CacheDir {root / 'cache'}\nStateDir {root / 'state'}\n"
        f"ErrorLog {root / 'log' / 'error_log'}\nAccessLog {root / 'log' / 'access_log'}\n"
        f"PageLog {root / 'log' / 'page_log'}\nServerBin /usr/lib/cups\n"
        "DataDir /usr/share/cups\nFileDevice No\nSandboxing Relaxed\n")
    name = f"sheet-{uuid.uuid4().hex[:8]}"
    # CUPS-PDF reads /etc/cups/cups-pdf-<name>.conf for the device URI cups-pdf:/<name>.
    conf = Path("/etc/cups") / f"cups-pdf-{name}.conf"
    conf.write_text(f"Out {out}\nAnonDirName {out}\nLabel 0\nGrp root\n")
    env = {**os.environ, "CUPS_SERVER": str(sock)}
    daemon = subprocess.Popen([str(CUPSD), "-f", "-c", str(etc / "cupsd.conf"),
                               "-s", str(etc / "cups-files.conf")], env=env)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        subprocess.run(["lpadmin", "-p", name, "-E", "-v", f"cups-pdf:/{name}", "-P", str(PPD)],
                       env=env, check=True, capture_output=True, timeout=20)
        yield sock, name, out
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        conf.unlink(missing_ok=True)
        holder.cleanup()


PRINT_SCRIPT = """
import os, pickle, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from ui.printing import print_document
document = pickle.loads(open(sys.argv[1], "rb").read())
print(print_document(document, sys.argv[2]))
"""


def _print(tmp_path: Path, sock: Path, queue: str, out: Path, language: str) -> Path:
    with JobStore.open(tmp_path / f"jobs-{language}.sqlite3") as store:
        home = make_home(store, 12)
        facts = collect_facts(store, home.job.id, catalog=catalog(), sources=sources(), now=NOW)
    sheet = build_sheet(facts, language=language, support=SUPPORT, owner_app=OWNER_APP)
    assert facts.invitation is not None and facts.invitation.code is not None
    blob = tmp_path / f"sheet-{language}.pickle"
    blob.write_bytes(pickle.dumps(sheet))
    before = set(out.glob("*.pdf"))
    env = {**os.environ, "CUPS_SERVER": str(sock), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", PRINT_SCRIPT, str(blob), queue], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    pages = int(run.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        queued = subprocess.run(["lpstat", "-o", queue], env=env, capture_output=True,
                                text=True, check=True).stdout.strip()
        new = set(out.glob("*.pdf")) - before
        if new and not queued:
            pdf = new.pop()
            break
        time.sleep(0.2)
    else:
        log = (sock.parent / "log" / "error_log")
        pytest.fail("CUPS wrote no PDF: " + (log.read_text()[-2000:] if log.exists() else ""))
    spooled = sorted((sock.parent / "spool").glob("d*-001"))
    assert spooled, "the print system kept no job file"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1)) == pages  # type: ignore[union-attr]
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout, re.M)
    assert size is not None
    assert abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2  # A4
    text = unicodedata.normalize("NFKC", subprocess.run(
        ["pdftotext", str(spooled[-1]), "-"], capture_output=True, text=True, check=True).stdout)
    flat = re.sub(r"\s+", "", text)
    assert facts.invitation.code in flat
    for f in facts.devices:
        assert f.model_number in flat
    if language == "ja":
        for words in ("スマートホームご利用案内", "サポート窓口", "変更してはいけない機器の構成",
                      "スマートホームオーナー", "みらい住宅サポート"):
            assert words in flat, words
    else:
        for words in ("Smart home user guide", "certified", "Support desk"):
            assert words.replace(" ", "") in flat, words
    # Every page's footer made it onto the paper (nothing cut at the bottom margin).
    for page in range(1, pages + 1):
        assert f"{page}/{pages}" in flat or f"page{page}of{pages}" in flat
    return pdf


def _qr_and_margins(pdf: Path, name: str, payload: str) -> None:
    import zxingcpp

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(SHOTS / name)], check=True)
    shots = sorted(SHOTS.glob(f"{name}-*.png"))
    assert shots
    first = Image.open(shots[0]).convert("L")
    assert [r.text for r in zxingcpp.read_barcodes(first)] == [payload]
    mm = 150 / 25.4
    for shot in shots:
        image = Image.open(shot).convert("L")
        width, height = image.size
        box = Image.eval(image, lambda v: 255 if v < 200 else 0).getbbox()
        assert box is not None
        left, top, right, bottom = box
        # Ink stays inside the page with a margin a printer can print (at least 8 mm).
        assert left >= 8 * mm and top >= 8 * mm, (shot, box)
        assert width - right >= 8 * mm and height - bottom >= 6 * mm, (shot, box)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_sheet_printed_through_cups(
    cups_queue: tuple[Path, str, Path], tmp_path: Path, language: str
) -> None:
    sock, queue, out = cups_queue
    pdf = _print(tmp_path, sock, queue, out, language)
    from documents_helpers import invitation_payload
    _qr_and_margins(pdf, f"sheet-cups-{language}", invitation_payload())
