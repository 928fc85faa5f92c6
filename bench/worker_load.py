#!/usr/bin/env python3
"""Load benchmark of assay-worker on loopback, beside clamd INSTREAM on the same files.

    python3 bench/worker_load.py [--worker BIN] [--samples DIR] [--clients N] [--duration S]
                                 [--no-clamd] [--protocol-floor]

N concurrent clients (processes, one keep-alive connection each) run closed loops for a fixed time:
upload one small document (multipart POST /api/tiscale/v1/upload), then poll its task every
millisecond or two until it is processed, then the next. Reported: uploads/s (accepted uploads per
second of the run), files/s (tasks processed per second), and the upload-to-processed latency
p50/p99: from the client starting the upload to the `processed` time the Worker stored (its
milliseconds, read from the task store after the run; both clocks are this machine's), and the CPU
time per file of the server and of the clients. --protocol-floor repeats both runs on 15-byte files:
the cost of each protocol by itself.

The reference is clamd on the same files with the same number of clients: one INSTREAM per file
over clamd's local socket, waiting for the verdict. clamd has no signatures here (no network for
freshclam), so it runs on a one-line database of our own (the EICAR MD5): its parsers, unpackers and
scan loop still run on every file. clamav-daemon is installed with apt-get when missing (as root),
or the reference is skipped with a message.

Files: every file under 100 KB in the corpus's src, formats, nested, edge, corrupt and encrypted
folders (samples/generate.sh). Targets: Worker files/s >= 2 x clamd files/s, and p99 < 50 ms.
Exit status 0 when both are met, 1 when one is missed, 2 when the benchmark could not run.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MAX_SIZE = 100 * 1000
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def corpus(samples):
    files = []
    for folder in ("src", "formats", "nested", "edge", "corrupt", "encrypted"):
        for dirpath, _, names in os.walk(os.path.join(samples, folder)):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                if os.path.isfile(path) and os.path.getsize(path) < MAX_SIZE:
                    with open(path, "rb") as f:
                        files.append((name, f.read()))
    return files


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def process_cpu_seconds(pid):
    """user + system CPU seconds a live process has used so far (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    """user + system CPU seconds of this process's waited-for children so far."""
    t = os.times()
    return t.children_user + t.children_system


def run_clients(target, args, clients, duration, server_pid=None):
    """Runs `clients` closed-loop clients as processes (no shared interpreter lock between them) for
    `duration` seconds; returns their results, the wall time, and the CPU seconds the server (when
    `server_pid` is given) and the clients used meanwhile."""
    queue = multiprocessing.Queue()

    def client(k, deadline):
        results = []
        target(*args, k * 7, deadline, results)
        queue.put(results)

    server_before = process_cpu_seconds(server_pid) if server_pid else 0.0
    clients_before = children_cpu_seconds()
    start = time.time()
    deadline = start + duration
    procs = [multiprocessing.Process(target=client, args=(k, deadline)) for k in range(clients)]
    for p in procs:
        p.start()
    results = []
    for _ in procs:
        results.extend(queue.get())
    for p in procs:
        p.join()
    seconds = time.time() - start
    server_cpu = process_cpu_seconds(server_pid) - server_before if server_pid else float("nan")
    return results, seconds, server_cpu, children_cpu_seconds() - clients_before


# --- the Worker ---------------------------------------------------------------------------------
def start_worker(binary, tmp):
    config = os.path.join(tmp, "worker.json")
    with open(config, "w") as f:
        json.dump({"analysis_threads": os.cpu_count() or 2, "http_threads": 64}, f)
    log = open(os.path.join(tmp, "worker.log"), "wb")
    proc = subprocess.Popen([binary, "--config", config, "--listen", "127.0.0.1:0", "--data-dir",
                             os.path.join(tmp, "data")], stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(log.name, "rb") as f:
            m = re.search(rb"listening on http://127\.0\.0\.1:(\d+) ", f.read())
        if m:
            return proc, int(m.group(1)), log
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("assay-worker did not start; see " + log.name)


def upload_request(boundary, name, data):
    """(body, headers) of a multipart POST /api/tiscale/v1/upload of `data` named `name`."""
    body = (b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="file"; filename="' +
            name.encode() + b'"\r\n\r\n' + data + b"\r\n--" + boundary.encode() + b"--\r\n")
    return body, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def worker_client(port, files, offset, deadline, results):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    boundary = "----bench" + uuid.uuid4().hex
    i = offset
    while time.time() < deadline:
        name, data = files[i % len(files)]
        i += 1
        body, headers = upload_request(boundary, name, data)
        sent = time.time()
        conn.request("POST", "/api/tiscale/v1/upload", body, headers)
        r = conn.getresponse()
        answer = r.read()
        if r.status != 200:
            results.append(("error", r.status, answer))
            continue
        task = int(json.loads(answer)["task_url"].rsplit("/", 1)[1])
        accepted = time.time()
        ok = True
        while True:
            # Small sleeps between polls: latency is taken from the Worker's own processed time, so
            # polling only has to notice completion, not time it; each poll asks for a minimal render.
            time.sleep(0.001)
            conn.request("GET", "/api/tiscale/v1/task/%d?include_fields=%%5B%%22index%%22%%5D" % task)
            r = conn.getresponse()
            doc = json.loads(r.read())
            if r.status != 200:
                results.append(("error", r.status, json.dumps(doc).encode()))
                ok = False
                break
            if doc.get("processed"):
                break
        if ok:
            results.append(("ok", task, sent, accepted))
    conn.close()


def run_worker(binary, files, clients, duration):
    tmp = tempfile.mkdtemp(prefix="assay-worker-bench-")
    proc, port, log = start_worker(binary, tmp)
    try:
        # Warm-up: one pass over the files, not measured.
        warm = []
        worker_client(port, files, 0, time.time() + 1.0, warm)
        results, seconds, server_cpu, client_cpu = run_clients(worker_client, (port, files), clients, duration, proc.pid)
        errors = [r for r in results if r[0] == "error"]
        done = [r for r in results if r[0] == "ok"]
        db = sqlite3.connect(os.path.join(tmp, "data", "assay.sqlite"))
        processed = dict(db.execute("SELECT id, processed_ms FROM tasks WHERE state = 'done'").fetchall())
        failed = db.execute("SELECT count(*) FROM tasks WHERE state = 'failed'").fetchone()[0]
        db.close()
        latencies = [processed[task] - sent * 1000.0 for _, task, sent, _ in done if task in processed]
        return {"uploads": len(done), "seconds": seconds, "errors": len(errors), "failed": failed,
                "uploads_per_s": len(done) / seconds, "files_per_s": len(latencies) / seconds,
                "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                "server_us": server_cpu / max(len(done), 1) * 1e6, "client_us": client_cpu / max(len(done), 1) * 1e6}
    finally:
        proc.terminate()
        proc.wait(60)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


# --- clamd --------------------------------------------------------------------------------------
def find_clamd():
    path = shutil.which("clamd") or ("/usr/sbin/clamd" if os.path.exists("/usr/sbin/clamd") else None)
    if path or os.geteuid() != 0:
        return path
    print("installing clamav-daemon with apt-get (for the reference run) ...", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "clamav-daemon"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which("clamd") or ("/usr/sbin/clamd" if os.path.exists("/usr/sbin/clamd") else None)


def start_clamd(binary, tmp, cache=True):
    db = os.path.join(tmp, "db")
    os.makedirs(db)
    import hashlib
    with open(os.path.join(db, "bench.hdb"), "w") as f:
        f.write("%s:%d:Bench.EICAR.Test\n" % (hashlib.md5(EICAR).hexdigest(), len(EICAR)))
    sock = os.path.join(tmp, "clamd.sock")
    conf = os.path.join(tmp, "clamd.conf")
    with open(conf, "w") as f:
        f.write("LocalSocket %s\nDatabaseDirectory %s\nForeground yes\nTemporaryDirectory %s\n"
                "PidFile %s\nMaxThreads %d\nLogTime no\nLogFile %s\n%s"
                % (sock, db, tmp, os.path.join(tmp, "clamd.pid"), 12, os.path.join(tmp, "clamd.log"),
                   "" if cache else "DisableCache yes\n"))
    proc = subprocess.Popen([binary, "--config-file=" + conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        if os.path.exists(sock):
            try:
                if clamd_command(sock, b"zPING\0") == b"PONG":
                    return proc, sock
            except OSError:
                pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("clamd did not start (see %s)" % os.path.join(tmp, "clamd.log"))


def clamd_command(sock_path, command, payload=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock_path)
        s.sendall(command)
        if payload is not None:
            for i in range(0, len(payload), 65536):
                chunk = payload[i:i + 65536]
                s.sendall(struct.pack("!I", len(chunk)) + chunk)
            s.sendall(struct.pack("!I", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            more = s.recv(4096)
            if not more:
                break
            reply += more
        return reply.rstrip(b"\0")
    finally:
        s.close()


def clamd_client(sock, files, offset, deadline, results):
    i = offset
    while time.time() < deadline:
        _, data = files[i % len(files)]
        i += 1
        sent = time.time()
        reply = clamd_command(sock, b"zINSTREAM\0", data)
        results.append((reply, (time.time() - sent) * 1000.0))


def run_clamd(binary, files, clients, duration, cache=True):
    tmp = tempfile.mkdtemp(prefix="assay-clamd-bench-")
    proc, sock = start_clamd(binary, tmp, cache)
    try:
        warm = []
        clamd_client(sock, files, 0, time.time() + 1.0, warm)
        results, seconds, server_cpu, client_cpu = run_clients(clamd_client, (sock, files), clients, duration, proc.pid)
        errors = sum(1 for reply, _ in results if not (reply.endswith(b"OK") or reply.endswith(b"FOUND")))
        latencies = [ms for _, ms in results]
        return {"files": len(results), "seconds": seconds, "errors": errors, "files_per_s": len(results) / seconds,
                "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                "server_us": server_cpu / max(len(results), 1) * 1e6, "client_us": client_cpu / max(len(results), 1) * 1e6}
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def engine_alone(cli, files, tmp_root=None):
    """files/s of `assay scan -j <cores>` on the same files (written out, 20 copies of the list): the
    engine's own ceiling on this machine, with no HTTP, queue or store around it."""
    if not cli or not os.access(cli, os.X_OK):
        return None
    tmp = tempfile.mkdtemp(prefix="assay-engine-bench-", dir=tmp_root)
    try:
        paths = []
        for i, (name, data) in enumerate(files):
            path = os.path.join(tmp, "%03d-%s" % (i, name))
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
        args = [cli, "scan", "-j", str(os.cpu_count() or 2), "--rules", os.path.join(REPO, "rules")] + paths * 20
        started = time.time()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return len(paths) * 20 / (time.time() - started)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cpu_text(r):
    return "CPU per file: server %.0f us, clients %.0f us" % (r["server_us"], r["client_us"])


def describe_worker(w):
    return ("assay-worker: %d uploads in %.1f s: %.0f uploads/s, %.0f files/s processed; upload-to-processed "
            "p50 %.1f ms, p99 %.1f ms (%d HTTP errors, %d failed tasks); %s"
            % (w["uploads"], w["seconds"], w["uploads_per_s"], w["files_per_s"], w["p50"], w["p99"], w["errors"],
               w["failed"], cpu_text(w)))


def describe_clamd(label, c):
    return ("%s: %d files in %.1f s: %.0f files/s; p50 %.1f ms, p99 %.1f ms (%d errors); %s"
            % (label, c["files"], c["seconds"], c["files_per_s"], c["p50"], c["p99"], c["errors"], cpu_text(c)))


def protocol_floor(worker, clamd, clients, duration):
    """The same runs with 49 text files of 15 bytes, where the engines have almost nothing to do: what
    each protocol, server and client costs per file by itself. The Worker's upload, durable task record,
    spool file and polls against clamd's one INSTREAM exchange."""
    files = [("note%02d.txt" % i, b"hello world %02d\n" % i) for i in range(49)]
    print("protocol floor (49 files of 15 bytes, same clients):")
    w = run_worker(worker, files, clients, duration)
    print("  " + describe_worker(w))
    if clamd:
        c = run_clamd(clamd, files, clients, duration)
        print("  " + describe_clamd("clamd INSTREAM", c))
        print("  ratio assay-worker / clamd = %.2f; with no engine work at all the Worker could reach at most %.0f "
              "files/s here (%d cores / its server + client CPU per file)"
              % (w["files_per_s"] / c["files_per_s"] if c["files_per_s"] else float("inf"),
                 (os.cpu_count() or 2) / ((w["server_us"] + w["client_us"]) / 1e6), os.cpu_count() or 2))


def load_arguments(doc):
    """The arguments the load benchmarks share: the Worker binary, the corpus, clients, duration."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--worker", default=os.path.join(REPO, "build", "server", "assay-worker"))
    parser.add_argument("--samples", default=os.environ.get("ASSAY_SAMPLES", os.path.join(REPO, "build", "samples")))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    return parser


def main():
    parser = load_arguments(__doc__)
    parser.add_argument("--no-clamd", action="store_true", help="skip the clamd reference")
    parser.add_argument("--protocol-floor", action="store_true",
                        help="also run both on 15-byte files: each protocol's own cost per file")
    args = parser.parse_args()
    if not os.access(args.worker, os.X_OK):
        print("no assay-worker at %s (build it: cmake --build build --target assay_worker)" % args.worker, file=sys.stderr)
        return 2
    files = corpus(args.samples)
    if not files:
        print("no files under 100 KB in %s (run samples/generate.sh)" % args.samples, file=sys.stderr)
        return 2
    print("%d files under 100 KB (mean %.1f KB), %d clients, %.0f s per run, %d cores"
          % (len(files), sum(len(d) for _, d in files) / len(files) / 1000.0, args.clients, args.duration,
             os.cpu_count() or 0))
    w = run_worker(args.worker, files, args.clients, args.duration)
    print(describe_worker(w))
    ok = w["p99"] < 50 and w["errors"] == 0 and w["failed"] == 0
    ceiling = engine_alone(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.worker))), "assay"), files)
    if ceiling:
        print("engine alone (assay scan -j %d, same files, JSON to /dev/null): %.0f files/s"
              % (os.cpu_count() or 2, ceiling))
    clamd = None if args.no_clamd else find_clamd()
    if clamd is None:
        print("clamd: skipped (%s)" % ("--no-clamd" if args.no_clamd else "clamav-daemon is not installed; run as root to install it"))
        if args.protocol_floor:
            protocol_floor(args.worker, None, args.clients, args.duration)
        print("targets: p99 %s; files/s against clamd not judged (no reference run)" % ("met" if ok else "MISSED"))
        return 0 if ok else 1
    c = run_clamd(clamd, files, args.clients, args.duration)
    print(describe_clamd("clamd INSTREAM", c))
    # clamd remembers the MD5 of every clean file and answers a repeat from that cache; the
    # Worker keeps no such cache, so the like-for-like figure is clamd with it turned off.
    u = run_clamd(clamd, files, args.clients, args.duration, cache=False)
    print(describe_clamd("clamd INSTREAM, DisableCache yes", u) + "; ratio assay-worker / this = %.2f"
          % (w["files_per_s"] / u["files_per_s"] if u["files_per_s"] else float("inf")))
    ratio = w["files_per_s"] / c["files_per_s"] if c["files_per_s"] else float("inf")
    print("ratio: assay-worker files/s / clamd files/s = %.2f (target >= 2)" % ratio)
    ok = ok and ratio >= 2
    if args.protocol_floor:
        protocol_floor(args.worker, clamd, args.clients, args.duration)
    print("targets %s (files/s >= 2 x clamd, p99 < 50 ms)" % ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
