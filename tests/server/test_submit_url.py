"""POST /api/tiscale/v1/submit-url: refusals under the default configuration (checked before any
connection is made), and downloads from a local HTTP server that the configuration allows."""
import hashlib
import json
import os
import unittest

from worker_harness import LocalServer, SAMPLES, USAGE, Worker, read, require_environment, submit_url


class SubmitUrlRefusedTest(unittest.TestCase):
    """Default configuration: loopback, private, link-local ... targets are refused with 400."""

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.local = LocalServer()
        cls.local.files["x"] = b"must never be fetched"
        cls.w = Worker().start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()
        cls.local.close()

    def refused(self, url, fragment):
        r = submit_url(self.w, {"url": url})
        self.assertEqual(r.status, 400, r)
        self.assertIn(fragment, r.json()["message"])
        return r.json()["message"]

    def test_internal_targets_are_refused_before_connecting(self):
        self.refused(self.local.url("/file/x"), "loopback address 127.0.0.1")
        # These two are never contacted: the address is refused before any connection.
        self.refused("http://10.0.0.1/x", "private address 10.0.0.1")
        self.refused("http://169.254.169.254/latest", "link-local address 169.254.169.254")
        self.refused("http://[::1]:%d/x" % self.local.port, "loopback")
        self.refused("http://[::ffff:127.0.0.1]:%d/x" % self.local.port, "loopback")
        self.refused("http://[fd00::1]/x", "unique local")
        self.refused("http://[fe80::1]/x", "link-local")
        self.refused("http://224.0.0.1/x", "multicast")
        self.refused("http://100.64.0.1/x", "CGNAT")
        self.refused("http://0.0.0.0:%d/x" % self.local.port, "unspecified")
        self.refused("http://localhost:%d/x" % self.local.port, "loopback")
        self.refused("http://2130706433:%d/x" % self.local.port, "loopback")  # 127.0.0.1 as one number
        self.assertEqual(self.local.requests, [])
        self.assertEqual(self.w.request("GET", USAGE + "/task").json(), [])

    def test_scheme_and_shape(self):
        self.refused("ftp://example.com/file", "only http and https")
        self.refused("file:///etc/passwd", "only http and https")
        self.refused("gopher://127.0.0.1/", "only http and https")
        self.refused("not a url", "")
        r = submit_url(self.w, {"hash": "00"})
        self.assertEqual(r.status, 400)
        self.assertIn("url", r.json()["message"])
        r = submit_url(self.w, {"url": "http://10.0.0.1/x", "hash": "abc"})
        self.assertEqual(r.status, 400)
        self.assertIn("hash", r.json()["message"])
        r = self.w.request("POST", USAGE + "/submit-url", b"{broken", {"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.assertIn("JSON", r.json()["message"])
        r = self.w.request("POST", USAGE + "/submit-url", b'{"url": "http://x/"}', {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 400)
        self.assertIn("application/json", r.json()["message"])
        r = submit_url(self.w, {"url": "http://10.0.0.1/", "custom_authorization_header": "Custom-Token: x"})
        self.assertEqual(r.status, 400)
        r = submit_url(self.w, {"url": "http://10.0.0.1/", "custom_authorization_header": {"Bad Header": "x"}})
        self.assertEqual(r.status, 400)
        self.assertEqual(self.local.requests, [])


class SubmitUrlAllowedTest(unittest.TestCase):
    """fetch.allow_networks permits loopback for this Worker only; downloads are analysed."""

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.local = LocalServer("127.0.0.1")
        cls.other = LocalServer("127.0.0.2")  # another origin, for redirects
        cls.zip = read(os.path.join(SAMPLES, "formats", "sample.zip"))
        cls.local.files["sample.zip"] = cls.zip
        cls.local.files["auth"] = b"authorised content\n"
        cls.local.files["big"] = b"\0" * (2 << 20)
        cls.other.files["moved.txt"] = b"moved here\n"
        cls.w = Worker({"analysis_threads": 2,
                        "fetch": {"allow_networks": ["127.0.0.0/8"], "max_bytes": 1 << 20, "max_redirects": 3}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()
        cls.local.close()
        cls.other.close()

    def submit(self, payload, headers=None):
        r = submit_url(self.w, payload, headers)
        self.assertEqual(r.status, 200, r)
        return self.w.wait_processed(int(r.json()["task_url"].rsplit("/", 1)[1]), query="?report_type=small")

    def test_download_is_analysed(self):
        doc = self.submit({"url": self.local.url("/file/sample.zip"), "custom_data": {"source": "url"}},
                          {"X-TiScale-Token": "Token from-url"})
        self.assertNotIn("error", doc)
        root = doc["tc_report"][0]["info"]["file"]
        self.assertEqual(root["file_name"], "sample.zip")
        self.assertEqual({h["name"]: h["value"] for h in root["hashes"]}["sha1"], hashlib.sha1(self.zip).hexdigest())
        self.assertGreater(len(doc["tc_report"]), 1)
        self.assertEqual(doc["custom_data"], {"source": "url"})
        listed = self.w.request("GET", USAGE + "/task?token=from-url").json()
        self.assertEqual([t["task_id"] for t in listed], [doc["task_id"]])
        # custom_data given as a string holding JSON, as the upload form sends it.
        doc = self.submit({"url": self.local.url("/file/sample.zip"), "custom_data": '{"k": [1]}'})
        self.assertEqual(doc["custom_data"], {"k": [1]})

    def test_hash_by_length(self):
        for algorithm in ("md5", "sha1", "sha256", "sha512"):
            digest = hashlib.new(algorithm, self.zip).hexdigest()
            doc = self.submit({"url": self.local.url("/file/sample.zip"), "hash": digest.upper()})
            self.assertNotIn("error", doc, algorithm)
        doc = self.submit({"url": self.local.url("/file/sample.zip"), "hash": "0" * 64})
        self.assertIsNone(doc["tc_report"])
        self.assertIn("hash mismatch", doc["error"])
        self.assertIn("sha256", doc["error"])
        self.assertTrue(doc["processed"])

    def test_custom_authorization_header_both_spellings(self):
        for key in ("custom_authorization_header", "custom_header_authorization"):
            doc = self.submit({"url": self.local.url("/auth"), key: {"Custom-Token": "token_value"}})
            self.assertNotIn("error", doc, key)
        doc = self.submit({"url": self.local.url("/auth")})
        self.assertIn("HTTP 403", doc["error"])

    def test_redirects(self):
        target = self.other.url("/file/moved.txt")
        doc = self.submit({"url": self.local.url("/redirect?to=" + target),
                           "custom_authorization_header": {"Custom-Token": "secret-for-first-origin"}})
        self.assertNotIn("error", doc)
        self.assertEqual(doc["tc_report"][0]["info"]["file"]["file_name"], "moved.txt")
        # The custom header went to the first origin only, never to the one redirected to.
        self.assertTrue(any(h.get("Custom-Token") == "secret-for-first-origin" for p, h in self.local.requests if p == "/redirect"))
        self.assertFalse(any("Custom-Token" in h for p, h in self.other.requests))
        # A redirect into a refused network fails the task without connecting there.
        doc = self.submit({"url": self.local.url("/redirect?to=http://169.254.169.254/latest")})
        self.assertIn("link-local address 169.254.169.254", doc["error"])
        doc = self.submit({"url": self.local.url("/loop")})
        self.assertIn("too many redirects", doc["error"])
        doc = self.submit({"url": self.local.url("/redirect?to=ftp://127.0.0.1/x")})
        self.assertIn("only http and https", doc["error"])

    def test_limits_and_errors(self):
        doc = self.submit({"url": self.local.url("/file/big")})
        self.assertIn("larger than the limit", doc["error"])
        doc = self.submit({"url": self.local.url("/missing")})
        self.assertIn("HTTP 404", doc["error"])
        self.assertEqual(os.listdir(os.path.join(self.w.data_dir, "spool")), [])

    def test_unprocessed_task_shows_no_report_and_no_custom_data(self):
        self.local.gate.clear()
        blockers = [submit_url(self.w, {"url": self.local.url("/gate")}) for _ in range(2)]
        for r in blockers:
            self.assertEqual(r.status, 200, r)
        for _ in range(2):
            self.assertTrue(self.local.gate_hits.acquire(timeout=30))  # both analysis threads now wait
        task_id = self.w.upload_ok(b"queued behind the gate", "q.txt", fields={"custom_data": json.dumps({"c": 1})})
        doc = self.w.task(task_id).json()
        self.assertIsNone(doc["processed"])
        self.assertIsNone(doc["tc_report"])
        self.assertNotIn("custom_data", doc)
        self.assertNotIn("error", doc)
        # Render parameters are checked even before there is a report.
        self.assertEqual(self.w.task(task_id, "?report_type=nonesuch").status, 400)
        self.local.gate.set()
        doc = self.w.wait_processed(task_id)
        self.assertEqual(doc["custom_data"], {"c": 1})
        self.assertEqual(doc["tc_report"][0]["info"]["file"]["file_name"], "q.txt")


if __name__ == "__main__":
    unittest.main()
