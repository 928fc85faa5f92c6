"""Disk health (health.max_disk_usage_percent): above the threshold the Worker is "not healthy":
available, upload and submit-url answer 503 and refused submissions count in not_available; paused
still wins; and the same data directory under a threshold the disks are within is healthy again."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from worker_harness import USAGE, WORKER, Worker, require_environment, submit_url

SRV = "/srv/tiscale/v1"
JSON = {"Content-Type": "application/json"}
NOT_HEALTHY = {"message": "not healthy"}


def refused_at_start(config):
    """Runs the Worker with `config`, which it must refuse: (exit status, stderr)."""
    tmp = tempfile.mkdtemp(prefix="assay-worker-health-")
    try:
        path = os.path.join(tmp, "config.json")
        with open(path, "w") as f:
            json.dump(config, f)
        p = subprocess.run([WORKER, "--config", path, "--data-dir", os.path.join(tmp, "d"), "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=30)
        return p.returncode, p.stderr.decode()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def counter(worker, name):
    r = worker.request("GET", SRV + "/stats")
    assert r.status == 200, r
    return r.json()[name][4]  # the "1d" window


def disk_usage(worker):
    r = worker.request("GET", SRV + "/sysinfo")
    assert r.status == 200, r
    doc = r.json()
    return doc["scratch_space"], doc["root_space"]


class DiskHealthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)

    def worker(self, percent, data_dir=None):
        w = Worker({"health": {"max_disk_usage_percent": percent}}, data_dir=data_dir)
        self.addCleanup(w.cleanup)
        return w.start()

    def set_paused(self, w, paused):
        r = w.request("PUT", SRV + "/mode", json.dumps({"paused": paused}).encode(), JSON)
        self.assertEqual(r.status, 200, r)

    def test_over_the_threshold_refuses_then_recovers_under_a_higher_one(self):
        w = self.worker(0)
        scratch, root = disk_usage(w)
        self.assertGreater(max(scratch, root), 0.0)  # so 0 % is really exceeded

        r = w.request("GET", SRV + "/available")
        self.assertEqual((r.status, r.json()), (503, NOT_HEALTHY))
        r = w.upload(b"refused while not healthy")
        self.assertEqual((r.status, r.json()), (503, NOT_HEALTHY))
        r = submit_url(w, {"url": "https://example.com/file.bin"})
        self.assertEqual((r.status, r.json()), (503, NOT_HEALTHY))
        self.assertEqual(counter(w, "not_available"), 2)  # the submissions, not the probe
        self.assertEqual(counter(w, "upload_failure"), 2)
        self.assertEqual(counter(w, "general_service_failure"), 3)
        self.assertEqual(w.request("GET", USAGE + "/task").json(), [])  # nothing was accepted

        # Paused wins over not healthy, and is not counted as not available.
        self.set_paused(w, True)
        r = w.request("GET", SRV + "/available")
        self.assertEqual((r.status, r.json()), (503, {"message": "paused"}))
        r = w.upload(b"refused while paused")
        self.assertEqual((r.status, r.json()), (503, {"message": "paused"}))
        self.assertEqual(counter(w, "not_available"), 2)
        self.set_paused(w, False)
        self.assertEqual(w.request("GET", SRV + "/available").json(), NOT_HEALTHY)
        self.assertEqual(w.stop(), 0)
        self.assertIn("not healthy: scratch space", w.log())  # the log says which disk and how full

        # The same data directory with a threshold no disk can exceed: healthy, takes files, and
        # the refusals counted before are still in the day's statistics.
        again = self.worker(100, data_dir=w.data_dir)
        r = again.request("GET", SRV + "/available")
        self.assertEqual((r.status, r.body), (200, b""))
        task = again.upload_ok(b"accepted once healthy")
        again.wait_processed(task)
        self.assertEqual(counter(again, "not_available"), 2)

    def test_default_threshold_follows_the_disks(self):
        w = self.worker(95)
        scratch, root = disk_usage(w)
        r = w.request("GET", SRV + "/available")
        if scratch <= 95 and root <= 95:
            self.assertEqual((r.status, r.body), (200, b""))
            self.assertEqual(w.upload(b"healthy upload").status, 200)
        else:  # a machine whose disk is that full: the Worker must say so
            self.assertEqual((r.status, r.json()), (503, NOT_HEALTHY))

    def test_threshold_is_validated(self):
        for bad in (-1, 101, "95", 95.5):
            code, err = refused_at_start({"health": {"max_disk_usage_percent": bad}})
            self.assertEqual(code, 2, (bad, err))
            self.assertIn("health.max_disk_usage_percent", err)


if __name__ == "__main__":
    unittest.main()
