"""Every render option of the C ABI through Report.json / Report.to_dict, checked on the parsed JSON."""
import json

import pytest

import assay
from conftest import EICAR, make_zip, sha256

MEMBERS = {"readme.txt": b"hello\n" * 30, "eicar.com": EICAR}


@pytest.fixture(scope="module")
def report(rules_engine):
    return rules_engine.scan(make_zip(MEMBERS), name="render.zip")


def parse(text):
    value = json.loads(text)
    assert isinstance(value, list)
    return value


def test_default_is_medium_nested(report):
    default = report.json()
    assert default == report.json(report_type="medium") == report.json(view="nested")
    assert len(parse(default)) == 3


def test_report_types_grow_and_aliases(report):
    small, medium, large = (report.json(report_type=t) for t in ("small", "medium", "large"))
    assert len(small) < len(medium) < len(large)
    assert report.json(report_type="full") == large
    assert report.json(report_type="summary") == medium
    for text in (small, medium, large):
        entries = parse(text)
        assert [e["index"] for e in entries] == [0, 1, 2]
        hashes = {h["name"]: h["value"] for h in entries[0]["info"]["file"]["hashes"]}
        assert hashes["sha256"] == report.objects[0].sha256


def test_deprecated_full_flag(report):
    assert report.json(full=True) == report.json(report_type="large")
    assert report.json(full=False) == report.json(report_type="medium")
    assert report.json(full=True, report_type="small") == report.json(report_type="small")  # type wins


def test_views(report):
    nested = parse(report.json(view="nested"))
    flat = parse(report.json(view="flat"))
    extended = parse(report.json(view="extended"))
    assert "info" in nested[0] and "info" not in flat[0]
    assert flat[0]["info_file_file_name"] == nested[0]["info"]["file"]["file_name"] == "render.zip"
    assert all(not isinstance(v, dict) for entry in flat for v in entry.values())
    assert extended[0]["depth"] == 0 and extended[0]["children"] == [1, 2]
    assert "children" not in nested[0]
    assert parse(report.json(view="")) == nested  # "" is nested too


def test_include_fields(report):
    entries = parse(report.json(report_type="large", include_fields=["info.file.size", "classification"]))
    for entry, info in zip(entries, report.objects):
        assert set(entry) - {"index", "parent"} == {"info", "classification"}
        assert entry["info"] == {"file": {"size": info.size}}
    as_text = report.json(report_type="large", include_fields='["info.file.size","classification"]')
    assert parse(as_text) == entries


def test_exclude_fields(report):
    full = parse(report.json(report_type="large"))
    trimmed = parse(report.json(report_type="large", exclude_fields=["info.file.hashes", "classification"]))
    for before, after in zip(full, trimmed):
        assert "hashes" in before["info"]["file"] and "hashes" not in after["info"]["file"]
        assert "classification" in before and "classification" not in after
        assert after["info"]["file"]["file_name"] == before["info"]["file"]["file_name"]


def test_include_then_exclude(report):
    entries = parse(report.json(include_fields=["info.file"], exclude_fields=["info.file.hashes"]))
    assert all("hashes" not in e["info"]["file"] and "size" in e["info"]["file"] for e in entries)


def test_pretty(report):
    compact = report.json(report_type="large")
    pretty = report.json(report_type="large", pretty=True)
    assert "\n" not in compact and "\n " in pretty
    assert json.loads(pretty) == json.loads(compact)


def test_v13_scanner_types_are_integers(report):
    current = parse(report.json(report_type="large"))
    v13 = parse(report.json(report_type="large", v13=True))
    eicar = next(i for i, o in enumerate(report.objects) if o.sha256 == sha256(EICAR))
    types_now = {r["type"] for r in current[eicar]["classification"]["scan_results"]}
    types_v13 = {r["type"] for r in v13[eicar]["classification"]["scan_results"]}
    assert types_now == {"internal", "yara"}
    assert types_v13 == {1, 2}


def test_to_dict(report):
    as_dict = report.to_dict(report_type="small")
    assert as_dict["status"] == "ok" and as_dict["verdict"] == "malicious"
    assert as_dict["tc_report"] == parse(report.json(report_type="small"))


def test_custom_report_type(tmp_path):
    custom = {"name": "tiny", "base": "small", "exclude": ["classification", "info.file.hashes"]}
    (tmp_path / "tiny.json").write_text(json.dumps(custom))
    with assay.Engine(report_types_dir=tmp_path) as engine:
        report = engine.scan(b"data", name="n.bin")
    entries = parse(report.json(report_type="tiny"))
    small = parse(report.json(report_type="small"))
    assert "classification" in small[0] and "hashes" in small[0]["info"]["file"]
    assert "classification" not in entries[0] and "hashes" not in entries[0]["info"]["file"]
    assert entries[0]["info"]["file"]["file_name"] == "n.bin"
