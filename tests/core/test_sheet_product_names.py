"""Product names on the owner's sheet follow its language: the catalog's Japanese name
(``name_ja``) on the Japanese sheet, the kind's Japanese word when the catalog has none, and
never the English name there; the English sheet keeps the English name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from documents_helpers import catalog, make_home, sources

from commissioner.documents import build_sheet, collect_facts
from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import CatalogDataError, model_to_json, parse_model
from commissioner.virtualhome.catalog_publisher import VIRTUAL_HOME_CATALOG_DATA


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with JobStore.open(tmp_path / "jobs.sqlite3") as s:
        yield s


def test_name_ja_is_read_written_and_checked() -> None:
    cat = catalog()
    assert all(m.name_ja for m in cat.models), "the virtual home's catalog names every model"
    m = cat.models[0]
    assert parse_model(model_to_json(m), "m") == m
    plain = dataclasses.replace(m, name_ja=None)
    assert "name_ja" not in model_to_json(plain) and parse_model(model_to_json(plain), "m") == plain
    with pytest.raises(CatalogDataError, match="name_ja"):
        parse_model({**model_to_json(m), "name_ja": 7}, "m")
    assert "name_ja" in VIRTUAL_HOME_CATALOG_DATA.read_text(encoding="utf-8")


def test_japanese_sheet_names_products_in_japanese(store: JobStore) -> None:
    home = make_home(store, 8)
    cat = catalog()
    facts = collect_facts(store, home.job.id, catalog=cat, sources=sources())
    used = {m.model_number: m for m in cat.models if m.model_number in set(home.models.values())}
    assert used
    ja = build_sheet(facts).html
    en = build_sheet(facts, language="en").html
    for m in used.values():
        assert m.name_ja and m.name_ja in ja
        assert m.product_name not in ja, m.product_name
        assert m.product_name in en

    # A catalog without Japanese names: the kind's Japanese word, still no English.
    bare = dataclasses.replace(cat, models=tuple(dataclasses.replace(m, name_ja=None)
                                                 for m in cat.models))
    facts = collect_facts(store, home.job.id, catalog=bare, sources=sources())
    ja = build_sheet(facts).html
    for m in used.values():
        assert m.product_name not in ja, m.product_name
