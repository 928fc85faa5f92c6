"""Durability: kill -9 with 200 uploads queued or running, then restart on the same data directory;
a task interrupted twice during analysis fails with a reason; SIGTERM finishes or requeues."""
import concurrent.futures
import hashlib
import os
import sqlite3
import threading
import time
import unittest

from worker_harness import LocalServer, USAGE, Worker, read, require_environment, sample_files, submit_url


def task_id(r):
    assert r.status == 200, r
    return int(r.json()["task_url"].rsplit("/", 1)[1])


class RecoveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.local = LocalServer()
        cls.config = {"analysis_threads": 2, "fetch": {"allow_networks": ["127.0.0.0/8"]}, "shutdown_grace_s": 30}

    @classmethod
    def tearDownClass(cls):
        cls.local.close()

    def setUp(self):
        self.local.gate.clear()
        self.workers = []

    def tearDown(self):
        self.local.gate.set()
        for w in self.workers:
            w.cleanup()

    def worker(self, data_dir=None, **overrides):
        w = Worker(dict(self.config, **overrides), data_dir=data_dir)
        self.workers.append(w)
        return w.start()

    def hold_one_thread(self, w):
        """Submits a download that waits at the gate: one analysis thread is busy until it opens."""
        gate = task_id(submit_url(w, {"url": self.local.url("/gate")}))
        self.assertTrue(self.local.gate_hits.acquire(timeout=30))
        return gate

    def test_kill9_with_200_uploads_loses_and_duplicates_nothing(self):
        # Both analysis threads wait at the gate, so all 200 uploads are queued at the first kill.
        w = self.worker()
        gates = [self.hold_one_thread(w) for _ in range(2)]
        files = [read(p) for _, p in sample_files("src", "formats", "nested", "edge", "corrupt")]
        payloads = [(files[i % len(files)] + b"\n#%d" % i if i % 3 else files[i % len(files)]) for i in range(200)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            ids = list(pool.map(lambda i: w.upload_ok(payloads[i], "u%03d.bin" % i), range(200)))
        self.assertEqual(len(set(ids)), 200)
        self.assertEqual(sum(1 for t in w.request("GET", USAGE + "/task").json() if not t["processed"]), 202)
        w.kill9()

        # Restart: the two interrupted downloads are retried; once the gate opens the uploads run, and
        # the second kill lands in the middle of them (some done, one or two running, the rest queued).
        w = self.worker(data_dir=w.data_dir)
        for _ in range(2):
            self.assertTrue(self.local.gate_hits.acquire(timeout=30))
        self.local.gate.set()
        deadline = time.time() + 60
        while sum(1 for t in w.request("GET", USAGE + "/task").json() if t["processed"]) < 12:
            self.assertLess(time.time(), deadline)
            time.sleep(0.005)
        w.kill9()
        db = sqlite3.connect(os.path.join(w.data_dir, "assay.sqlite"))
        states = dict(db.execute("SELECT state, count(*) FROM tasks GROUP BY state").fetchall())
        db.close()
        self.assertGreater(states.get("queued", 0) + states.get("running", 0), 0, states)

        w = self.worker(data_dir=w.data_dir)
        expected = {i: hashlib.sha1(p).hexdigest() for i, p in zip(ids, payloads)}
        for i in ids:
            doc = w.wait_processed(i, timeout=120, query="?report_type=small")
            if doc.get("error"):
                self.fail("task %d failed: %s" % (i, doc["error"]))
            sha1 = {h["name"]: h["value"] for h in doc["tc_report"][0]["info"]["file"]["hashes"]}["sha1"]
            self.assertEqual(sha1, expected[i], "task %d has another file's report" % i)
        for gate in gates:
            self.assertTrue(w.wait_processed(gate, timeout=60)["tc_report"])
        listed = [t["task_id"] for t in w.request("GET", USAGE + "/task").json()]
        self.assertEqual(len(listed), len(set(listed)))
        self.assertEqual(sorted(listed), sorted(ids + gates))
        self.assertEqual(os.listdir(os.path.join(w.data_dir, "spool")), [])
        self.assertIn("recovered", w.log())

    def test_interrupted_twice_fails_with_a_reason(self):
        w = self.worker(analysis_threads=1)
        gate = self.hold_one_thread(w)
        behind = w.upload_ok(b"queued behind the gate", "behind.txt")
        w.kill9()
        w = self.worker(data_dir=w.data_dir, analysis_threads=1)
        self.assertTrue(self.local.gate_hits.acquire(timeout=30), "the interrupted task was not retried")
        self.assertIn("task %d was interrupted during analysis: retrying once" % gate, w.log())
        w.kill9()
        w = self.worker(data_dir=w.data_dir, analysis_threads=1)
        doc = w.wait_processed(gate)
        self.assertIsNone(doc["tc_report"])
        self.assertIn("interrupted twice", doc["error"])
        self.assertTrue(w.wait_processed(behind)["tc_report"])

    def test_restart_requeues_and_cleans_the_spool(self):
        w = self.worker(analysis_threads=1)
        gate = self.hold_one_thread(w)
        queued = [w.upload_ok(b"queued %d" % i, "q%d.txt" % i) for i in range(3)]
        # SIGTERM while the download waits at the gate; the gate opens half a second later.
        threading.Timer(0.5, self.local.gate.set).start()
        self.assertEqual(w.stop(), 0)
        # The clean stop let the running download finish; what was queued is still queued.
        db = sqlite3.connect(os.path.join(w.data_dir, "assay.sqlite"))
        states = dict(db.execute("SELECT id, state FROM tasks").fetchall())
        db.close()
        self.assertEqual(states[gate], "done")
        self.assertEqual([states[i] for i in queued], ["queued"] * 3)
        orphan = os.path.join(w.data_dir, "spool", "up-orphan-from-a-crash")
        with open(orphan, "wb") as f:
            f.write(b"left by an upload that died before its task was recorded")
        w = self.worker(data_dir=w.data_dir, analysis_threads=1)
        for i in queued:
            self.assertTrue(w.wait_processed(i)["tc_report"])
        self.assertFalse(os.path.exists(orphan))

    def test_sigterm_requeues_analyses_that_outlast_the_grace_period(self):
        w = self.worker(analysis_threads=1, shutdown_grace_s=1)
        gate = self.hold_one_thread(w)
        started = time.time()
        self.assertEqual(w.stop(), 0)
        self.assertLess(time.time() - started, 20)
        self.assertIn("task %d requeued" % gate, "\n".join(w.lines))
        w = self.worker(data_dir=w.data_dir, analysis_threads=1)
        self.assertTrue(self.local.gate_hits.acquire(timeout=30))
        self.local.gate.set()
        self.assertTrue(w.wait_processed(gate)["tc_report"])
        self.assertNotIn("retrying", w.log())  # a requeue at shutdown is not counted as a crash


if __name__ == "__main__":
    unittest.main()
