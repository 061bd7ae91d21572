"""`commissioner virtual-home publish-catalog` and `commissioner catalog sync|status` end to end
(in-process CLI, real HTTP on loopback)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from catalog_helpers import (
    VIRTUAL_HOME_DATA,
    closed_port_url,
    make_ca_pem,
    serve_directory,
)

from commissioner.cli import main
from commissioner.virtualhome.catalog_publisher import CatalogRepository

PUBLISH = ["virtual-home", "publish-catalog"]  # the simulator's plugin (platform side)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMISSIONER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("COMMISSIONER_DATA_DIR", str(tmp_path / "default-data"))


def _publish(tmp_path: Path) -> tuple[Path, Path]:
    repo, keys = tmp_path / "repo", tmp_path / "keys"
    pem = tmp_path / "sakura.pem"
    pem.write_text(make_ca_pem("Sakura"))
    code = main([*PUBLISH, "--data", str(VIRTUAL_HOME_DATA), "--repo", str(repo),
                 "--keys", str(keys), "--manufacturer-root", f"Sakura Denki={pem}"])
    assert code == 0
    return repo, keys


def test_publish_creates_a_consistent_snapshot_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, keys = _publish(tmp_path)
    assert "Published catalog version 1" in capsys.readouterr().out
    for role in ("root", "targets", "snapshot", "timestamp"):
        mode = stat.S_IMODE((keys / f"{role}.pem").stat().st_mode)
        assert mode == 0o600, (role, oct(mode))
    names = {p.name for p in (repo / "metadata").iterdir()}
    assert {"1.root.json", "1.targets.json", "1.snapshot.json", "timestamp.json"} <= names
    targets = sorted(p.name for p in (repo / "targets").iterdir())
    assert len(targets) == 3 and all(len(n.split(".", 1)[0]) == 64 for n in targets)
    # Re-publishing bumps versions with the same keys.
    assert main([*PUBLISH, "--data", str(VIRTUAL_HOME_DATA), "--repo", str(repo),
                 "--keys", str(keys)]) == 0
    assert (repo / "metadata" / "2.targets.json").exists()
    assert CatalogRepository(repo, keys).timestamp().signed.version == 2


def test_publish_refuses_keys_that_do_not_match_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _keys = _publish(tmp_path)
    other_keys = tmp_path / "other-keys"
    CatalogRepository(tmp_path / "scratch", other_keys).init_root()
    code = main([*PUBLISH, "--data", str(VIRTUAL_HOME_DATA), "--repo", str(repo),
                 "--keys", str(other_keys)])
    assert code == 1
    assert "not the one" in capsys.readouterr().err


def test_publish_refuses_invalid_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": 1, "certified_models": [{"level": 9}]}))
    code = main([*PUBLISH, "--data", str(bad), "--repo", str(tmp_path / "r"),
                 "--keys", str(tmp_path / "k")])
    assert code == 1
    assert "invalid catalog data" in capsys.readouterr().err
    assert not (tmp_path / "r" / "metadata").exists()


def test_sync_and_status_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, keys = _publish(tmp_path)
    data = tmp_path / "data"
    root = repo / "metadata" / "1.root.json"
    assert main(["catalog", "status", "--data-dir", str(data)]) == 5
    assert "No catalog cached" in capsys.readouterr().out
    with serve_directory(repo) as url:
        assert main(["catalog", "sync", "--url", url, "--root", str(root),
                     "--data-dir", str(data)]) == 0
        out = capsys.readouterr().out
        assert "Catalog version 1 synced" in out and "12 certified models" in out
        assert main(["catalog", "status", "--json", "--data-dir", str(data)]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["version"] == 1 and status["usable_offline"] and status["url"] == url
        # Security failure: exit 3, message and hint on stderr.
        CatalogRepository(repo, keys).publish_files({"certified-models.json": b"{}"})
        CatalogRepository(repo, keys).tamper_target("certified-models.json", b"[]")
        assert main(["catalog", "sync", "--root", str(root), "--data-dir", str(data)]) == 3
        err = capsys.readouterr().err
        assert "does not match its signed hash" in err and "hint:" in err
    # Unreachable: exit 4; the cache is still fine.
    assert main(["catalog", "sync", "--url", closed_port_url(), "--root", str(root),
                 "--data-dir", str(data)]) == 4
    assert main(["catalog", "status", "--data-dir", str(data)]) == 0
    assert "Catalog version:   1" in capsys.readouterr().out


def _home_json(catalog_url: str) -> dict[str, object]:
    """A minimal training home (docs/training-home.md) with no devices."""
    return {
        "format": 1, "gateway": {"device_id": "gw-1", "host": "127.0.0.1", "port": 9},
        "devices": [], "labels_dir": "labels", "trust_roots": "trust/roots.pem",
        "mdns": {"interfaces": ["127.0.0.1"]}, "control": {"host": "127.0.0.1", "port": 9},
        "catalog_url": catalog_url, "scenario": "empty",
    }


def test_virtual_home_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    (home / "catalog").mkdir(parents=True)
    repo, _keys = _publish(tmp_path)
    (home / "catalog" / "root.json").write_bytes((repo / "metadata" / "1.root.json").read_bytes())
    data = tmp_path / "data"
    with serve_directory(repo) as url:
        (home / "home.json").write_text(json.dumps(_home_json(url)))
        assert main(["catalog", "sync", "--virtual-home", str(home), "--data-dir", str(data)]) == 0
    assert "Catalog version 1" in capsys.readouterr().out
    assert not (data / "catalog").exists()  # training cache is kept apart
    assert len(list((data / "catalog-virtual-home").iterdir())) == 1
    assert main(["catalog", "status", "--virtual-home", str(home), "--data-dir", str(data)]) == 0


def test_production_root_is_shipped_and_self_signed() -> None:
    from tuf.api.metadata import Metadata

    root_path = Path(__file__).resolve().parents[2] / "resources" / "trust" / "root.json"
    md = Metadata.from_bytes(root_path.read_bytes())
    assert md.signed.type == "root" and md.signed.consistent_snapshot
    md.signed.verify_delegate("root", md.signed_bytes, md.signatures)
    assert all(k.scheme == "ecdsa-sha2-nistp256" for k in md.signed.keys.values())
    assert set(md.signed.roles) == {"root", "targets", "snapshot", "timestamp"}


def test_virtual_home_publish_helper_and_server(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from catalog_helpers import manufacturer_roots

    from commissioner.virtualhome.catalog_publisher import (
        CatalogServer,
        publish_virtual_home_catalog,
    )

    home = tmp_path / "home"
    repo = publish_virtual_home_catalog(home, manufacturer_roots())
    assert (home / "catalog" / "root.json").read_bytes() == (
        repo / "metadata" / "1.root.json").read_bytes()
    with CatalogServer(repo) as server:
        assert server.url.startswith("http://127.0.0.1:")
        (home / "home.json").write_text(json.dumps(_home_json(server.url)))
        assert main(["catalog", "sync", "--virtual-home", str(home),
                     "--data-dir", str(tmp_path / "d")]) == 0
    assert "4 manufacturer roots" in capsys.readouterr().out
    # A restart re-publishes with the same keys: version 2, same trust anchor.
    publish_virtual_home_catalog(home, manufacturer_roots())
    assert (repo / "metadata" / "2.targets.json").exists()
    assert not (repo / "metadata" / "2.root.json").exists()


def test_the_simulator_joins_the_command_line_only_as_a_plugin(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from commissioner.cli import plugin_registrars, registry

    assert "commissioner.virtualhome.cli" in [r.__module__ for r in plugin_registrars()]
    assert not [r for r in registry.REGISTRARS if r.__module__.startswith(
        "commissioner.virtualhome")]
    with pytest.raises(SystemExit):
        main(["catalog", "publish", "--help"])  # the app's catalog command no longer publishes
    assert "invalid choice" in capsys.readouterr().err


def test_lost_cache_and_reset_trust_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _keys = _publish(tmp_path)
    data = tmp_path / "data"
    root = repo / "metadata" / "1.root.json"
    with serve_directory(repo) as url:
        sync_args = ["catalog", "sync", "--url", url, "--root", str(root),
                     "--data-dir", str(data)]
        assert main(sync_args) == 0
        (state_file,) = data.rglob("catalog/state.json")
        state_file.unlink()
        capsys.readouterr()
        assert main(sync_args) == 3
        err = capsys.readouterr().err
        assert "catalog cache lost or edited" in err and "--reset-trust" in err
        assert main(["catalog", "status", "--data-dir", str(data)]) == 3
        assert "catalog cache lost or edited" in capsys.readouterr().err
        assert main([*sync_args, "--reset-trust", "--deadline", "30"]) == 0
        assert "Catalog version 1 synced" in capsys.readouterr().out
        assert json.loads(state_file.read_text())["trust_reset_at"] is not None
        assert main(["catalog", "status", "--data-dir", str(data)]) == 0
        with pytest.raises(SystemExit) as refused:
            main([*sync_args, "--deadline", "0"])
        assert refused.value.code == 2
        assert "--deadline: expected a number of seconds" in capsys.readouterr().err
