"""Scanning through the Python binding: bytes, buffers, paths and streams give the same, correct report."""
import io
import os
import subprocess
import threading

import pytest

import assay
from conftest import make_zip, sha256

TEXT = b"The quick brown fox jumps over the lazy dog.\n" * 20
MEMBERS = {"a.txt": b"alpha\n" * 50, "dir/b.bin": bytes(range(256)) * 8, "c.txt": b"gamma"}


def check_zip_report(report, root_name, archive):
    objects = report.objects
    assert report.status is assay.Status.OK
    assert len(report) == len(objects) == 1 + len(MEMBERS)
    root = objects[0]
    assert (root.index, root.parent, root.depth) == (0, -1, 0)
    assert (root.file_type, root.file_subtype) == ("Archive", "ZIP")
    assert root.file_name == root_name
    assert root.size == len(archive)
    assert root.sha256 == sha256(archive)
    assert root.unpacking_status is assay.UnpackingStatus.COMPLETE
    children = {o.file_path.split("/", 1)[1]: o for o in objects[1:]}
    assert set(children) == set(MEMBERS)
    for name, data in MEMBERS.items():
        child = children[name]
        assert (child.parent, child.depth, child.size) == (0, 1, len(data))
        assert child.sha256 == sha256(data)
        assert child.file_name == os.path.basename(name)


def test_bytes(engine):
    report = engine.scan(TEXT, name="fox.txt")
    assert report.status is assay.Status.OK and not report.limit_reached
    [root] = report.objects
    assert root.file_name == "fox.txt" and root.file_type == "Text"
    assert root.sha256 == sha256(TEXT) and root.size == len(TEXT)
    assert root.unpacking_status is assay.UnpackingStatus.NOT_A_CONTAINER
    assert report.verdict is assay.Verdict.UNKNOWN


def test_empty_bytes(engine):
    report = engine.scan(b"")
    [root] = report.objects
    assert root.size == 0 and root.sha256 == sha256(b"") and root.file_name == ""


def test_zip_bytes_and_buffers(engine):
    archive = make_zip(MEMBERS)
    check_zip_report(engine.scan(archive, name="m.zip"), "m.zip", archive)
    check_zip_report(engine.scan(bytearray(archive), name="m.zip"), "m.zip", archive)
    check_zip_report(engine.scan(memoryview(archive), name="m.zip"), "m.zip", archive)  # read-only view
    mutable = bytearray(archive)
    check_zip_report(engine.scan(memoryview(mutable), name="m.zip"), "m.zip", archive)
    mutable.append(0)  # the buffer export taken for the scan is released afterwards


def test_path(engine, tmp_path):
    archive = make_zip(MEMBERS)
    path = tmp_path / "sample.zip"
    path.write_bytes(archive)
    check_zip_report(engine.scan(path), "sample.zip", archive)  # os.PathLike
    check_zip_report(engine.scan(str(path)), "sample.zip", archive)


def test_regular_file_object(engine, tmp_path):
    archive = make_zip(MEMBERS)
    path = tmp_path / "f.zip"
    path.write_bytes(archive)
    with open(path, "rb") as stream:
        stream.read(10)  # the whole file is scanned, whatever the position
        check_zip_report(engine.scan(stream), "f.zip", archive)
    with open(path, "rb") as stream:
        check_zip_report(engine.scan(stream, name="given.zip"), "given.zip", archive)


def test_unflushed_writable_file_is_flushed(engine, tmp_path):
    with open(tmp_path / "w.bin", "w+b") as stream:
        stream.write(TEXT)  # still in Python's buffer
        assert engine.scan(stream).objects[0].sha256 == sha256(TEXT)


def test_bytesio_stream(engine):
    archive = make_zip(MEMBERS)
    check_zip_report(engine.scan(io.BytesIO(archive), name="s.zip"), "s.zip", archive)
    assert engine.scan(io.BytesIO(archive)).objects[0].file_name == ""


def test_pipe_stream(engine):
    """A pipe is read through the file object (not mapped), bytes already buffered by Python included."""
    archive = make_zip(MEMBERS)
    read_fd, write_fd = os.pipe()

    def feed():
        with os.fdopen(write_fd, "wb") as writer:
            writer.write(archive)

    feeder = threading.Thread(target=feed)
    feeder.start()
    with os.fdopen(read_fd, "rb") as reader:
        assert reader.peek(1)  # Python now holds bytes the descriptor will not return again
        report = engine.scan(reader, name="piped.zip")
    feeder.join()
    check_zip_report(report, "piped.zip", archive)


def test_stream_larger_than_max_object_bytes(tmp_path):
    with assay.Engine(max_object_bytes=1000) as small:
        with pytest.raises(assay.TooLargeError) as caught:
            small.scan(io.BytesIO(b"x" * 1001))
        assert caught.value.status == -5
        assert small.scan(io.BytesIO(b"x" * 1000)).objects[0].size == 1000


def test_text_mode_stream_refused(engine):
    with pytest.raises(TypeError):
        engine.scan(io.StringIO("text"))


def test_unscannable_type(engine):
    with pytest.raises(TypeError):
        engine.scan(12345)


def test_on_object_callback_sees_every_object(engine):
    archive = make_zip(MEMBERS)
    seen = []
    report = engine.scan(archive, on_object=lambda info: seen.append(info) and None)
    assert [o.index for o in seen] == [o.index for o in report.objects]
    assert [o.sha256 for o in seen] == [o.sha256 for o in report.objects]


def test_on_object_abort(engine):
    archive = make_zip(MEMBERS)
    report = engine.scan(archive, on_object=lambda info: info.index < 1)  # False at the first child
    assert report.status is assay.Status.ABORTED
    assert len(report) < 1 + len(MEMBERS)


def test_on_object_exception_is_raised(engine):
    class Boom(Exception):
        pass

    def explode(info):
        raise Boom(info.index)

    with pytest.raises(Boom):
        engine.scan(make_zip(MEMBERS), on_object=explode)
    assert engine.scan(TEXT).status is assay.Status.OK  # the pooled scanner's callback was removed


def test_save_and_load(engine):
    report = engine.scan(make_zip(MEMBERS), name="saved.zip")
    restored = engine.load_report(report.save())
    assert restored.json(report_type="large") == report.json(report_type="large")
    assert restored.objects == report.objects


def test_report_outlives_engine():
    with assay.Engine() as e:
        report = e.scan(make_zip(MEMBERS))
    assert e.closed
    assert len(report.objects) == 1 + len(MEMBERS)
    assert report.json(report_type="small").startswith("[")


def test_option_bounds_and_version():
    low, high, default = assay.option_bounds("max_depth")
    assert low <= default <= high
    assert assay.version().count(".") == 2
    with pytest.raises(KeyError):
        assay.option_bounds("nonsense")


def test_passwords(tmp_path):
    """An encrypted zip written by Info-ZIP's `zip -P`: opened only with the right password in the list."""
    secret = b"top secret payload\n"
    (tmp_path / "secret.txt").write_bytes(secret)
    subprocess.run(["zip", "-q", "-P", "s3cret", "enc.zip", "secret.txt"], cwd=tmp_path, check=True)
    archive = tmp_path / "enc.zip"
    for passwords, opened in ((None, False), (["s3cret"], True), (["wrong", "s3cret"], True), ([], False)):
        with assay.Engine(passwords=passwords) as engine:
            report = engine.scan(archive)
        objects = report.objects
        if opened:
            assert [o.sha256 for o in objects[1:]] == [sha256(secret)], passwords
            assert objects[0].unpacking_status is assay.UnpackingStatus.COMPLETE
        else:
            assert len(objects) == 1 and objects[0].unpacking_status is assay.UnpackingStatus.PARTIAL, passwords
            assert "encrypted" in report.json(report_type="large")
