"""Limits are soft outcomes: the scan returns a report with Status.LIMIT_REACHED, never an exception."""
import json

import assay
from conftest import make_zip, nested_zip


def warnings_of(report):
    return [w for entry in json.loads(report.json(report_type="large"))
            for w in entry.get("info", {}).get("unpacking", {}).get("warnings", [])]


def test_max_depth_on_nested_zips():
    data = nested_zip(5)
    with assay.Engine() as unlimited:
        whole = unlimited.scan(data, name="deep.zip")
    assert whole.status is assay.Status.OK and len(whole) == 6  # five zips and the payload
    with assay.Engine(max_depth=2) as engine:
        report = engine.scan(data, name="deep.zip")
    assert report.status is assay.Status.LIMIT_REACHED and report.limit_reached
    objects = report.objects
    assert max(o.depth for o in objects) == 2 and len(objects) == 3
    cut = objects[-1]
    assert cut.unpacking_status is assay.UnpackingStatus.PARTIAL and cut.file_subtype == "ZIP"
    assert any("limit max_depth reached" in w for w in warnings_of(report))
    assert report.to_dict()["status"] == "limit_reached"


def test_max_object_bytes():
    big = b"A" * 200_000
    archive = make_zip({"big.txt": big, "small.txt": b"small"})
    with assay.Engine(max_object_bytes=100_000) as engine:
        report = engine.scan(archive, name="big.zip")
    assert report.status is assay.Status.LIMIT_REACHED
    assert any("max_object_bytes" in w for w in warnings_of(report))
    names = {o.file_name: o for o in report.objects}
    assert names["small.txt"].size == 5  # the other member is still scanned


def test_max_objects():
    archive = make_zip({f"m{i}.txt": f"member {i}\n".encode() for i in range(20)})
    with assay.Engine(max_objects=5) as engine:
        report = engine.scan(archive)
    assert report.status is assay.Status.LIMIT_REACHED and len(report) == 5
    assert any("max_objects" in w for w in warnings_of(report))


def test_within_limits_is_ok():
    with assay.Engine(max_depth=8, max_object_bytes=1 << 20) as engine:
        assert engine.scan(nested_zip(3)).status is assay.Status.OK
