"""EICAR found by the bundled rules, alone and inside archives, with its verdict propagated to the root."""
import json

import assay
from conftest import EICAR, make_zip, sha256


def test_eicar_alone(rules_engine):
    report = rules_engine.scan(EICAR, name="eicar.com")
    assert report.verdict is assay.Verdict.MALICIOUS
    classification = json.loads(report.json())[0]["classification"]
    assert classification["result"] == "Text.Test.EICAR" and classification["propagated"] is False


def test_eicar_in_zip_propagates(rules_engine):
    archive = make_zip({"clean.txt": b"nothing to see\n", "eicar.com": EICAR})
    report = rules_engine.scan(archive, name="outer.zip")
    assert report.status is assay.Status.OK
    assert report.verdict is assay.Verdict.MALICIOUS
    objects = report.objects
    root, members = objects[0], {o.file_name: o for o in objects[1:]}
    assert root.verdict is assay.Verdict.MALICIOUS
    assert members["eicar.com"].verdict is assay.Verdict.MALICIOUS
    assert members["eicar.com"].sha256 == sha256(EICAR)
    assert members["clean.txt"].verdict is not assay.Verdict.MALICIOUS
    entries = json.loads(report.json(report_type="large"))
    assert entries[0]["classification"]["propagated"] is True
    assert entries[0]["classification"]["result"] == "Text.Test.EICAR"
    child = entries[members["eicar.com"].index]
    assert child["classification"]["propagated"] is False


def test_eicar_two_levels_down(rules_engine):
    inner = make_zip({"eicar.com": EICAR})
    report = rules_engine.scan(make_zip({"inner.zip": inner, "notes.txt": b"x"}), name="outer.zip")
    assert report.verdict is assay.Verdict.MALICIOUS
    paths = {o.file_path: o for o in report.objects}
    assert paths["outer.zip/inner.zip"].verdict is assay.Verdict.MALICIOUS
    assert paths["outer.zip/inner.zip/eicar.com"].depth == 2


def test_without_rules_the_heuristics_still_flag_it(engine):
    """The engine's built-in EICAR heuristic works without rules; the rules add a YARA result."""
    heuristic = json.loads(engine.scan(EICAR).json(report_type="large"))[0]["classification"]
    assert {r["name"] for r in heuristic.get("scan_results", [])} == {"Assay Heuristics"}


def test_clean_zip_is_not_malicious(rules_engine):
    report = rules_engine.scan(make_zip({"a.txt": b"plain text\n" * 10}))
    assert report.verdict is not assay.Verdict.MALICIOUS
    assert all(o.verdict is not assay.Verdict.MALICIOUS for o in report.objects)
