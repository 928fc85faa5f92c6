"""One Engine shared by 8 threads: every scan's report is its own and correct; close() under load is safe."""
import io
import threading
import time

import assay
from conftest import EICAR, make_zip, sha256

THREADS = 8
ROUNDS = 100


def payload(worker):
    """A zip unique to each worker; odd workers hide EICAR in it."""
    members = {f"w{worker}.txt": f"worker {worker}\n".encode() * (worker + 1)}
    if worker % 2:
        members["eicar.com"] = EICAR
    return make_zip(members), members


def test_eight_threads_independent_results(rules_engine, tmp_path):
    barrier = threading.Barrier(THREADS)
    failures = []
    completed = [0] * THREADS

    def work(worker):
        archive, members = payload(worker)
        path = tmp_path / f"w{worker}.zip"
        path.write_bytes(archive)
        expected_members = {sha256(data) for data in members.values()}
        expected_verdict = assay.Verdict.MALICIOUS if worker % 2 else assay.Verdict.UNKNOWN
        sources = [lambda: archive, lambda: path, lambda: io.BytesIO(archive), lambda: open(path, "rb")]
        try:
            barrier.wait()
            for round_ in range(ROUNDS):
                source = sources[round_ % len(sources)]()
                report = rules_engine.scan(source, name=f"w{worker}.zip")
                if hasattr(source, "close"):
                    source.close()
                objects = report.objects
                assert objects[0].sha256 == sha256(archive), "another thread's root"
                assert objects[0].file_name == f"w{worker}.zip"
                assert {o.sha256 for o in objects[1:]} == expected_members
                assert report.verdict is expected_verdict
                assert report.status is assay.Status.OK
                completed[worker] += 1
        except BaseException as error:  # reported by the main thread
            failures.append((worker, error))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert completed == [ROUNDS] * THREADS


def test_close_while_scanning():
    """Threads scanning in a loop while the engine is closed: each scan either completes with a correct
    report or raises ClosedError; nothing crashes, nothing hangs."""
    engine = assay.Engine()
    started = threading.Barrier(THREADS + 1)
    outcomes = []

    def work(worker):
        data = f"thread {worker}\n".encode() * 1000
        done = 0
        started.wait()
        try:
            while True:
                report = engine.scan(data)
                assert report.objects[0].sha256 == sha256(data)
                done += 1
        except assay.ClosedError:
            outcomes.append(("closed", done))
        except BaseException as error:
            outcomes.append(("error", repr(error)))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    started.wait()
    threading.Event().wait(0.1)  # let the scans get going
    engine.close()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads)
    assert sorted(kind for kind, _ in outcomes) == ["closed"] * THREADS, outcomes
    assert sum(done for _, done in outcomes) > 0


def test_gil_is_released_during_a_scan(engine):
    """A pure-Python thread keeps running while another thread is inside a long scan. With the GIL held
    for the C call it would get at most one switch interval (5 ms) of a ~100+ ms scan."""
    big = bytes(range(256)) * (256 * 1024)  # 64 MiB: hashing alone takes well over 100 ms
    counter = [0]
    running = threading.Event()
    stop = threading.Event()

    def spin():
        running.set()
        while not stop.is_set():
            counter[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    running.wait()
    try:
        start_count, start = counter[0], time.perf_counter()
        time.sleep(0.1)  # the spinner alone (sleeping releases the GIL): its rate
        alone_rate = (counter[0] - start_count) / (time.perf_counter() - start)
        start_count, start = counter[0], time.perf_counter()
        report = engine.scan(big)
        scan_seconds = time.perf_counter() - start
        during_rate = (counter[0] - start_count) / scan_seconds
    finally:
        stop.set()
        spinner.join()
    assert report.objects[0].size == len(big)
    assert scan_seconds > 0.05, f"the scan took only {scan_seconds:.3f} s: too short to judge"
    assert during_rate > 0.15 * alone_rate, (
        f"the other thread ran at {during_rate:.0f}/s during the scan vs {alone_rate:.0f}/s alone")
