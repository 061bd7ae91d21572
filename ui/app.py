"""``commissioner-gui``: the installer's desktop application."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from commissioner import paths
from commissioner.errors import UserError
from commissioner.settings import load_settings, settings_path, validate_interfaces

DEFAULT_SCREENSHOT_DELAY: Final = 3.0  # seconds of scanning before --screenshot grabs
JAPANESE_FONT_FAMILIES: Final = (
    "Yu Gothic UI",  # Windows 8.1+
    "Meiryo UI",
    "Meiryo",
    "IPAexGothic",  # Debian/Ubuntu fonts-ipaexfont
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Hiragino Sans",  # macOS
)


class AppError(Exception):
    """A problem with the command line or its files; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commissioner-gui", description="Commission a smart home (desktop app)."
    )
    parser.add_argument(
        "--virtual-home",
        metavar="DIR",
        type=Path,
        help="work against the virtual home in DIR (reads DIR/home.json)",
    )
    parser.add_argument(
        "--read-box-labels", action="store_true",
        help="training only: read every box label from the virtual home instead of scanning",
    )
    parser.add_argument(
        "--mdns-interface",
        metavar="ADDR",
        action="append",
        dest="mdns_interfaces",
        help="IP address of an interface to use for mDNS (repeatable; default 127.0.0.1)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="folder of the job store and catalog cache (default: the per-user data folder)",
    )
    parser.add_argument("--job", metavar="ID", help="open this job (job id or job number)")
    parser.add_argument("--lang", choices=["ja", "en"], help="UI language (default ja)")
    parser.add_argument("--scan", action="store_true", help="start scanning at once")
    parser.add_argument(
        "--screenshot",
        metavar="PATH",
        type=Path,
        help="scan, save a screenshot of the window to PATH after --quit-after seconds, quit",
    )
    parser.add_argument(
        "--quit-after",
        metavar="SECONDS",
        type=float,
        help=f"quit after SECONDS (with --screenshot: default {DEFAULT_SCREENSHOT_DELAY:g})",
    )
    return parser


def read_virtual_home_interfaces(directory: Path) -> list[str]:
    """The mDNS interfaces named in ``DIR/home.json`` (``{"mdns": {"interfaces": [...]}}``)."""
    path = directory / "home.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AppError(f"{path} does not exist; is {directory} a virtual home?") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AppError(f"cannot read {path}: {err}") from None
    interfaces = data.get("mdns", {}).get("interfaces") if isinstance(data, dict) else None
    if not isinstance(interfaces, list) or not all(isinstance(i, str) for i in interfaces):
        raise AppError(f"{path} has no mdns.interfaces list")
    if not interfaces:
        raise AppError(f"{path} lists no mDNS interfaces")
    return list(interfaces)


def choose_interfaces(args: argparse.Namespace) -> list[str]:
    """The same precedence as the CLI (the site seam): --mdns-interface, the virtual
    home's own, settings.toml, loopback; every address validated."""
    try:
        if args.mdns_interfaces:
            return list(validate_interfaces(list(args.mdns_interfaces)))
        if args.virtual_home is not None:
            return list(validate_interfaces(read_virtual_home_interfaces(args.virtual_home)))
        return list(load_settings(settings_path(paths.config_dir())).mdns_interfaces)
    except UserError as err:
        raise AppError(f"{err}" + (f" ({err.hint})" if err.hint else "")) from None


def _needs_offscreen(environ: dict[str, str] | os._Environ[str]) -> bool:
    if "QT_QPA_PLATFORM" in environ or not sys.platform.startswith("linux"):
        return False
    return not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        interfaces = choose_interfaces(args)
    except AppError as err:
        print(f"commissioner-gui: error: {err}", file=sys.stderr)
        return 2
    if args.quit_after is not None and args.quit_after < 0:
        parser.error("--quit-after must not be negative")
    headless = args.screenshot is not None and _needs_offscreen(os.environ)
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    # Qt is imported only now, so that --help and argument errors need no display.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui import i18n
    from ui.bridge import AsyncBridge
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "commissioner"])
    assert isinstance(app, QApplication)
    app.setApplicationName("commissioner")
    app.setApplicationDisplayName("Commissioner")
    set_japanese_capable_font(app)
    try:
        i18n.install_language(app, i18n.resolve_language(args.lang))
    except (OSError, ValueError) as err:
        print(f"commissioner-gui: warning: {err}; using English", file=sys.stderr)
        i18n.install_language(app, "en")

    from commissioner import paths
    from ui.job_service import JobService

    data_dir: Path = args.data_dir if args.data_dir is not None else paths.data_dir()
    service = JobService(
        paths.default_store_path(data_dir), data_dir=data_dir, virtual_home=args.virtual_home,
        read_box_labels=bool(args.read_box_labels),
    )

    # Field sites always sign in (a valid `commissioner login` session counts); a training
    # site has its trainee, named as such in every audit entry.
    from ui.operators_dialog import install_account_menu
    from ui.signin_dialog import sign_in_for

    signed = sign_in_for(service.context)
    if signed is None:
        return 0
    service.context = signed

    bridge = AsyncBridge()
    bridge.start()
    exit_code = 0
    try:
        window = MainWindow(bridge, mdns_interfaces=interfaces, service=service)
        install_account_menu(window, lambda: service.context)
        window.show()
        window.check_keyring()  # plaintext / "fail" keyrings: modal refusal, actions disabled
        if args.job:
            window.open_job(args.job)
        if args.scan or args.screenshot is not None:
            window.start_scan()

        delay = args.quit_after
        if delay is None and args.screenshot is not None:
            delay = DEFAULT_SCREENSHOT_DELAY
        if delay is not None:
            screenshot: Path | None = args.screenshot

            def finish() -> None:
                nonlocal exit_code
                if screenshot is not None:
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    if window.grab().save(str(screenshot)):
                        where = " (offscreen)" if headless else ""
                        print(f"commissioner-gui: screenshot saved to {screenshot}{where}")
                    else:
                        print(f"commissioner-gui: could not save {screenshot}", file=sys.stderr)
                        exit_code = 1
                window.close()
                app.quit()

            QTimer.singleShot(int(delay * 1000), finish)
        code = app.exec()
        exit_code = exit_code or code
    finally:
        bridge.stop()
    return exit_code


def set_japanese_capable_font(app: object) -> None:
    """Keep the platform UI font but fall back to a Japanese font for glyphs it lacks."""
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    font: QFont = app.font()
    installed = set(QFontDatabase.families())
    japanese = [family for family in JAPANESE_FONT_FAMILIES if family in installed]
    if not japanese:
        return
    # A Japanese family first gives consistent metrics for mixed Japanese/Latin text; the
    # platform family stays in the list as a fallback.
    families = [*japanese[:1], font.family(), *japanese[1:]]
    font.setFamilies(list(dict.fromkeys(families)))
    app.setFont(font)


if __name__ == "__main__":
    raise SystemExit(main())
