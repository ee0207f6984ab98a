"""The evidence registry: well-formed entries, ids that resolve, and no identifier the knowledge
base does not give (a made-up DOI in a clinical product is worse than none)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from livermdt import knowledge
from livermdt.knowledge import (
    Evidence,
    KnowledgeDataError,
    _evidence,
    _loading,
    all_evidence,
    get_evidence,
    resolve_evidence,
)

DOI = re.compile(r"^10\.\d{4,9}/\S+$")

#: Ids the task brief and the engine rely on by name.
NAMED_IDS = (
    "vauthey-2002-telv",
    "esmo-2023-mcrc",
    "shindoh-2013-kgr",
    "fong-1999-crs",
    "eisenhauer-2009-recist",
    "transmet-2024",
    "mosteller-1987-bsa",
    "dubois-1916-bsa",
    "kishi-2009-sflr",
    "sasaki-2018-tbs",
    "margonis-2018-game",
    "brudvik-2019-mcs",
    "dueland-2015-oslo",
    "nordlinger-1996-score",
    "konopke-2009-score",
    "nagashima-teikyo-score",
    "scorsetti-2018-sbrt",
    "vanderlei-2025-collision",
    "adam-2004-progression",
    "chun-2009-morphologic",
    "blazer-2008-pathologic",
    "fretland-2018-oslo-comet",
    "nordlinger-2008-eortc40983",
    "primrose-2014-new-epoc",
    "elez-2025-breakwater",
    "diaz-2022-keynote177",
    "eahpba-2023-synchronous",
    "ahpba-2006-resectability",
    "livermdt-2025-policy",
)


def test_registry_is_not_empty_and_has_the_named_ids() -> None:
    registry = all_evidence()
    assert len(registry) >= 100
    for evidence_id in NAMED_IDS:
        assert evidence_id in registry, evidence_id


def test_every_entry_is_well_formed() -> None:
    for evidence_id, entry in all_evidence().items():
        assert entry.id == evidence_id
        assert _evidence.ID_PATTERN.match(evidence_id), evidence_id
        assert entry.citation.strip(), evidence_id
        assert entry.kb_section.strip(), evidence_id
        assert isinstance(entry.verified, bool)
        assert entry.kind in _evidence.KINDS
        if entry.doi is not None:
            assert DOI.match(entry.doi), (evidence_id, entry.doi)
        if entry.pmid is not None:
            assert entry.pmid.isdigit(), evidence_id
        if entry.pmcid is not None:
            assert re.fullmatch(r"PMC\d+", entry.pmcid), evidence_id


def test_identifiers_come_from_the_knowledge_base(shared_dir: Path) -> None:
    """Every DOI, PMID and PMCID in the registry is written in the knowledge base itself."""
    text = (shared_dir / "knowledge" / "crlm-knowledge.md").read_text(encoding="utf-8")
    for evidence_id, entry in all_evidence().items():
        for handle in (entry.doi, entry.pmid, entry.pmcid):
            if handle is not None:
                assert handle in text, (evidence_id, handle)


def test_verified_status_follows_the_knowledge_base() -> None:
    # Part C item 6: ESMO 2023 citation confirmed, content unverified.
    assert get_evidence("esmo-2023-mcrc").verified is False
    assert get_evidence("esmo-2023-mcrc").doi == "10.1016/j.annonc.2022.10.003"
    # Part C item 5: Kishi 2009 (20% normal liver) and Shindoh's 30% after chemotherapy unverified.
    assert get_evidence("kishi-2009-sflr").verified is False
    assert get_evidence("shindoh-2013-chemo-flr").verified is False
    # Part B 2.2 / PMID 23219349: KGR verified.
    assert get_evidence("shindoh-2013-kgr").verified is True
    assert get_evidence("shindoh-2013-kgr").pmid == "23219349"
    # Part C item 11: Adam 2004 figures still unverified.
    assert get_evidence("adam-2004-progression").verified is False
    # Part C item 1 / item 4 / item 10: Oslo, GAME, RECIST confirmed.
    assert get_evidence("dueland-2015-oslo").verified is True
    assert get_evidence("margonis-2018-game").doi == "10.1002/bjs.10838"
    assert get_evidence("eisenhauer-2009-recist").verified is True
    # A livermdt policy is never presented as verified evidence.
    assert get_evidence("livermdt-2025-policy").verified is False
    assert get_evidence("livermdt-2025-policy").kind == "policy"


def test_no_doi_where_the_knowledge_base_gives_none() -> None:
    # The KB gives no DOI for Fong 1999, Vauthey 2002 or TransMet: none may appear.
    for evidence_id in ("fong-1999-crs", "vauthey-2002-telv", "transmet-2024", "kishi-2009-sflr"):
        assert get_evidence(evidence_id).doi is None, evidence_id


def test_unknown_id_raises_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no-such-2020-thing"):
        get_evidence("no-such-2020-thing")
    with pytest.raises(KeyError, match="nope-1999-x"):
        resolve_evidence(["fong-1999-crs", "nope-1999-x"])


def test_resolve_keeps_first_seen_order_without_duplicates() -> None:
    resolved = resolve_evidence(["fong-1999-crs", "sasaki-2018-tbs", "fong-1999-crs"])
    assert list(resolved) == ["fong-1999-crs", "sasaki-2018-tbs"]
    assert all(isinstance(e, Evidence) for e in resolved.values())


def test_evidence_is_immutable_and_serialises() -> None:
    entry = get_evidence("fong-1999-crs")
    with pytest.raises(AttributeError):
        entry.verified = False  # type: ignore[misc]
    record = entry.as_json()
    assert record["citation"] == entry.citation
    assert set(record) == {
        "citation",
        "doi",
        "pmid",
        "pmcid",
        "url",
        "verified",
        "kind",
        "kb_section",
        "note",
    }
    json.dumps(record)


def test_all_evidence_returns_a_copy() -> None:
    copy = all_evidence()
    copy.pop("fong-1999-crs")
    assert "fong-1999-crs" in all_evidence()


# --- shards: evidence*.json files are merged; a duplicate id is an error ----------------------


def _entry(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "citation": "Someone A. J Test 2020;1:1-2",
        "doi": None,
        "pmid": None,
        "pmcid": None,
        "url": None,
        "verified": False,
        "kind": "trial",
        "kb_section": "A1",
        "note": "",
    }
    base.update(overrides)
    return base


def _write(folder: Path, name: str, entries: dict[str, object]) -> None:
    (folder / name).write_text(json.dumps({"entries": entries}), encoding="utf-8")


def _registry_from(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Evidence]:
    monkeypatch.setattr(_loading.resources, "files", lambda package: folder)
    _evidence._registry.cache_clear()
    try:
        return dict(_evidence._registry())
    finally:
        monkeypatch.undo()
        _evidence._registry.cache_clear()


def test_shards_are_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "evidence.json", {"alpha-2020-one": _entry()})
    _write(tmp_path, "evidence_engine.json", {"beta-2021-two": _entry(doi="10.1000/xyz")})
    _write(tmp_path, "thresholds.json", {"not-evidence-2000": _entry()})
    registry = _registry_from(tmp_path, monkeypatch)
    assert sorted(registry) == ["alpha-2020-one", "beta-2021-two"]
    assert registry["beta-2021-two"].doi == "10.1000/xyz"


def test_duplicate_id_across_shards_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "evidence.json", {"alpha-2020-one": _entry()})
    _write(tmp_path, "evidence_engine.json", {"alpha-2020-one": _entry()})
    with pytest.raises(KnowledgeDataError, match=r"alpha-2020-one.*already defined"):
        _registry_from(tmp_path, monkeypatch)


def test_duplicate_id_within_a_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = json.dumps(_entry())
    body = f'{{"entries": {{"alpha-2020-one": {one}, "alpha-2020-one": {one}}}}}'
    (tmp_path / "evidence.json").write_text(body, encoding="utf-8")
    with pytest.raises(KnowledgeDataError, match="duplicate key 'alpha-2020-one'"):
        _registry_from(tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"doi": "doi:10.1000/x"}, "doi"),
        ({"doi": "10.12/x"}, "doi"),
        ({"pmid": "PMID 123"}, "pmid"),
        ({"pmcid": "123"}, "pmcid"),
        ({"verified": "yes"}, "verified"),
        ({"kind": "rumour"}, "kind"),
        ({"citation": " "}, "citation"),
        ({"url": "ftp://x"}, "url"),
        ({"extra": 1}, "unknown keys"),
    ],
)
def test_malformed_entries_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, object],
    message: str,
) -> None:
    _write(tmp_path, "evidence.json", {"alpha-2020-one": _entry(**overrides)})
    with pytest.raises(KnowledgeDataError, match=message):
        _registry_from(tmp_path, monkeypatch)


def test_malformed_id_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "evidence.json", {"Fong 1999": _entry()})
    with pytest.raises(KnowledgeDataError, match="id must match"):
        _registry_from(tmp_path, monkeypatch)


def test_knowledge_version_is_exported() -> None:
    assert re.fullmatch(r"\d{4}\.\d+", knowledge.KNOWLEDGE_VERSION)
