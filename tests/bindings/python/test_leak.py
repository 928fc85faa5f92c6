"""10,000 scans in a loop keep the process's resident memory flat: reports, render options and scanners
are all freed (by close(), by `with`, and by garbage collection)."""
import os

import assay
from conftest import EICAR, make_zip

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1 << 20


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def one_scan(engine, archive, index):
    report = engine.scan(archive, name=f"n{index}.zip")
    assert report.verdict is assay.Verdict.MALICIOUS
    if index % 4 == 0:
        assert len(report.objects) == 3
    if index % 4 == 1:
        assert report.json(report_type="small", include_fields=["info.file.size"])
    if index % 4 == 2:
        with report:  # freed explicitly, not by the garbage collector
            report.save()


def test_ten_thousand_scans_flat_memory(rules_engine):
    archive = make_zip({"eicar.com": EICAR, "a.txt": b"small member\n"})
    for i in range(1000):  # warm-up: allocator arenas, caches, the scanner pool
        one_scan(rules_engine, archive, i)
    before = rss_bytes()
    for i in range(10_000):
        one_scan(rules_engine, archive, i)
    growth = rss_bytes() - before
    assert growth < 3 * MIB, f"resident memory grew by {growth / MIB:.2f} MiB over 10,000 scans"


def test_engines_made_and_closed_flat_memory(rules_dir):
    def cycle():
        with assay.Engine(rules=rules_dir) as engine:
            engine.scan(b"x").close()
    for _ in range(20):
        cycle()
    before = rss_bytes()
    for _ in range(200):
        cycle()
    growth = rss_bytes() - before
    assert growth < 3 * MIB, f"resident memory grew by {growth / MIB:.2f} MiB over 200 engines"
