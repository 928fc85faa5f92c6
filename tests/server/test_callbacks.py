"""Task-completion callbacks (user_data.callback and callback.* settings; server/callback.h).

A local receiver on 127.0.0.1 records every POST. The body a callback delivers must be what
GET /api/tiscale/v1/task/{id} answers with the same report_type and view -- no field is exempt: the
task has ended before its callback is rendered, so nothing in the response changes afterwards.
"""
import json
import os
import threading
import time
import unittest
import urllib.parse

from worker_harness import SAMPLES, Worker, read, require_environment, submit_url

ZIP = os.path.join("formats", "sample.zip")


class Receiver:
    """An HTTP server on 127.0.0.1 recording every POST as (path, headers, JSON body).

    The first path segment picks the answer: /ok/... 200; /flaky/... 500 to the first two requests
    on that path, then 200; /fail/... always 500; /hang/... holds the request until release().
    GET /download/hang (a submit-url download) holds likewise; any other GET is 404.
    """

    def __init__(self):
        import http.server
        self.posts = []
        self.gets = []
        self.cond = threading.Condition()
        self.released = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    self.close_connection = True  # the Worker gave up on this request (shutdown)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                path = urllib.parse.urlsplit(self.path).path
                with owner.cond:
                    owner.posts.append((path, dict(self.headers), body))
                    seen = sum(1 for p, _, _ in owner.posts if p == path)
                    owner.cond.notify_all()
                kind = path.split("/")[1]
                if kind == "hang":
                    owner.released.wait(30)
                status = {"ok": 200, "hang": 200, "fail": 500, "flaky": 500 if seen <= 2 else 200}.get(kind, 404)
                self.answer(status)

            def do_GET(self):
                with owner.cond:
                    owner.gets.append(self.path)
                    owner.cond.notify_all()
                if self.path == "/download/hang":
                    owner.released.wait(30)
                self.answer(404)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def posts_to(self, path):
        with self.cond:
            return [(h, json.loads(b)) for p, h, b in self.posts if p == path]

    def wait_for(self, path, count=1, timeout=30):
        """The first `count` POSTs to `path` as (headers, body), waiting up to `timeout` s for them."""
        deadline = time.time() + timeout
        with self.cond:
            while sum(1 for p, _, _ in self.posts if p == path) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("%d POST(s) to %s expected; got: %r" % (count, path, [p for p, _, _ in self.posts]))
                self.cond.wait(left)
        return self.posts_to(path)[:count]

    def wait_get(self, path, timeout=30):
        deadline = time.time() + timeout
        with self.cond:
            while path not in self.gets:
                if not self.cond.wait(max(0.0, deadline - time.time())):
                    raise AssertionError("no GET %s" % path)

    def close(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def callback_field(**callback):
    return {"user_data": json.dumps({"callback": callback})}


def wait_log(worker, text, timeout=20):
    deadline = time.time() + timeout
    while text not in worker.log():
        if time.time() > deadline:
            raise AssertionError("log line %r not seen:\n%s" % (text, worker.log()[-3000:]))
        time.sleep(0.02)


class CallbackServerTest(unittest.TestCase):
    """Base: one receiver, one Worker per class with `config` (the receiver's URL is known first)."""
    config = {}

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.receiver = Receiver()
        cls.w = Worker(cls.make_config()).start()

    @classmethod
    def make_config(cls):
        return cls.config

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()
        cls.receiver.close()

    def assertError(self, r, status, *fragments):
        self.assertEqual(r.status, status, r)
        message = r.json()["message"]
        for fragment in fragments:
            self.assertIn(fragment, message)
        return message


class UserCallbackTest(CallbackServerTest):
    config = {"fetch": {"allow_networks": ["127.0.0.0/8"]},
              "callback": {"enabled": True, "retries": 2, "backoff_ms": 100, "timeout_s": 5}}

    def test_report_type_and_view_as_requested(self):
        data = read(os.path.join(SAMPLES, ZIP))
        flat_id = self.w.upload_ok(data, "sample.zip",
                                   callback_field(url=self.receiver.url("/ok/flat"), report_type="large", view="flat"))
        small_id = self.w.upload_ok(data, "sample.zip", callback_field(url=self.receiver.url("/ok/small"), report_type="small"))
        (headers, flat), = self.receiver.wait_for("/ok/flat")
        (_, small), = self.receiver.wait_for("/ok/small")
        for task_id in (flat_id, small_id):  # counted too, before the next test reads the counts
            wait_log(self.w, "callback for task %d to http://127.0.0.1:%d delivered" % (task_id, self.receiver.port))
        self.assertTrue(headers["Content-Type"].startswith("application/json"), headers)
        self.assertEqual(flat["task_id"], flat_id)
        self.assertEqual(small["task_id"], small_id)
        self.assertTrue(flat["processed"])
        # Exactly the task response with the same parameters.
        self.assertEqual(flat, self.w.task(flat_id, "?report_type=large&view=flat").json())
        self.assertEqual(small, self.w.task(small_id, "?report_type=small").json())
        # The flat view: single-level entries; the nested small type keeps less than large does.
        self.assertIn("info_file_size", flat["tc_report"][0])
        self.assertNotIn("info", flat["tc_report"][0])
        self.assertIn("info", small["tc_report"][0])
        large = self.w.task(small_id, "?report_type=large").json()["tc_report"][0]
        self.assertIn("story", large)
        self.assertNotIn("story", small["tc_report"][0])
        self.assertIn("statistics", large["info"])
        self.assertNotIn("statistics", small["tc_report"][0]["info"])
        self.assertLess(len(json.dumps(small)), len(json.dumps(self.w.task(small_id, "?report_type=large").json())))

    def test_failed_task_sends_its_error(self):
        r = submit_url(self.w, {"url": self.receiver.url("/missing"),
                                "user_data": {"callback": {"url": self.receiver.url("/ok/failed")}}})
        self.assertEqual(r.status, 200, r)
        task_id = int(r.json()["task_url"].rsplit("/", 1)[1])
        (_, body), = self.receiver.wait_for("/ok/failed")
        wait_log(self.w, "callback for task %d to http://127.0.0.1:%d delivered" % (task_id, self.receiver.port))
        self.assertEqual(body["task_id"], task_id)
        self.assertIsNone(body["tc_report"])
        self.assertIn("404", body["error"])
        self.assertEqual(body, self.w.task(task_id).json())

    def callback_counts(self):
        """(callback_success, callback_failure) over the last day, from the Service API."""
        stats = self.w.request("GET", "/srv/tiscale/v1/stats").json()
        return stats["callback_success"][-1], stats["callback_failure"][-1]

    def test_retried_until_delivered(self):
        before = self.callback_counts()
        task_id = self.w.upload_ok(b"flaky receiver\n", "flaky.txt", callback_field(url=self.receiver.url("/flaky/a")))
        attempts = self.receiver.wait_for("/flaky/a", 3)
        wait_log(self.w, "callback for task %d to http://127.0.0.1:%d delivered after 3 attempts" % (task_id, self.receiver.port))
        time.sleep(0.5)  # a fourth attempt would come 400 ms after the third
        self.assertEqual(len(self.receiver.posts_to("/flaky/a")), 3)
        self.assertEqual([body for _, body in attempts], [self.w.task(task_id).json()] * 3)
        self.assertEqual(self.callback_counts(), (before[0] + 1, before[1]))  # one callback, delivered

    def test_gives_up_after_the_retries(self):
        before = self.callback_counts()
        task_id = self.w.upload_ok(b"failing receiver\n", "fail.txt", callback_field(url=self.receiver.url("/fail/a")))
        wait_log(self.w, "callback for task %d to http://127.0.0.1:%d failed after 3 attempts: answered HTTP 500"
                 % (task_id, self.receiver.port))
        time.sleep(0.5)
        self.assertEqual(len(self.receiver.posts_to("/fail/a")), 3)
        self.assertEqual(self.callback_counts(), (before[0], before[1] + 1))  # one callback, failed

    def test_malformed_callbacks_are_400(self):
        ok = self.receiver.url("/ok/malformed")
        cases = [
            ({"callback": ok}, "must be an object"),
            ({"callback": [ok]}, "must be an object"),
            ({"callback": {"url": 5}}, "url must be a string"),
            ({"callback": {"url": "ftp://127.0.0.1/x"}}, "only http and https"),
            ({"callback": {"url": "http://"}}, "user_data.callback.url"),
            ({"callback": {"url": ok, "report_type": "nonesuch"}}, "nonesuch"),
            ({"callback": {"url": ok, "view": "sideways"}}, "user_data.callback"),
            ({"callback": {"url": ok, "reporttype": "large"}}, "unknown field"),
            ({"callback": {"report_type": "large"}}, "no default callback URL"),
        ]
        for user_data, fragment in cases:
            with self.subTest(user_data=user_data):
                r = self.w.upload(b"x", "x.txt", {"user_data": json.dumps(user_data)})
                self.assertError(r, 400, fragment)
        r = submit_url(self.w, {"url": self.receiver.url("/missing"), "user_data": {"callback": {"url": "gopher://x/"}}})
        self.assertError(r, 400, "only http and https")
        # user_data without a callback object is fine, and sends nothing.
        self.w.wait_processed(self.w.upload_ok(b"x", "x.txt", {"user_data": json.dumps({"network": {"src_port": 1}})}))
        self.assertEqual(self.receiver.posts_to("/ok/malformed"), [])


class AddressPolicyTest(CallbackServerTest):
    """Without fetch.allow_networks, an uploader's callback to loopback is refused at upload (400),
    and, for a task that got past the upload check under another configuration, at send time."""
    config = {"callback": {"enabled": True, "retries": 2, "backoff_ms": 100, "timeout_s": 5}}

    def test_refused_at_upload(self):
        for host in ("127.0.0.1:%d", "localhost:%d", "[::ffff:127.0.0.1]:%d"):
            url = "http://" + host % self.receiver.port + "/ok/refused"
            with self.subTest(url=url):
                self.assertError(self.w.upload(b"x", "x.txt", callback_field(url=url)), 400, "user_data.callback.url",
                                 "not allowed")
        self.assertEqual(self.receiver.posts, [])

    def test_refused_at_send_time(self):
        # A Worker that allows loopback accepts the task; it dies during the download; the Worker
        # that takes over does not allow loopback, so the retried download fails and the callback
        # is refused when it is about to be sent: the receiver is never contacted.
        allowed = Worker({"fetch": {"allow_networks": ["127.0.0.0/8"]}, "callback": {"enabled": True}}).start()
        try:
            r = submit_url(allowed, {"url": self.receiver.url("/download/hang"),
                                     "user_data": {"callback": {"url": self.receiver.url("/ok/rebound")}}})
            self.assertEqual(r.status, 200, r)
            task_id = int(r.json()["task_url"].rsplit("/", 1)[1])
            self.receiver.wait_get("/download/hang")
            allowed.kill9()
            refusing = Worker(self.config, data_dir=allowed.data_dir).start()
            try:
                wait_log(refusing, "callback for task %d to http://127.0.0.1:%d failed after 1 attempt: refusing to send a "
                         "callback to 127.0.0.1: loopback address 127.0.0.1 is not allowed" % (task_id, self.receiver.port))
                self.assertIn("refusing", refusing.task(task_id).json()["error"])
            finally:
                refusing.cleanup()
        finally:
            allowed.cleanup()
        self.assertEqual(self.receiver.posts_to("/ok/rebound"), [])


class DefaultCallbackTest(CallbackServerTest):
    """The configured default URL (trusted: loopback although no network is allowed), type and view."""

    @classmethod
    def make_config(cls):
        return {"callback": {"enabled": True, "default_url": cls.receiver.url("/ok/default"), "report_type": "small",
                             "backoff_ms": 100}}

    def test_default_used_without_user_data(self):
        task_id = self.w.upload_ok(read(os.path.join(SAMPLES, ZIP)), "sample.zip")
        body = self.wait_task(task_id)
        self.assertEqual(body, self.w.task(task_id, "?report_type=small").json())
        self.assertNotEqual(body, self.w.task(task_id).json())  # not the API's own default (medium)

    def test_user_fields_override_the_defaults_one_by_one(self):
        task_id = self.w.upload_ok(read(os.path.join(SAMPLES, ZIP)), "sample.zip", callback_field(report_type="large"))
        body = self.wait_task(task_id)
        self.assertEqual(body, self.w.task(task_id, "?report_type=large").json())
        self.assertIn("statistics", body["tc_report"][0]["info"])  # large only

    def test_uploader_urls_still_obey_the_policy(self):
        r = self.w.upload(b"x", "x.txt", callback_field(url=self.receiver.url("/ok/user")))
        self.assertError(r, 400, "not allowed")

    def wait_task(self, task_id, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for _, body in self.receiver.posts_to("/ok/default"):
                if body["task_id"] == task_id:
                    return body
            time.sleep(0.02)
        raise AssertionError("no default callback for task %d:\n%s" % (task_id, self.w.log()[-3000:]))


class DisabledCallbackTest(CallbackServerTest):
    """callback.enabled is off by default: callback objects are checked for shape, nothing is sent."""
    config = {"fetch": {"allow_networks": ["127.0.0.0/8"]}}

    def test_nothing_sent(self):
        task_id = self.w.upload_ok(b"quiet\n", "quiet.txt", callback_field(url=self.receiver.url("/ok/disabled")))
        self.w.wait_processed(task_id)
        time.sleep(0.3)
        self.assertEqual(self.receiver.posts, [])
        self.assertError(self.w.upload(b"x", "x.txt", callback_field(url="ftp://x/")), 400, "only http and https")


class ShutdownTest(CallbackServerTest):
    """Pending callbacks at SIGTERM: delivered within the shutdown grace, else logged one by one."""
    config = {"fetch": {"allow_networks": ["127.0.0.0/8"]}, "shutdown_grace_s": 1,
              "callback": {"enabled": True, "retries": 3, "backoff_ms": 5000, "timeout_s": 20}}

    def test_undeliverable_callbacks_are_logged_at_shutdown(self):
        hanging = self.w.upload_ok(b"hang\n", "hang.txt", callback_field(url=self.receiver.url("/hang/a")))
        failing = self.w.upload_ok(b"fail\n", "fail.txt", callback_field(url=self.receiver.url("/fail/s")))
        self.receiver.wait_for("/hang/a")
        self.receiver.wait_for("/fail/s")
        wait_log(self.w, "callback for task %d to http://127.0.0.1:%d answered HTTP 500; retrying in 5000 ms"
                 % (failing, self.receiver.port))
        started = time.time()
        self.assertEqual(self.w.stop(), 0)
        self.assertLess(time.time() - started, 5)  # the grace (1 s), not the transfer timeout (20 s)
        log = self.w.log()
        origin = "http://127.0.0.1:%d" % self.receiver.port
        self.assertIn("callback for task %d to %s dropped at shutdown: its next attempt was due after the shutdown grace"
                      % (failing, origin), log)
        self.assertIn("callback for task %d to %s dropped at shutdown: the attempt in flight was aborted at shutdown"
                      % (hanging, origin), log)


if __name__ == "__main__":
    unittest.main()
