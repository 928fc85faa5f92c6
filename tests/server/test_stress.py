"""The Worker under stress (issue #11), over real sockets against the real binary.

- Slow clients (slowloris): many more connections than request threads send their head or body a
  byte at a time, or nothing; normal clients are served promptly meanwhile, and the server closes
  each slow connection once read_timeout_s (keep_alive_timeout_s for idle ones) has passed.
- 10,000 malformed requests, generated from a fixed seed (malformed_requests.py) over every route of
  `assay-worker --print-routes`: each answer is a well-formed HTTP response with a status the route
  documents in server/openapi.json or a transport-level 4xx, never a 5xx but the documented 503s,
  errors as JSON {"message"}; the Worker stays up and its memory (VmRSS) does not keep growing.
- Oversized heads and bodies: 414 / 431 / 413 / 415 as connections.h and http_common.cpp say,
  answered without the server taking in (or inflating) the body.
- Deletions racing uploads and analysis: every acknowledged task ends processed (report or
  explicit failure) or deleted by a DELETE that answered success; none lost, duplicated or stuck,
  and the spool is empty afterwards.

Memory bounds are for a normal build; ASSAY_SANITIZED=1 (the CI's ASan+UBSan run) widens only them,
because ASan keeps up to 256 MiB of freed memory in quarantine and adds shadow memory. Time limits
have margin for a three times slower binary. Run time: about 30 s, in RelWithDebInfo and under
ASan+UBSan alike (most of it is waiting for the slow clients' timeouts).
"""
import json
import os
import random
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import malformed_requests as mr
from worker_harness import REPO, SAMPLES, USAGE, WORKER, Worker, multipart, read, require_environment, sample_files

SANITIZED = os.environ.get("ASSAY_SANITIZED") == "1"
SEED = 11  # the number: the same 10,000 requests on every run


def exchange(port, data, timeout=30):
    """Sends `data` on a new connection, half-closes, and returns everything the server sends back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking everything: read what it said
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def read_answer(sock, timeout=10):
    """Reads from `sock` until one whole answer is there; returns (Answer, bytes read)."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            return mr.parse_answer(data)[0], data
        except ValueError:
            pass
        chunk = sock.recv(65536)
        if not chunk:
            return mr.parse_answer(data)[0], data
        data += chunk


def read_two_answers(sock, timeout=10):
    """The answers to two pipelined requests."""
    first, data = read_answer(sock, timeout)
    rest = data[mr.parse_answer(data)[1]:]
    while True:
        try:
            return first, mr.parse_answer(rest)[0]
        except ValueError:
            more = sock.recv(65536)
            if not more:
                raise AssertionError("the second request was never answered: %r" % rest)
            rest += more


def error_message(answer):
    """The {"message"} of an error answer; fails the check when it is not one."""
    if not (answer.header("content-type") or "").startswith("application/json"):
        raise AssertionError("error answer is not JSON: %r" % answer)
    doc = json.loads(answer.body)
    if not isinstance(doc, dict) or not isinstance(doc.get("message"), str):
        raise AssertionError("error answer has no message: %r" % answer)
    return doc["message"]


def head(method, path, headers=(), length=None):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"] + ["%s: %s" % h for h in headers]
    if length is not None:
        lines.append("Content-Length: %d" % length)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class SlowClient(threading.Thread):
    """Opens a connection, sends `opening`, then `drip` every `interval` seconds, and records when
    the server closed the connection (seconds from connecting) and what it sent."""

    def __init__(self, port, kind, opening, drip=b"", interval=0.2, give_up=25, tls=None):
        super().__init__(daemon=True)
        self.port, self.kind, self.opening, self.drip, self.interval, self.give_up = port, kind, opening, drip, interval, give_up
        self.tls = tls  # an ssl.SSLContext: the handshake first
        self.received = b""
        self.closed_after = None
        self.first_answer_after = None
        self.started = None

    def run(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.started = time.monotonic()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock)
        try:
            if self.opening:
                sock.sendall(self.opening)
            while time.monotonic() - self.started < self.give_up:
                pending = self.tls is not None and sock.pending() > 0
                ready = pending or select.select([sock], [], [], self.interval)[0]
                if ready:
                    try:
                        chunk = sock.recv(65536)
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        self.closed_after = time.monotonic() - self.started
                        return
                    if not self.received:
                        self.first_answer_after = time.monotonic() - self.started
                    self.received += chunk
                elif self.drip:
                    try:
                        sock.send(self.drip)
                    except OSError:
                        pass  # closed: the next recv says so
        finally:
            sock.close()


class SlowClientsTest(unittest.TestCase):
    READ_TIMEOUT = 2
    KEEP_ALIVE = 2
    THREADS = 4

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"http_threads": cls.THREADS, "read_timeout_s": cls.READ_TIMEOUT, "write_timeout_s": 2,
                        "keep_alive_timeout_s": cls.KEEP_ALIVE, "min_body_rate_bytes_s": 2048,
                        "analysis_threads": 1}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_slow_clients_are_cut_off_and_do_not_block_others(self):
        port = self.w.port
        body_start = b"--slow0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.bin\"\r\n\r\n"
        clients = (
            # The head a byte at a time.
            [SlowClient(port, "head", b"GET /srv/tiscale/v1/available HTTP/1.1\r\nHost: x\r\nX-Slow: ", b"a")
             for _ in range(12)] +
            # A small body (gathered by the gate) a byte at a time.
            [SlowClient(port, "small-body", head("PUT", "/srv/tiscale/v1/mode", [("Content-Type", "application/json")], 300)
                        + b'{"paused": ', b" ") for _ in range(8)] +
            # An upload (served on a request thread) at 500 bytes/s, below min_body_rate_bytes_s.
            [SlowClient(port, "large-body", head("POST", USAGE + "/upload",
                                                 [("Content-Type", "multipart/form-data; boundary=slow0")], 2 << 20)
                        + body_start, b"x" * 100) for _ in range(6)] +
            # Connected, nothing sent.
            [SlowClient(port, "silent", b"") for _ in range(6)] +
            # One request answered, then idle on the kept-alive connection.
            [SlowClient(port, "idle", head("GET", "/srv/tiscale/v1/available")) for _ in range(6)]
        )
        self.assertGreater(len(clients), 8 * self.THREADS)
        for c in clients:
            c.start()
        time.sleep(0.4)  # every slow client connected and dripping

        # Normal clients meanwhile: each answered promptly, an upload analysed.
        latencies = []
        sample = b"normal client's file\n" * 10
        for i in range(12):
            t = time.monotonic()
            if i == 0:
                task_id = self.w.upload_ok(sample, "normal.txt")
            elif i % 3 == 0:
                self.assertEqual(self.w.task(task_id).status, 200)
            else:
                self.assertEqual(self.w.request("GET", "/srv/tiscale/v1/available", timeout=10).status, 200)
            latencies.append(time.monotonic() - t)
        normal_done = time.monotonic() - min(c.started for c in clients)
        self.assertLess(max(latencies), 1.0, "normal requests waited behind slow clients: %r" % latencies)
        self.assertTrue(self.w.wait_processed(task_id, timeout=30)["processed"])

        for c in clients:
            c.join(30)
        by_kind = {}
        for c in clients:
            by_kind.setdefault(c.kind, []).append(c)
            self.assertIsNotNone(c.closed_after, "a %s client was never cut off" % c.kind)
        rt, ka, slack = self.READ_TIMEOUT, self.KEEP_ALIVE, 2.0
        # The slow ones were all still open while the normal clients were served.
        self.assertLess(normal_done, min(c.closed_after for c in clients if c.kind != "idle"))
        for c in by_kind["head"] + by_kind["small-body"]:
            self.assertTrue(rt - 0.25 <= c.closed_after <= rt + slack, (c.kind, c.closed_after))
            answer, _ = mr.parse_answer(c.received)
            self.assertEqual(answer.status, 408, c.received)
            self.assertIn("read_timeout_s", error_message(answer))
        for c in by_kind["silent"]:
            self.assertTrue(rt - 0.25 <= c.closed_after <= rt + slack, c.closed_after)
            self.assertEqual(c.received, b"")
        for c in by_kind["idle"]:
            self.assertEqual(mr.parse_answer(c.received)[0].status, 200)
            self.assertTrue(ka - 0.25 <= c.closed_after - c.first_answer_after <= ka + slack, c.closed_after)
        # Uploads take at most threads - threads/4 threads at once, so the six are cut off in two
        # rounds, each after its read_timeout_s (a body this slow earns no extension).
        for c in by_kind["large-body"]:
            self.assertTrue(rt - 0.25 <= c.closed_after <= 3 * (rt + slack), c.closed_after)
            if c.received:  # the answer may be lost when the drip is cut off mid-send
                answer, _ = mr.parse_answer(c.received)
                self.assertEqual(answer.status, 408, c.received)
                self.assertIn("min_body_rate_bytes_s", error_message(answer))
        print("\nslow clients: %d connections on %d threads; normal requests max %.0f ms; cut off after %s" % (
            len(clients), self.THREADS, 1000 * max(latencies),
            ", ".join("%s %.1f-%.1f s" % (k, min(c.closed_after for c in v), max(c.closed_after for c in v))
                      for k, v in sorted(by_kind.items()))), file=sys.stderr)
        self.assertIsNone(self.w.proc.poll())
        self.assertEqual(self.w.request("GET", "/srv/tiscale/v1/available").status, 200)


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
class TlsSlowClientsTest(unittest.TestCase):
    """The same over HTTPS: the handshake is the gate's too; and a request that arrives in the same
    TLS record as the end of the previous body is answered, although TLS decrypted it before epoll
    could see it on the socket."""
    READ_TIMEOUT = 2

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.tmp = tempfile.mkdtemp(prefix="assay-stress-tls-")
        cert, key = os.path.join(cls.tmp, "cert.pem"), os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        cls.w = Worker({"tls": {"cert_file": cert, "key_file": key}, "http_threads": 2,
                        "read_timeout_s": cls.READ_TIMEOUT, "keep_alive_timeout_s": 2}).start()
        cls.context = ssl.create_default_context(cafile=cert)
        cls.context.check_hostname = False

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def client_hello(self):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.context.wrap_bio(incoming, outgoing)
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        return outgoing.read()

    def test_slow_handshakes_and_heads_are_cut_off(self):
        port, hello = self.w.port, self.client_hello()
        clients = ([SlowClient(port, "silent", b"") for _ in range(6)] +
                   [SlowClient(port, "half-hello", hello[:len(hello) // 2]) for _ in range(6)] +
                   [SlowClient(port, "head", b"GET /srv/tiscale/v1/available HTTP/1.1\r\nX-Slow: ", b"a", tls=self.context)
                    for _ in range(6)])
        for c in clients:
            c.start()
        time.sleep(0.4)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                self.context.wrap_socket(raw) as s:
            t = time.monotonic()
            # Two requests in one write: the second is decrypted along with the first.
            s.sendall(head("GET", "/srv/tiscale/v1/available") + head("GET", USAGE + "/task"))
            first, second = read_two_answers(s)
            latency = time.monotonic() - t
        self.assertEqual((first.status, second.status), (200, 200))
        self.assertEqual(json.loads(second.body), [])
        self.assertLess(latency, 1.0)
        # A body too large for the gate, read by the request thread, with the next request right
        # behind it: the last TLS record holds both.
        body = b'{"paused": false}' + b" " * 20000
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                self.context.wrap_socket(raw) as s:
            s.sendall(head("PUT", "/srv/tiscale/v1/mode", [("Content-Type", "application/json")], len(body)))
            time.sleep(0.3)  # the head alone reaches the gate, which hands the request to a thread
            s.sendall(body + head("GET", USAGE + "/task"))
            first, second = read_two_answers(s)  # without the fix, the second never came
        self.assertEqual((first.status, second.status), (200, 200))
        for c in clients:
            c.join(30)
            self.assertIsNotNone(c.closed_after, c.kind)
            self.assertTrue(self.READ_TIMEOUT - 0.25 <= c.closed_after <= self.READ_TIMEOUT + 2.0, (c.kind, c.closed_after))
        for c in clients:
            if c.kind == "head":
                self.assertEqual(mr.parse_answer(c.received)[0].status, 408)
        self.assertIsNone(self.w.proc.poll())


class ConnectionLimitTest(unittest.TestCase):
    """Open connections are bounded by the file descriptor limit (less 256 for the Worker's own
    files); beyond it a new connection is refused at once with 503, not left hanging."""
    FDS = 600
    ALLOWED = FDS - 256

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"read_timeout_s": 30})
        # Started under a lower descriptor limit: a shell that lowers it, then becomes the Worker.
        wrapper = os.path.join(cls.w.tmp, "limited-worker")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nulimit -n %d || exit 3\nexec '%s' \"$@\"\n" % (cls.FDS, WORKER))
        os.chmod(wrapper, 0o755)
        import worker_harness
        saved, worker_harness.WORKER = worker_harness.WORKER, wrapper
        try:
            cls.w.start()
        finally:
            worker_harness.WORKER = saved

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_connections_beyond_the_limit_get_503(self):
        held = []
        try:
            for _ in range(self.ALLOWED):
                held.append(socket.create_connection(("127.0.0.1", self.w.port), timeout=10))
            time.sleep(0.3)  # all adopted by the gate
            t = time.monotonic()
            answer = mr.parse_answer(exchange(self.w.port, head("GET", "/srv/tiscale/v1/available"), timeout=10))[0]
            self.assertEqual(answer.status, 503, answer)
            self.assertIn("too many open connections", error_message(answer))
            self.assertLess(time.monotonic() - t, 1.0)
            for s in held[:10]:
                s.close()
            time.sleep(0.3)
            self.assertEqual(self.w.request("GET", "/srv/tiscale/v1/available").status, 200)
        finally:
            for s in held:
                s.close()
        self.assertIsNone(self.w.proc.poll())


class MalformedRequestsTest(unittest.TestCase):
    COUNT = 10000
    CONCURRENCY = 8

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"max_upload_bytes": 1 << 20, "max_field_bytes": 64 << 10, "http_threads": 8,
                        "analysis_threads": 1, "read_timeout_s": 10}).start()
        out = subprocess.run([WORKER, "--print-routes", "--data-dir", os.path.join(cls.w.tmp, "routes")],
                             check=True, capture_output=True, text=True).stdout
        cls.routes = [tuple(line.split(" ", 1)) for line in out.splitlines()]
        with open(os.path.join(REPO, "server", "openapi.json")) as f:
            cls.documented = mr.documented_statuses(json.load(f))

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def check(self, case, data):
        """None when the answer to `case` is right, else what is wrong."""
        try:
            answer, _ = mr.parse_answer(data, case.head_request)
        except ValueError as e:
            return "not a well-formed answer (%s): %r" % (e, data[:300])
        if answer.status not in case.allowed:
            return "status %d not in %s: %r" % (answer.status, sorted(case.allowed), answer)
        try:
            if answer.status >= 400:
                error_message(answer)
            elif (answer.header("content-type") or "").startswith("application/json"):
                json.loads(answer.body)
        except (AssertionError, ValueError) as e:
            return "bad body: %s" % e
        return None

    def test_ten_thousand_malformed_requests(self):
        ids = [self.w.upload_ok(b"a file to ask about\n" * n, "f%d.txt" % n) for n in range(1, 4)]
        for task_id in ids:
            self.w.wait_processed(task_id)
        cases = mr.generate(random.Random(SEED), self.routes, self.documented, ids, self.COUNT)
        aimed = {c.route for c in cases}
        self.assertEqual({p for _, p in self.routes} - aimed, set(), "routes no request was aimed at")

        def run(index):
            try:
                return index, exchange(self.w.port, cases[index].data)
            except OSError as e:
                return index, e

        def check_all(results):
            failures, statuses = [], {}
            for index, data in results:
                case = cases[index]
                problem = ("no answer: %r" % data) if isinstance(data, Exception) else self.check(case, data)
                if problem:
                    failures.append("#%d %s %s\n    request %r" % (index, case.kind, problem, case.data[:200]))
                else:
                    status = mr.parse_answer(data, case.head_request)[0].status
                    statuses[status] = statuses.get(status, 0) + 1
            self.assertEqual(failures, [], "%d of %d answers wrong; the first:\n%s" % (
                len(failures), len(cases), "\n".join(failures[:15])))
            return statuses

        began = time.monotonic()
        with ThreadPoolExecutor(self.CONCURRENCY) as pool:
            statuses = check_all(pool.map(run, range(len(cases))))
            elapsed = time.monotonic() - began
            rss_first = self.w.status_field("VmRSS")
            # The same 10,000 again: memory must stay where the first round left it (allocator
            # arenas, SQLite's page caches and the reader pool have grown to their working size).
            check_all(pool.map(run, range(len(cases))))
            rss_second, hwm = self.w.status_field("VmRSS"), self.w.status_field("VmHWM")
        self.assertIsNone(self.w.proc.poll(), "the Worker died")
        print("\nmalformed requests: %d in %.1f s (%.0f/s), answers %s; VmRSS after them %d MiB, after the same "
              "again %d MiB; VmHWM %d MiB" % (len(cases), elapsed, len(cases) / elapsed, dict(sorted(statuses.items())),
                                              rss_first >> 10, rss_second >> 10, hwm >> 10), file=sys.stderr)
        self.assertLess(rss_second - rss_first, (320 if SANITIZED else 32) << 10, "VmRSS kept growing")
        self.assertLess(hwm, (2048 if SANITIZED else 384) << 10, "a request took hundreds of MiB")
        # Up and serving: the operating mode restored (a fuzzed PUT may have paused it), health, a real task.
        r = self.w.request("PUT", "/srv/tiscale/v1/mode", b'{"paused": false}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.w.request("GET", "/srv/tiscale/v1/available").status, 200)
        self.assertEqual(self.w.request("GET", "/srv/tiscale/v1/sysinfo").status, 200)
        doc = self.w.wait_processed(self.w.upload_ok(b"after the storm\n", "after.txt"))
        self.assertTrue(doc["tc_report"])


class OversizedTest(unittest.TestCase):
    MAX_UPLOAD = 1 << 20
    MAX_FIELD = 64 << 10

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"max_upload_bytes": cls.MAX_UPLOAD, "max_field_bytes": cls.MAX_FIELD, "http_threads": 4,
                        "analysis_threads": 1}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def answer_to(self, data):
        return mr.parse_answer(exchange(self.w.port, data))[0]

    def streamed(self, opening, piece, total):
        """Sends `opening`, then `piece` until `total` bytes or until the server stops taking them,
        while reading the answer. Returns (answer, bytes of `piece` sent, VmHWM growth in KiB)."""
        hwm = self.w.status_field("VmHWM")
        sock = socket.create_connection(("127.0.0.1", self.w.port), timeout=30)
        sent = [0]

        def send():
            try:
                sock.sendall(opening)
                while sent[0] < total:
                    sock.sendall(piece)
                    sent[0] += len(piece)
            except OSError:
                pass  # closed by the server after its answer

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        try:
            answer, _ = read_answer(sock, timeout=30)
        finally:
            sender.join(30)
            sock.close()
        self.assertFalse(sender.is_alive(), "the server neither took the body nor closed the connection")
        return answer, sent[0], self.w.status_field("VmHWM") - hwm

    def test_head_limits(self):
        a = self.answer_to(b"GET /srv/tiscale/v1/available?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(a.status, 414, a)
        self.assertIn("request line", error_message(a))
        a = self.answer_to(head("GET", "/srv/tiscale/v1/available", [("X-Big", "b" * 9000)]))
        self.assertEqual(a.status, 431, a)
        self.assertIn("header line", error_message(a))
        many = [("X-H%d" % i, "v" * 1000) for i in range(40)]
        a = self.answer_to(head("GET", "/srv/tiscale/v1/available", many))
        self.assertEqual(a.status, 431, a)
        self.assertIn("32768", error_message(a))
        a = self.answer_to(head("GET", "/srv/tiscale/v1/available", many[:30]))  # 30 KiB: under the limit
        self.assertEqual(a.status, 200, a)

    def test_a_closing_answer_says_close_once_and_no_keep_alive(self):
        # cpp-httplib adds "Keep-Alive" to answers its handler closes, and a second "Connection:
        # close" when the request asked to close; parse_answer refuses either (ONCE_ONLY_HEADERS).
        upload = USAGE + "/upload"
        for headers in ([("Content-Type", "text/plain")], [("Content-Type", "text/plain"), ("Connection", "close")]):
            raw = exchange(self.w.port, head("POST", upload, headers, 1) + b"x")
            a = mr.parse_answer(raw)[0]
            self.assertEqual(a.status, 400, raw)
            self.assertEqual(a.headers.get("connection"), "close", raw)
            self.assertEqual(raw.lower().count(b"\r\nconnection:"), 1, raw)
            self.assertNotIn(b"\r\nkeep-alive:", raw.lower(), raw)
        # An answer that keeps the connection keeps saying so.
        raw = exchange(self.w.port, head("GET", "/srv/tiscale/v1/available"))
        self.assertEqual(mr.parse_answer(raw)[0].status, 200, raw)
        self.assertIn(b"\r\nkeep-alive:", raw.lower(), raw)

    def test_an_endless_header_is_cut_off_at_the_limit(self):
        answer, sent, growth = self.streamed(b"GET /srv/tiscale/v1/available HTTP/1.1\r\nX-Endless: ", b"e" * 65536, 64 << 20)
        self.assertEqual(answer.status, 431, answer)
        self.assertLess(sent, 64 << 20, "the server read the whole endless header")
        self.assertLess(growth, 8 << 10, "VmHWM grew with the header")

    def test_a_body_without_a_length_is_not_read(self):
        # RFC 9112: a request with neither Content-Length nor chunked coding has no body; what
        # follows is the next request (here an endless line: 414). cpp-httplib alone read such a
        # body into memory until the client stopped.
        answer, sent, growth = self.streamed(head("PUT", "/srv/tiscale/v1/mode", [("Content-Type", "application/json")]),
                                             b" " * 65536, 256 << 20)
        self.assertEqual(answer.status, 400, answer)
        self.assertLess(sent, 64 << 20)
        self.assertLess(growth, 8 << 10, "VmHWM grew with the body")

    def test_an_upload_declared_too_large_is_refused_before_its_body(self):
        with socket.create_connection(("127.0.0.1", self.w.port), timeout=10) as s:
            s.sendall(head("POST", USAGE + "/upload", [("Content-Type", "multipart/form-data; boundary=big0")], 512 << 20))
            answer, _ = read_answer(s)  # answered without a byte of body
            self.assertEqual(answer.status, 413, answer)
            self.assertIn(str(self.MAX_UPLOAD), error_message(answer))
            self.assertEqual(answer.header("connection"), "close")
            with self.assertRaises(OSError):  # the connection is closed: 16 MiB of body cannot go through
                for _ in range(256):
                    s.sendall(b"x" * 65536)

    def test_an_upload_streamed_over_the_limit_is_cut_off(self):
        spool = os.path.join(self.w.data_dir, "spool")
        opening = head("POST", USAGE + "/upload", [("Content-Type", "multipart/form-data; boundary=big1"),
                                                   ("Transfer-Encoding", "chunked")])
        part = b"--big1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
        opening += b"%x\r\n%s\r\n" % (len(part), part)
        piece = b"%x\r\n%s\r\n" % (65536, b"z" * 65536)
        answer, sent, growth = self.streamed(opening, piece, 64 << 20)
        self.assertEqual(answer.status, 413, answer)
        self.assertIn("larger than the limit", error_message(answer))
        self.assertLess(sent, 32 << 20)
        self.assertLess(growth, (64 if SANITIZED else 16) << 10)
        deadline = time.time() + 5
        while os.listdir(spool) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(spool), [], "the partial upload stayed in the spool")

    def test_bodies_over_the_field_limit(self):
        json_ct = [("Content-Type", "application/json")]
        cases = [
            (head("PUT", "/srv/tiscale/v1/mode", json_ct, 1 << 20), 413),                          # declared
            (head("POST", USAGE + "/submit-url", json_ct, self.MAX_FIELD + 1), 413),                # declared
            (head("PUT", "/srv/tiscale/v1/mode", json_ct + [("Transfer-Encoding", "chunked")]), 413),  # no length
        ]
        for data, status in cases:
            with self.subTest(request=data[:40]), socket.create_connection(("127.0.0.1", self.w.port), timeout=10) as s:
                s.sendall(data)
                answer, _ = read_answer(s)
                self.assertEqual(answer.status, status, answer)
                self.assertIn(str(self.MAX_FIELD), error_message(answer))
        # A submit-url body streamed without a length, and an upload's user_data, over the limit.
        opening = head("POST", USAGE + "/submit-url", json_ct + [("Transfer-Encoding", "chunked")])
        answer, _, _ = self.streamed(opening, b"%x\r\n%s\r\n" % (4096, b" " * 4096), 4 << 20)
        self.assertEqual(answer.status, 413, answer)
        body, content_type = multipart([("user_data", b'{"a": "' + b"u" * (self.MAX_FIELD + 10) + b'"}', None),
                                        ("file", b"small\n", "s.txt")])
        answer = self.answer_to(head("POST", USAGE + "/upload", [("Content-Type", content_type)], len(body)) + body)
        self.assertEqual(answer.status, 413, answer)
        self.assertIn("user_data", error_message(answer))

    def test_compressed_bodies_are_not_inflated_in_memory(self):
        import gzip
        bomb = gzip.compress(b"\0" * (256 << 20), 9)  # 256 MiB in about 250 KiB
        hwm = self.w.status_field("VmHWM")
        data = head("PUT", "/srv/tiscale/v1/mode", [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                    len(bomb)) + bomb
        answer = self.answer_to(data)
        self.assertEqual(answer.status, 415, answer)
        self.assertLess(self.w.status_field("VmHWM") - hwm, 8 << 10)
        # The upload route streams an encoded body through its limits: 413, memory flat.
        inner, content_type = multipart([("file", b"\0" * (64 << 20), "zeros.bin")], boundary="gzb0")
        bomb = gzip.compress(inner, 9)
        answer = self.answer_to(head("POST", USAGE + "/upload", [("Content-Type", content_type),
                                                                 ("Content-Encoding", "gzip")], len(bomb)) + bomb)
        self.assertEqual(answer.status, 413, answer)
        self.assertLess(self.w.status_field("VmHWM") - hwm, (64 if SANITIZED else 16) << 10)


class DeleteRaceTest(unittest.TestCase):
    UPLOADERS = 4
    PER_UPLOADER = 25

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"http_threads": 8, "analysis_threads": 2}).start()
        # Small files, and an archive nested 42 deep (about a quarter of a second of analysis each)
        # so that analysis lasts long enough to be raced.
        small = [read(p) for _, p in sample_files("nested", "formats") if os.path.getsize(p) < (1 << 20)]
        slow = read(os.path.join(SAMPLES, "bombs", "nested-42.zip"))
        cls.files = random.Random(SEED).sample(small, min(16, len(small))) + [slow] * 4

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_deletes_racing_uploads_and_analysis_lose_nothing(self):
        lock = threading.Lock()
        acked = {}       # id -> (upload started, acknowledged), monotonic seconds
        order = []       # ids in acknowledgement order
        duplicates, upload_errors, deletes = [], [], []
        uploading = threading.Event()
        uploading.set()

        def uploader(n):
            rng = random.Random(SEED * 100 + n)
            for i in range(self.PER_UPLOADER):
                time.sleep(rng.uniform(0, 0.03))  # paced, so that the deleters act all along
                data = rng.choice(self.files)
                started = time.monotonic()
                r = self.w.upload(data, "race-%d-%d.bin" % (n, i))
                done = time.monotonic()
                if r.status != 200:
                    upload_errors.append(r)
                    continue
                task_id = int(r.json()["task_url"].rsplit("/", 1)[1])
                with lock:
                    if task_id in acked:
                        duplicates.append(task_id)
                    acked[task_id] = (started, done)
                    order.append(task_id)

        unprocessed = []  # ids queued or being analysed, as the last listing showed them
        listed_at = [0.0]

        def deleter(n):
            rng = random.Random(SEED * 1000 + n)
            bulk = [(0.35, 0), (0.7, 2)] if n == 1 else []  # (share of uploads acknowledged, age) of DELETE ?age=
            while uploading.is_set() or unprocessed:
                time.sleep(rng.uniform(0.005, 0.04))
                if n == 0 and time.monotonic() - listed_at[0] > 0.05:
                    unprocessed[:] = [t["task_id"] for t in self.w.request("GET", USAGE + "/task").json()
                                      if t["processed"] is None]
                    listed_at[0] = time.monotonic()
                with lock:
                    candidates = sorted(unprocessed) or order[-4:]
                    share = len(order) / (self.UPLOADERS * self.PER_UPLOADER)
                if bulk and share >= bulk[0][0]:
                    age = bulk.pop(0)[1]
                    started = time.monotonic()
                    r = self.w.request("DELETE", "%s/task?age=%d" % (USAGE, age))
                    deletes.append(("age", age, started, time.monotonic(), r.status))
                    continue
                if not candidates or rng.random() < 0.7:
                    continue  # enough tasks survive to be checked
                # Half the time one of the oldest waiting: the ones being analysed now.
                task_id = rng.choice(candidates[:2] if rng.random() < 0.5 else candidates)
                started = time.monotonic()
                r = self.w.request("DELETE", "%s/task/%d" % (USAGE, task_id))
                deletes.append(("one", task_id, started, time.monotonic(), r.status))

        began = time.monotonic()
        uploaders = [threading.Thread(target=uploader, args=(n,)) for n in range(self.UPLOADERS)]
        deleters = [threading.Thread(target=deleter, args=(n,)) for n in range(2)]
        for t in uploaders + deleters:
            t.start()
        for t in uploaders:
            t.join(120)
        uploading.clear()
        for t in deleters:
            t.join(120)
        self.assertEqual(upload_errors, [])
        self.assertEqual(duplicates, [], "a task id was given twice")
        self.assertEqual(len(acked), self.UPLOADERS * self.PER_UPLOADER)
        bad = [d for d in deletes if d[4] not in ((200, 404) if d[0] == "one" else (200,))]
        self.assertEqual(bad, [], "DELETE answers other than 200/404")

        # Everything still there ends processed: nothing stuck queued or running.
        deadline = time.monotonic() + 90
        while True:
            listed = self.w.request("GET", USAGE + "/task").json()
            if all(t["processed"] is not None for t in listed) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        listed_ids = [t["task_id"] for t in listed]
        self.assertEqual(len(listed_ids), len(set(listed_ids)), "a task listed twice")
        self.assertEqual(set(listed_ids) - set(acked), set(), "tasks nobody uploaded")
        self.assertEqual([t for t in listed if t["processed"] is None], [], "tasks stuck unprocessed")

        def deleted_by(task_id, before):
            """A successful DELETE, begun before `before`, that may have removed the task."""
            up_started = acked[task_id][0]
            for kind, what, started, ended, status in deletes:
                if status != 200 or started > before:
                    continue
                if kind == "one" and what == task_id:
                    return True
                if kind == "age" and ended - what >= up_started - 0.05:
                    return True
            return False

        present = deleted = 0
        for task_id in acked:
            r = self.w.task(task_id)
            if r.status == 200:
                doc = r.json()
                self.assertIsNotNone(doc["processed"], doc)
                self.assertTrue(doc.get("tc_report") or doc.get("error"), "task %d: neither report nor error" % task_id)
                present += 1
            else:
                self.assertEqual(r.status, 404, r)
                self.assertTrue(deleted_by(task_id, float("inf")), "task %d lost: no DELETE removed it" % task_id)
                deleted += 1
        for kind, what, started, ended, status in deletes:
            if kind == "one" and status == 200:
                self.assertEqual(self.w.task(what).status, 404, "task %d deleted yet still there" % what)
            if kind == "one" and status == 404:
                self.assertTrue(deleted_by(what, ended), "DELETE of task %d found nothing, yet nobody deleted it" % what)

        # The race was real: some tasks were deleted before their analysis ended.
        log = self.w.log()
        ended = {int(line.split("task ", 1)[1].split()[0]) for line in log.splitlines()
                 if " task " in line and (" done " in line or " failed " in line)}
        early = [i for i in acked if i not in ended]
        dropped = log.count("dropped (deleted meanwhile")
        self.assertGreater(len(early), 0)
        # No spool file left behind. A task deleted while being analysed is no longer listed, but its
        # thread deletes the file only when the analysis ends: wait for that (a leak stays).
        spool = os.path.join(self.w.data_dir, "spool")
        deadline = time.monotonic() + 30
        while os.listdir(spool) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(spool), [], "spool files leaked")
        self.assertIsNone(self.w.proc.poll())
        self.assertEqual(self.w.request("GET", "/srv/tiscale/v1/available").status, 200)
        print("\ndelete race: %d uploads, %d DELETEs (%d bulk) in %.1f s; %d present, %d deleted, of which %d before "
              "their analysis ended (%d while running)" % (
                  len(acked), len(deletes), sum(d[0] == "age" for d in deletes), time.monotonic() - began, present,
                  deleted, len(early), dropped), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
