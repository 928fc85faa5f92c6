"""Every error path: each raises its own exception class with the status code and the handle's message."""
import gc
import os

import pytest

import assay
from conftest import EICAR, make_zip

BROKEN_RULE = "rule broken { condition: no_such_identifier }\n"


@pytest.fixture
def broken_rules(tmp_path, rules_dir):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "broken.yar").write_text(BROKEN_RULE)
    (folder / "eicar.yar").write_text(open(os.path.join(rules_dir, "eicar.yar")).read())
    return folder


def test_bad_rules_strict_raises(broken_rules):
    with pytest.raises(assay.RulesError) as caught:
        assay.Engine(rules=broken_rules, strict_rules=True)
    error = caught.value
    assert error.status == -9 and error.status_name == "rules failed to compile"
    assert "no_such_identifier" in str(error)
    broken = {r.name: r for r in error.rulesets}["broken"]
    assert not broken.active and any("broken.yar:1" in line for line in broken.errors)


def test_bad_rules_lenient_leaves_the_file_out(broken_rules):
    with assay.Engine(rules=broken_rules) as engine:
        rules = {r.name: r for r in engine.rules}
        assert not rules["broken"].active and rules["eicar"].active and rules["eicar"].rule_count == 1
        assert not engine.rules.all_compiled
        assert engine.scan(EICAR).verdict is assay.Verdict.MALICIOUS  # the good file still works


def test_missing_rules_path(tmp_path):
    with pytest.raises(assay.RulesError, match="no such file"):
        assay.Engine(rules=tmp_path / "absent.yar", strict_rules=True)


def test_strict_reload_keeps_the_old_rules(tmp_path, rules_dir):
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "eicar.yar").write_text(open(os.path.join(rules_dir, "eicar.yar")).read())
    with assay.Engine(rules=folder, strict_rules=True) as engine:
        before = engine.rules.identifier
        assert len(before) == 40
        (folder / "later.yar").write_text(BROKEN_RULE)
        with pytest.raises(assay.RulesError) as caught:
            engine.reload(strict=True)
        assert "later" in {r.name for r in caught.value.rulesets}
        assert engine.rules.identifier == before
        (folder / "later.yar").write_text('rule later { strings: $a = "later" condition: $a }\n')
        attempt = engine.reload(strict=True)
        assert attempt.all_compiled and engine.rules.identifier == attempt.identifier != before


def test_option_out_of_range():
    with pytest.raises(assay.OutOfRangeError) as caught:
        assay.Engine(max_ratio=1)
    assert caught.value.status == -3 and "max_ratio must be between 2" in caught.value.message
    assert isinstance(caught.value, ValueError)
    with pytest.raises(assay.OutOfRangeError):
        assay.Engine(max_depth=-1)
    with pytest.raises(TypeError):
        assay.Engine(max_depth="3")
    with pytest.raises(TypeError):
        assay.Engine(passwords="one")


def test_bad_report_types_dir(tmp_path):
    (tmp_path / "bad.json").write_text('{"name": "bad", "base": ')
    with pytest.raises(assay.AssayError) as caught:
        assay.Engine(report_types_dir=tmp_path)
    assert caught.value.status < 0 and "bad.json" in caught.value.message


@pytest.fixture(scope="module")
def report():
    with assay.Engine() as engine:
        yield engine.scan(make_zip({"a.txt": b"a"}))


@pytest.mark.parametrize("options", [
    {"view": "sideways"},
    {"include_fields": "not json"},
    {"include_fields": '{"an": "object"}'},
    {"exclude_fields": "[1, 2"},
])
def test_bad_render_options(report, options):
    with pytest.raises(assay.InvalidArgumentError) as caught:
        report.json(**options)
    assert caught.value.status == -1 and caught.value.message


def test_unknown_report_type(report):
    with pytest.raises(assay.UnsupportedError) as caught:
        report.json(report_type="no-such-type")
    assert caught.value.status == -7
    assert "small" in caught.value.message and "large" in caught.value.message
    assert report.json(report_type="small")  # the report is still fine


def test_render_option_types(report):
    with pytest.raises(TypeError):
        report.json(view=3)
    with pytest.raises(TypeError):
        report.json(include_fields=b"[]")


def test_unreadable_paths(engine, tmp_path):
    with pytest.raises(assay.AssayIOError) as caught:
        engine.scan(tmp_path / "missing.bin")
    assert caught.value.status == -4 and isinstance(caught.value, OSError)
    assert "missing.bin" in caught.value.message or "No such file" in caught.value.message
    with pytest.raises(assay.InvalidArgumentError, match="directory"):
        engine.scan(tmp_path)


def test_load_garbage(engine):
    with pytest.raises(assay.InvalidArgumentError):
        engine.load_report(b"not a saved report")


def test_closed_engine_raises_cleanly():
    engine = assay.Engine()
    report = engine.scan(b"before close")
    engine.close()
    engine.close()  # idempotent
    for call in (lambda: engine.scan(b"x"), lambda: engine.scan("/etc/hostname"), lambda: engine.rules,
                 lambda: engine.reload(), lambda: engine.load_report(report.save())):
        with pytest.raises(assay.ClosedError) as caught:
            call()
        assert caught.value.status == -2 and isinstance(caught.value, assay.InvalidHandleError)
    assert report.objects[0].size == len(b"before close")  # reports outlive the engine


def test_closed_report_raises_cleanly(engine):
    report = engine.scan(b"data")
    with report:
        assert report.status is assay.Status.OK
    assert report.closed
    for call in (lambda: report.status, lambda: report.verdict, lambda: report.objects, lambda: len(report),
                 lambda: report.json(), lambda: report.save()):
        with pytest.raises(assay.ClosedError):
            call()
    report.close()
    assert repr(report) == "<assay.Report closed>"


def test_engine_collected_without_close():
    engine = assay.Engine()
    report = engine.scan(b"x")
    del engine
    gc.collect()
    assert report.verdict is assay.Verdict.UNKNOWN


def test_error_hierarchy():
    for cls, status in [(assay.InvalidArgumentError, -1), (assay.InvalidHandleError, -2), (assay.OutOfRangeError, -3),
                        (assay.AssayIOError, -4), (assay.TooLargeError, -5), (assay.NoMemoryError, -6),
                        (assay.UnsupportedError, -7), (assay.InternalError, -8), (assay.RulesError, -9)]:
        assert issubclass(cls, assay.AssayError) and cls.status == status
        assert cls("m").status_name not in ("", "unknown status")
