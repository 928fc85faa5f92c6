#!/usr/bin/env python3
"""Uploads per second through the Hub (HAProxy, deploy/haproxy_config.py) with 1, 2 and 3 Workers.

    python3 bench/hub_bench.py [--worker BIN] [--samples DIR] [--clients N] [--duration S]

Each Worker is pinned to its own core where the machine has enough (taskset; on a 2-core machine
Workers share cores, which the output says). Clients (processes, one keep-alive connection each)
upload small documents through the Hub in closed loops for a fixed time; reported are accepted
uploads/s and tasks processed/s (read from the Workers' stores once every accepted task is done,
over the time from the first upload to the last processed). The load generator runs on the same
machine, so on a small machine it takes cores from the Workers: the scaling shown is a floor.
"""
import importlib.util
import json
import multiprocessing
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import http.client

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
spec = importlib.util.spec_from_file_location("haproxy_config", os.path.join(REPO, "deploy", "haproxy_config.py"))
haproxy_config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(haproxy_config)
sys.path.insert(0, os.path.dirname(__file__))
from worker_load import corpus, load_arguments, upload_request  # noqa: E402  the same small documents and requests as the Worker load benchmark


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port, path, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("nothing answers on port %d" % port)


def client(port, files, offset, deadline, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    boundary = "----hub" + uuid.uuid4().hex
    ok = errors = full = 0
    i = offset
    while time.time() < deadline:
        name, data = files[i % len(files)]
        i += 1
        body, headers = upload_request(boundary, name, data)
        try:
            conn.request("POST", "/api/tiscale/v1/upload", body, headers)
            r = conn.getresponse()
            r.read()
            ok += r.status == 200
            full += r.status == 503  # every Worker's queue full (or paused): back-pressure, not failure
            errors += r.status not in (200, 503)
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out.put((ok, errors, full))


def run(binary, files, workers, clients, duration, cores):
    tmp = tempfile.mkdtemp(prefix="assay-hub-bench-")
    procs = []
    try:
        members = []
        for k in range(1, workers + 1):
            port = free_port()
            data = os.path.join(tmp, "w%d" % k)
            os.makedirs(data)
            with open(os.path.join(data, "config.json"), "w") as f:
                json.dump({"task_id_start": haproxy_config.task_id_start(k), "public_url": "http://127.0.0.1:%d" % port,
                           "analysis_threads": 1, "http_threads": 16, "log_requests": False}, f)
            pin = ["taskset", "-c", str((k - 1) % cores)] if shutil.which("taskset") else []
            procs.append(subprocess.Popen(pin + [binary, "--config", os.path.join(data, "config.json"), "--listen",
                                                 "127.0.0.1:%d" % port, "--data-dir", os.path.join(data, "store")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            members.append(("w%d" % k, port, os.path.join(data, "store", "assay.sqlite")))
        for _, port, _ in members:
            wait_http(port, "/srv/tiscale/v1/available")
        hub = free_port()
        cfg = os.path.join(tmp, "hub.cfg")
        with open(cfg, "w") as f:
            f.write(haproxy_config.render("127.0.0.1:%d" % hub, [(n, "127.0.0.1:%d" % p) for n, p, _ in members],
                                          500, 1, 2, 256 * 1024, "", 60))
        procs.append(subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(hub, "/srv/tiscale/v1/available")
        time.sleep(1.5)
        queue = multiprocessing.Queue()
        started = time.time()
        deadline = started + duration
        pool = [multiprocessing.Process(target=client, args=(hub, files, k * 7, deadline, queue)) for k in range(clients)]
        for p in pool:
            p.start()
        results = [queue.get() for _ in pool]
        for p in pool:
            p.join()
        accepted = sum(r[0] for r in results)
        errors = sum(r[1] for r in results)
        refused = sum(r[2] for r in results)
        # Wait for every accepted task, then read when the last one finished.
        last_ms = 0
        done = 0
        wait_until = time.time() + 300
        while time.time() < wait_until:
            done, last_ms = 0, 0
            for _, _, db in members:
                c = sqlite3.connect(db)
                n, last = c.execute("SELECT count(*), max(processed_ms) FROM tasks WHERE state IN ('done','failed')").fetchone()
                c.close()
                done += n
                last_ms = max(last_ms, last or 0)
            if done >= accepted:
                break
            time.sleep(0.2)
        processed_seconds = max(last_ms / 1000.0 - started, duration)
        return {"accepted": accepted, "errors": errors, "refused": refused, "uploads_per_s": accepted / duration,
                "processed_per_s": done / processed_seconds}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    args = load_arguments(__doc__).parse_args()
    if not shutil.which("haproxy"):
        print("haproxy is not installed (apt-get install haproxy)", file=sys.stderr)
        return 2
    files = corpus(args.samples)
    cores = os.cpu_count() or 1
    print("%d files under 100 KB, %d clients, %.0f s per run, %d cores%s" % (
        len(files), args.clients, args.duration, cores,
        "" if cores >= 3 else " (fewer cores than Workers: they share cores, and the clients run here too)"))
    base = None
    for n in (1, 2, 3):
        r = run(args.worker, files, n, args.clients, args.duration, cores)
        base = base or r["processed_per_s"]
        print("%d Worker(s): %6.0f uploads/s accepted, %6.0f files/s processed (x%.2f of one), %d refused with 503 "
              "(queues full), %d errors" % (n, r["uploads_per_s"], r["processed_per_s"], r["processed_per_s"] / base,
                                           r["refused"], r["errors"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
