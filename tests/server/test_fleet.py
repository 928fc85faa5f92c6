"""A fleet: three real assay-workers behind HAProxy configured by deploy/haproxy_config.py, on loopback.

Uploads through the Hub spread round-robin; each task URL points at the Worker that owns the task,
and the Hub routes /task/{id} to it by the id alone; a paused Worker leaves the pool within the
health-check interval (and a 503 in between is retried on another Worker); killing a Worker loses no
upload the Hub acknowledged."""
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from collections import Counter

from worker_harness import REPO, USAGE, Worker, multipart, require_environment

CHECK_MS = 300
spec = importlib.util.spec_from_file_location("haproxy_config", os.path.join(REPO, "deploy", "haproxy_config.py"))
haproxy_config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(haproxy_config)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    def __init__(self, workers, tmp):
        self.port = free_port()
        config = haproxy_config.render("127.0.0.1:%d" % self.port,
                                       [("w%d" % (i + 1), "127.0.0.1:%d" % w.fixed_port) for i, w in enumerate(workers)],
                                       CHECK_MS, 1, 2, 256 * 1024, "", 60)
        self.config_path = os.path.join(tmp, "hub.cfg")
        with open(self.config_path, "w") as f:
            f.write(config)
        self.log = open(os.path.join(tmp, "haproxy.log"), "wb")
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", self.config_path], stdout=self.log, stderr=subprocess.STDOUT)
        self.worker = Worker()  # only its HTTP helpers, pointed at the Hub
        self.worker.port = self.port
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.worker.request("GET", "/srv/tiscale/v1/available", timeout=2).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            raise AssertionError("HAProxy did not come up")
        time.sleep(3 * CHECK_MS / 1000.0)  # every server through its first checks

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.worker.tmp, ignore_errors=True)


class TaskIdStartTest(unittest.TestCase):
    """task_id_start moves ids up to a range of their own and never back down."""

    def test_ids_start_where_configured_and_never_go_back(self):
        require_environment(self)
        w = Worker({"task_id_start": 5000})
        try:
            w.start()
            self.assertEqual(w.upload_ok(b"one"), 5000)
            w.stop()
            w.config["task_id_start"] = 10  # lower: ignored, ids are never reused
            w.start()
            self.assertEqual(w.upload_ok(b"two"), 5001)
            w.stop()
            w.config["task_id_start"] = 9000
            w.start()
            self.assertEqual(w.upload_ok(b"three"), 9000)
        finally:
            w.cleanup()


@unittest.skipUnless(shutil.which("haproxy"), "haproxy is not installed (scripts/bootstrap.sh installs it)")
class FleetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.tmp = tempfile.mkdtemp(prefix="assay-fleet-")
        cls.workers = []
        for index in range(1, 4):
            port = free_port()
            w = Worker({"task_id_start": haproxy_config.task_id_start(index),
                        "public_url": "http://127.0.0.1:%d" % port, "analysis_threads": 1},
                       args=["--listen", "127.0.0.1:%d" % port])
            w.fixed_port = port
            cls.workers.append(w.start())
        cls.hub = Hub(cls.workers, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        for w in cls.workers:
            w.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def owner(self, task_url):
        port = int(task_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        return next(i for i, w in enumerate(self.workers) if w.fixed_port == port)

    def upload_via_hub(self, n, threads=6):
        """n uploads through the Hub from `threads` clients; [(status, task_url or None)]."""
        results = []
        lock = threading.Lock()

        def client(k):
            for i in range(k, n, threads):
                r = self.hub.worker.upload(b"fleet sample %d\n" % i, "f%d.txt" % i)
                with lock:
                    results.append((r.status, r.json().get("task_url") if r.status == 200 else None))

        pool = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        return results

    def set_paused(self, worker, paused):
        r = worker.request("PUT", "/srv/tiscale/v1/mode", b'{"paused": %s}' % (b"true" if paused else b"false"),
                           {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)

    def test_1_round_robin_spreads_and_every_task_url_answers(self):
        results = self.upload_via_hub(300)
        self.assertEqual([s for s, _ in results], [200] * 300)
        per_worker = Counter(self.owner(url) for _, url in results)
        self.assertEqual(sorted(per_worker), [0, 1, 2])
        for count in per_worker.values():
            self.assertTrue(80 <= count <= 120, per_worker)
        for _, url in results[::7]:
            index = self.owner(url)
            task_id = int(url.rsplit("/", 1)[1])
            self.assertEqual(task_id // haproxy_config.ID_RANGE, index + 1)  # the id names its Worker
            doc = self.workers[index].wait_processed(task_id)  # the task URL's own Worker
            self.assertIsNotNone(doc["tc_report"])
            via_hub = self.hub.worker.task(task_id)  # and the Hub routes the id there too
            self.assertEqual(via_hub.status, 200, via_hub)
            self.assertEqual(via_hub.json()["task_id"], task_id)

    def test_2_a_paused_worker_leaves_the_pool_and_comes_back(self):
        paused = self.workers[1]
        self.set_paused(paused, True)
        try:
            # At once, before the checks notice: a 503 from the paused Worker is retried elsewhere.
            early = self.upload_via_hub(30, threads=3)
            self.assertEqual([s for s, _ in early], [200] * 30)
            self.assertNotIn(1, {self.owner(url) for _, url in early})
            time.sleep(2 * CHECK_MS / 1000.0)
            later = self.upload_via_hub(60)
            self.assertEqual([s for s, _ in later], [200] * 60)
            self.assertEqual(Counter(self.owner(url) for _, url in later).get(1, 0), 0)
        finally:
            self.set_paused(paused, False)
        time.sleep(4 * CHECK_MS / 1000.0)  # rise 2
        back = self.upload_via_hub(30)
        self.assertGreater(Counter(self.owner(url) for _, url in back).get(1, 0), 0)

    def test_3_killing_a_worker_loses_no_acknowledged_upload(self):
        victim = self.workers[2]
        stop = threading.Event()
        acknowledged = []
        lock = threading.Lock()

        def client(k):
            i = 0
            while not stop.is_set():
                try:
                    r = self.hub.worker.upload(b"kill test %d %d\n" % (k, i), "k%d-%d.txt" % (k, i))
                except OSError:
                    continue
                i += 1
                if r.status == 200:
                    with lock:
                        acknowledged.append(r.json()["task_url"])

        pool = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in pool:
            t.start()
        time.sleep(1.0)
        victim.kill9()
        time.sleep(1.0)
        stop.set()
        for t in pool:
            t.join()
        victim.start()  # same data directory, port and settings: recovery requeues what it accepted
        owned = [url for url in acknowledged if self.owner(url) == 2]
        self.assertGreater(len(owned), 0)
        for url in acknowledged:
            index = self.owner(url)
            doc = self.workers[index].wait_processed(int(url.rsplit("/", 1)[1]), timeout=120)
            self.assertIsNotNone(doc["tc_report"], url)


if __name__ == "__main__":
    unittest.main()
