"""Starts the real assay-worker binary on a free loopback port and talks HTTP to it (stdlib only).

Environment: ASSAY_WORKER (the binary), ASSAY_SAMPLES (the generated corpus: samples/generate.sh).
Each test class starts its own Worker with its own temporary data directory and JSON configuration.
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

WORKER = os.environ.get("ASSAY_WORKER", "")
SAMPLES = os.environ.get("ASSAY_SAMPLES", "")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
USAGE = "/api/tiscale/v1"


def require_environment(test_case):
    if not WORKER or not os.access(WORKER, os.X_OK):
        raise unittest.SkipTest("ASSAY_WORKER does not name the assay-worker binary")
    if not SAMPLES or not os.path.isdir(SAMPLES):
        raise unittest.SkipTest("ASSAY_SAMPLES does not name the generated sample corpus")


def multipart(parts, boundary=None):
    """parts: [(name, bytes, filename or None)] -> (body, content type)."""
    boundary = boundary or "----assay" + uuid.uuid4().hex
    out = bytearray()
    for name, value, filename in parts:
        out += b"--" + boundary.encode() + b"\r\n"
        disposition = 'form-data; name="%s"' % name
        if filename is not None:
            disposition += '; filename="%s"' % filename
        out += b"Content-Disposition: " + disposition.encode() + b"\r\n"
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + value + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return bytes(out), "multipart/form-data; boundary=" + boundary


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


class Worker:
    """One assay-worker process. `config` is written as the JSON configuration file."""

    def __init__(self, config=None, data_dir=None, args=()):
        self.tmp = tempfile.mkdtemp(prefix="assay-worker-test-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.config = dict(config or {})
        self.args = list(args)
        self.proc = None
        self.port = None
        self.lines = []
        self.lock = threading.Lock()

    # --- process ------------------------------------------------------------------------------
    def start(self, timeout=60):
        config_path = os.path.join(self.tmp, "config.json")
        with open(config_path, "w") as f:
            json.dump(self.config, f)
        cmd = [WORKER, "--config", config_path, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        listening = threading.Event()

        def read_stderr(proc=self.proc):
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                with self.lock:
                    self.lines.append(line)
                m = re.search(r"listening on https?://[^ ]*:(\d+) ", line)
                if m:
                    self.port = int(m.group(1))
                    listening.set()

        self.reader = threading.Thread(target=read_stderr, daemon=True)
        self.reader.start()
        deadline = time.time() + timeout
        while not listening.wait(0.05):
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("assay-worker did not start:\n" + self.log())
        return self

    def log(self):
        with self.lock:
            return "\n".join(self.lines)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._reap()
        return code

    def _reap(self):
        self.reader.join(10)
        self.proc.stderr.close()
        self.proc = None

    def kill9(self):
        self.proc.kill()  # SIGKILL, by this process's own id
        self.proc.wait()
        self._reap()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def status_field(self, name):
        """A field of /proc/<pid>/status in kB (VmRSS, VmHWM, RssAnon, ...)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
        return 0

    # --- HTTP -----------------------------------------------------------------------------------
    def connection(self, timeout=60):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read())
        finally:
            conn.close()

    def upload(self, data, filename="sample.bin", fields=None, headers=None):
        parts = [(k, v.encode() if isinstance(v, str) else v, None) for k, v in (fields or {}).items()]
        parts.append(("file", data, filename))
        body, content_type = multipart(parts)
        h = {"Content-Type": content_type}
        h.update(headers or {})
        return self.request("POST", USAGE + "/upload", body, h)

    def upload_ok(self, data, filename="sample.bin", fields=None, headers=None):
        r = self.upload(data, filename, fields, headers)
        assert r.status == 200, r
        return int(r.json()["task_url"].rsplit("/", 1)[1])

    def task(self, task_id, query="", headers=None):
        return self.request("GET", "%s/task/%d%s" % (USAGE, task_id, query), headers=headers)

    def wait_processed(self, task_id, timeout=60, query="", headers=None):
        deadline = time.time() + timeout
        while True:
            r = self.task(task_id, query, headers)
            assert r.status == 200, r
            doc = r.json()
            if doc["processed"]:
                return doc
            if time.time() > deadline:
                raise AssertionError("task %d not processed in %ds:\n%s" % (task_id, timeout, self.log()[-3000:]))
            time.sleep(0.05)


def sample_files(*folders):
    """(relative path, absolute path) of every regular file under the corpus folders."""
    out = []
    for folder in folders:
        root = os.path.join(SAMPLES, folder)
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    out.append((os.path.relpath(path, SAMPLES), path))
    return sorted(out)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class LocalServer:
    """A small HTTP server on a loopback address, as the far end of submit-url downloads.

    Paths: /file/NAME serves files[NAME]; /gate serves gate_body once `gate` is set (until then the
    request waits: the analysis thread that fetches it is busy); /redirect?to=URL answers 302;
    /loop redirects to itself; /auth serves files["auth"] only with Custom-Token: token_value;
    anything else is 404. Every request is recorded as (path, headers).
    """

    def __init__(self, host="127.0.0.1"):
        import http.server
        import urllib.parse
        self.files = {}
        self.requests = []
        self.gate = threading.Event()
        self.gate_body = b"gate opened\n"
        self.gate_hits = threading.Semaphore(0)
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status, body=b"", headers=None):
                try:
                    self.send_response(status)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    self.close_connection = True  # the Worker stopped reading (a size limit): expected

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                owner.requests.append((url.path, dict(self.headers)))
                if url.path.startswith("/file/") and url.path[6:] in owner.files:
                    return self.send(200, owner.files[url.path[6:]])
                if url.path == "/gate":
                    owner.gate_hits.release()
                    owner.gate.wait(120)
                    return self.send(200, owner.gate_body)
                if url.path == "/redirect":
                    to = urllib.parse.parse_qs(url.query)["to"][0]
                    return self.send(302, b"moved", {"Location": to})
                if url.path == "/loop":
                    return self.send(302, b"", {"Location": "/loop"})
                if url.path == "/auth":
                    if self.headers.get("Custom-Token") == "token_value":
                        return self.send(200, owner.files["auth"])
                    return self.send(403, b"no")
                return self.send(404, b"not here")

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = host, self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def close(self):
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def submit_url(worker, payload, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return worker.request("POST", USAGE + "/submit-url", json.dumps(payload).encode(), h)
