"""Size and queue limits: 413 for bodies over the configured limits (before they are read into
memory), 503 when the analysis queue is full."""
import http.client
import json
import os
import unittest

from worker_harness import LocalServer, USAGE, Worker, multipart, require_environment, submit_url


class LimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.local = LocalServer()
        cls.w = Worker({"max_upload_bytes": 1 << 20, "max_field_bytes": 4096, "queue_capacity": 2,
                        "analysis_threads": 1, "fetch": {"allow_networks": ["127.0.0.0/8"]}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.local.gate.set()
        cls.w.cleanup()
        cls.local.close()

    def test_upload_too_large(self):
        r = self.w.upload(b"x" * ((1 << 20) + 100000), "big.bin")
        self.assertEqual(r.status, 413, r)
        self.assertIn("limit", r.json()["message"])
        # Chunked: no Content-Length to judge by, so the streaming count stops it.
        body, ctype = multipart([("file", b"y" * (2 << 20), "chunked.bin")])
        conn = http.client.HTTPConnection("127.0.0.1", self.w.port, timeout=60)
        conn.request("POST", USAGE + "/upload", body=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                     headers={"Content-Type": ctype, "Transfer-Encoding": "chunked"}, encode_chunked=True)
        r = conn.getresponse()
        self.assertEqual(r.status, 413)
        self.assertIn("larger than the limit", json.loads(r.read())["message"])
        conn.close()
        r = self.w.upload(b"ok", "small.bin", fields={"custom_data": json.dumps({"pad": "p" * 5000})})
        self.assertEqual(r.status, 413)
        self.assertIn("custom_data", r.json()["message"])
        self.assertEqual(os.listdir(os.path.join(self.w.data_dir, "spool")), [])

    def test_other_bodies_are_not_buffered(self):
        r = self.w.request("POST", USAGE + "/no-such-route", b"z" * 100000, {"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 413, r)
        r = self.w.request("DELETE", USAGE + "/task/1", b"z" * 100000)
        self.assertEqual(r.status, 413, r)
        r = submit_url(self.w, {"url": "http://10.0.0.1/" + "a" * 5000})
        self.assertEqual(r.status, 413, r)

    def test_queue_full_is_503(self):
        self.local.gate.clear()
        r = submit_url(self.w, {"url": self.local.url("/gate")})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.local.gate_hits.acquire(timeout=30))  # running: out of the queue
        accepted = [self.w.upload_ok(b"q%d" % i, "q.txt") for i in range(2)]
        r = self.w.upload(b"one too many", "q.txt")
        self.assertEqual(r.status, 503, r)
        self.assertIn("queue is full", r.json()["message"])
        self.local.gate.set()
        for task in accepted:
            self.assertTrue(self.w.wait_processed(task)["tc_report"])
        self.assertEqual(self.w.upload(b"room again", "q.txt").status, 200)


if __name__ == "__main__":
    unittest.main()
