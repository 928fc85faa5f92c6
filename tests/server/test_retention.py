"""Retention with short configured limits: reports expire after the task age limit, queued tasks are
cancelled after the unprocessed task limit (their files deleted), failed and cancelled records expire
after the file age limit."""
import os
import time
import unittest

from worker_harness import LocalServer, USAGE, Worker, require_environment, submit_url


class RetentionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.local = LocalServer()
        cls.w = Worker({"analysis_threads": 1, "fetch": {"allow_networks": ["127.0.0.0/8"]},
                        "retention": {"task_age_limit_s": 2, "unprocessed_task_limit_s": 2, "file_age_limit_s": 4,
                                      "sweep_interval_ms": 100}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()
        cls.local.close()

    def listed(self):
        return {t["task_id"] for t in self.w.request("GET", USAGE + "/task").json()}

    def wait_for(self, predicate, timeout, what):
        deadline = time.time() + timeout
        while not predicate():
            if time.time() > deadline:
                self.fail(what + "\n" + self.w.log()[-2000:])
            time.sleep(0.05)

    def test_limits(self):
        done = self.w.upload_ok(b"expires after two seconds", "done.txt")
        processed = self.w.wait_processed(done)["processed"]
        self.assertIn(done, self.listed())
        failed_task = submit_url(self.w, {"url": self.local.url("/missing")})
        failed = int(failed_task.json()["task_url"].rsplit("/", 1)[1])
        self.assertIn("HTTP 404", self.w.wait_processed(failed)["error"])

        # Hold the only analysis thread, so the next upload stays queued past the limit.
        self.local.gate.clear()
        gate = int(submit_url(self.w, {"url": self.local.url("/gate")}).json()["task_url"].rsplit("/", 1)[1])
        self.assertTrue(self.local.gate_hits.acquire(timeout=30))
        queued = self.w.upload_ok(b"never analysed", "queued.txt")
        spool = os.path.join(self.w.data_dir, "spool")
        self.assertEqual(len([n for n in os.listdir(spool) if n.startswith("up-")]), 1)

        def cancelled():
            doc = self.w.task(queued).json()
            return doc["processed"] is not None
        self.wait_for(cancelled, 15, "the queued task was not cancelled")
        doc = self.w.task(queued).json()
        self.assertIsNone(doc["tc_report"])
        self.assertIn("unprocessed task limit", doc["error"])
        self.assertEqual([n for n in os.listdir(spool) if n.startswith("up-")], [])
        self.assertIn(queued, self.listed())

        # The report expired two seconds after processing; the failure record lasts four.
        self.wait_for(lambda: self.w.task(done).status == 404, 15, "the report did not expire")
        self.assertGreaterEqual(time.time() + 1, processed + 2)
        self.assertNotIn(done, self.listed())
        self.wait_for(lambda: self.w.task(failed).status == 404, 15, "the failed record did not expire")
        self.wait_for(lambda: self.w.task(queued).status == 404, 15, "the cancelled record did not expire")
        self.local.gate.set()
        self.assertTrue(self.w.wait_processed(gate)["tc_report"])
        self.assertIn("retention: cancelled 1 task(s)", self.w.log())


if __name__ == "__main__":
    unittest.main()
