#!/usr/bin/env python3
"""Local retro hunting: its throughput beside `yara -p 1` over the same stored files, and what a hunt
does to live upload latency.

    python3 bench/retro_bench.py [--worker build/server/assay-worker] [--rules DIR] [--runs 5]

Rules: RULES (a folder of .yar files) or, without it, the 4,000-rule synthetic set of make_rules.py
(shaped like signature-base). Both tools load the same precompiled file (yarac, with Assay's external
variables defined), so compile time is out of the comparison.

Corpora, each stored by a Worker of its own (sample_store on, the files uploaded over HTTP):
  big:   about 100 MB of real executables and libraries from /usr/bin and /usr/lib (nothing to
         unpack, so both tools scan the same bytes);
  small: 2,000 small text files (the per-sample cost).
Throughput: the Worker runs with one hunt thread and the whole process pinned to core 0 (taskset),
and `yara -p 1 -C -r RULES <data>/samples` scans the store's folder pinned to the same core. Each is
run once to warm the page cache, then --runs times, hunt and yara alternately; the figures are
medians. yara runs under SCHED_IDLE (chrt --idle) like the hunt threads, so that other load on the
machine treats both alike. Wall: a hunt's is the Worker's own (stopped - started of the hunt's
status, milliseconds), yara's its run time. CPU: the Worker process's user + system time over the
hunt (every thread: hunt, HTTP, the status polls), yara's rusage. MB/s counts the stored bytes (the
store deduplicates). Target: hunt >= 0.9 x yara's speed on big, by wall time and by CPU time.

Latency: the big Worker restarted with the default hunt threads (one per core) and no pinning; 60
small unique files uploaded one after another, each timed from the start of its upload to the
processed time the Worker stored (milliseconds, read from its store): without a hunt, then while
hunts run back to back. Target:
the median with a hunt at most 2 x the median without.

Exit status 0 when both targets are met, 1 when one is missed, 2 when the benchmark could not run.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "server"))
import worker_harness  # noqa: E402  (the HTTP test harness: starts the Worker, uploads, polls)

LOCAL = "/api/uploads/local-retro-hunt/"
EXTERNALS = ["filename", "filepath", "extension", "filetype", "filesubtype", "owner"]


def compile_rules(rules_dir, out):
    sources = sorted(os.path.join(d, n) for d, _, names in os.walk(rules_dir) for n in names
                     if n.endswith((".yar", ".yara")))
    args = ["yarac"]
    for e in EXTERNALS:
        args += ["-d", e + "="]
    args += ["%s:%s" % (os.path.splitext(os.path.basename(s))[0], s) for s in sources] + [out]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    count = 0
    for s in sources:
        with open(s, errors="replace") as f:
            count += sum(1 for line in f if line.lstrip().startswith(("rule ", "private rule ", "global rule ")))
    return count, len(sources)


def big_corpus(limit=100_000_000):
    files, total = [], 0
    for folder in ("/usr/bin", "/usr/lib/x86_64-linux-gnu"):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            size = os.path.getsize(path)
            if not 20_000 < size < 8_000_000:
                continue
            if total + size > limit:
                return files
            files.append(path)
            total += size
    return files


def small_corpus(folder):
    import random
    rng = random.Random(3)
    words = "the quick brown fox jumps over a lazy dog while mail gateways scan every attachment".split()
    os.makedirs(folder)
    for i in range(2000):
        with open(os.path.join(folder, "note%04d.txt" % i), "w") as f:
            f.write(" ".join(rng.choice(words) for _ in range(90)) + " %d\n" % i)
    return [os.path.join(folder, n) for n in sorted(os.listdir(folder))]


class BenchWorker(worker_harness.Worker):
    """The test harness's Worker, optionally pinned to cores with taskset."""

    def __init__(self, config, data_dir, pin=None):
        super().__init__(config, data_dir=data_dir)
        self.pin = pin

    def start(self, timeout=120):
        if self.pin is None:
            return super().start(timeout)
        real = worker_harness.WORKER
        wrapper = os.path.join(self.tmp, "pinned-worker")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec taskset -c %s %s \"$@\"\n" % (self.pin, real))
        os.chmod(wrapper, 0o755)
        worker_harness.WORKER = wrapper
        try:
            return super().start(timeout)
        finally:
            worker_harness.WORKER = real


def upload_files(w, paths):
    def one(path):
        with open(path, "rb") as f:
            return w.upload_ok(f.read(), os.path.basename(path))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(one, paths))
    while not all(t["processed"] for t in w.request("GET", "/api/tiscale/v1/task").json()):
        time.sleep(0.2)
    return ids


def store_bytes(data_dir):
    root = os.path.join(data_dir, "samples")
    total = count = 0
    for d, _, names in os.walk(root):
        for n in names:
            total += os.path.getsize(os.path.join(d, n))
            count += 1
    return total, count


def operation(w, value):
    body, content_type = worker_harness.multipart([("operation", value.encode(), None)])
    return w.request("POST", LOCAL, body, {"Content-Type": content_type})


def status(w):
    return w.request("GET", LOCAL).json()["status"]


def iso_ms(text):
    from datetime import datetime
    return datetime.fromisoformat(text).timestamp() * 1000.0


def process_cpu(pid):
    """User + system CPU seconds of a process so far (every thread)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hunt_once(w):
    """(wall seconds by the hunt's own times, CPU seconds of the Worker meanwhile)."""
    cpu = process_cpu(w.proc.pid)
    r = operation(w, "START")
    assert r.status == 200, r
    while True:
        s = status(w)
        if s["state"] in ("COMPLETED", "STOPPED"):
            assert s["state"] == "COMPLETED" and s["processed"] == s["samples"], s
            return (iso_ms(s["stopped"]) - iso_ms(s["started"])) / 1000.0, process_cpu(w.proc.pid) - cpu
        time.sleep(0.05)  # the Worker times the hunt; polling only has to notice the end


def yara_once(rules, folder, pin):
    """(wall seconds, CPU seconds). Run under SCHED_IDLE like the hunt threads, so that other load on
    the machine treats both alike."""
    cmd = ["chrt", "--idle", "0"] + (["taskset", "-c", pin] if pin else []) + ["yara", "-p", "1", "-C", "-r", rules,
                                                                              folder]
    before = os.times()
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def live_latency(w, count, seed):
    """Upload-to-processed milliseconds of `count` small unique uploads, one after another: from the
    client starting the upload to the `processed_ms` the Worker stored for the task (read from its
    store afterwards, so the 1 ms polling between uploads does not round the figures)."""
    started = {}
    for i in range(count):
        data = ("live upload %d %d " % (seed, i)).encode() * 100
        t0 = time.time() * 1000.0
        task = w.upload_ok(data, "live.txt")
        started[task] = t0
        while not w.task(task).json()["processed"]:
            time.sleep(0.001)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(w.data_dir, "assay.sqlite"), uri=True)
    try:
        marks = ",".join(str(t) for t in started)
        rows = db.execute("SELECT id, processed_ms FROM tasks WHERE id IN (%s)" % marks).fetchall()
    finally:
        db.close()
    return [processed - started[task] for task, processed in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", default=os.path.join(REPO, "build", "server", "assay-worker"))
    parser.add_argument("--rules", help="a folder of .yar files (default: make_rules.py's 4,000 rules)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for tool in ("yara", "yarac", "taskset"):
        if shutil.which(tool) is None:
            print("needs %s" % tool, file=sys.stderr)
            return 2
    if not os.access(args.worker, os.X_OK):
        print("no Worker at %s: build first or pass --worker" % args.worker, file=sys.stderr)
        return 2
    worker_harness.WORKER = os.path.abspath(args.worker)
    work = tempfile.mkdtemp(prefix="assay-retro-bench-")
    try:
        rules_dir = args.rules
        if rules_dir is None:
            rules_dir = os.path.join(work, "rules")
            subprocess.run([sys.executable, os.path.join(REPO, "bench", "make_rules.py"), rules_dir, "4000", "20"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        compiled = os.path.join(work, "rules.yarc")
        rule_count, file_count = compile_rules(rules_dir, compiled)
        print("rules: %d in %d files (%s), precompiled for both" % (rule_count, file_count, rules_dir))
        print("hunt: 1 thread, Worker pinned to core 0; yara -p 1 pinned to core 0; medians of %d runs" % args.runs)
        config = {"rules": [compiled], "sample_store": {"enabled": True, "max_bytes": 1 << 34},
                  "analysis_threads": 2, "log_requests": False, "retro_hunt": {"threads": 1}}
        ratios = {}
        big_data = None
        for name, paths in (("big", big_corpus()), ("small", small_corpus(os.path.join(work, "small-src")))):
            data_dir = os.path.join(work, name + "-data")
            folder = os.path.join(data_dir, "samples")
            w = BenchWorker(config, data_dir, pin="0").start()
            try:
                upload_files(w, paths)
                stored, count = store_bytes(data_dir)
                hunt_once(w)  # warm-up
                yara_once(compiled, folder, "0")
                # Alternated, so that whatever else the machine does falls on both alike.
                hunts, yaras = [], []
                for _ in range(args.runs):
                    hunts.append(hunt_once(w))
                    yaras.append(yara_once(compiled, folder, "0"))
            finally:
                w.stop()
                shutil.rmtree(w.tmp, ignore_errors=True)
            t_hunt, t_yara = statistics.median(h[0] for h in hunts), statistics.median(y[0] for y in yaras)
            c_hunt, c_yara = statistics.median(h[1] for h in hunts), statistics.median(y[1] for y in yaras)
            mb = stored / 1e6
            ratios[name] = (t_yara / t_hunt, c_yara / c_hunt)
            print("%-5s %5d samples %8.1f MB | wall: hunt %6.3f s %7.1f MB/s, yara -p 1 %6.3f s %7.1f MB/s, "
                  "hunt/yara speed %.2f | CPU: hunt %6.3f s %7.1f MB/s, yara %6.3f s %7.1f MB/s, hunt/yara %.2f | "
                  "per sample (wall): hunt %.1f us, yara %.1f us" %
                  (name, count, mb, t_hunt, mb / t_hunt, t_yara, mb / t_yara, ratios[name][0], c_hunt, mb / c_hunt,
                   c_yara, mb / c_yara, ratios[name][1], t_hunt * 1e6 / count, t_yara * 1e6 / count))
            if name == "big":
                big_data = data_dir

        # Live latency, with the default hunt threads and no pinning.
        live = dict(config, retro_hunt={})
        w = BenchWorker(live, big_data).start()
        try:
            live_latency(w, 5, 0)  # warm-up
            quiet = live_latency(w, 60, 1)
            stop = threading.Event()
            hunted = [0]

            def keep_hunting():
                while not stop.is_set():
                    s = status(w)
                    if s is None or s["state"] in ("COMPLETED", "STOPPED"):
                        if s is not None:
                            hunted[0] += s["processed"]
                        operation(w, "START")
                    time.sleep(0.02)
                operation(w, "STOP")
                hunted[0] += status(w)["processed"]

            hunter = threading.Thread(target=keep_hunting)
            hunter.start()
            time.sleep(0.3)
            busy = live_latency(w, 60, 2)
            stop.set()
            hunter.join()
        finally:
            w.stop()
            shutil.rmtree(w.tmp, ignore_errors=True)
        q50, b50 = statistics.median(quiet), statistics.median(busy)
        q90 = sorted(quiet)[int(0.9 * (len(quiet) - 1))]
        b90 = sorted(busy)[int(0.9 * (len(busy) - 1))]
        print("live upload->processed latency (60 uploads each): without a hunt p50 %.1f ms p90 %.1f ms | "
              "during hunts p50 %.1f ms p90 %.1f ms (x%.2f at p50; %d samples hunted meanwhile, %d cores)" %
              (q50, q90, b50, b90, b50 / q50, hunted[0], os.cpu_count()))
        speed = min(ratios["big"])
        met = speed >= 0.9 and b50 <= 2 * q50
        print("targets: hunt >= 0.9 x yara on big (wall and CPU): %s; latency during a hunt <= 2 x: %s" %
              ("met" if speed >= 0.9 else "MISSED", "met" if b50 <= 2 * q50 else "MISSED"))
        return 0 if met else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
