"""GET /srv/tiscale/v1/stats: the seed's shape, every counter the Worker can move, the rolling windows
(with `stats.bucket_ms` shortened so they move in seconds), the mean queue size, the service token
family, and persistence in the database across a clean stop, a kill -9, and a day's pruning."""
import json
import os
import sqlite3
import time
import unittest

from worker_harness import SAMPLES, USAGE, LocalServer, Worker, read, require_environment, submit_url

SRV = "/srv/tiscale/v1"
SERVICE_TOKEN = "Srv" * 12
AUTH = {"Authorization": "Token " + SERVICE_TOKEN}
WINDOWS = ["1m", "10m", "1h", "8h", "1d"]
COUNTERS = ["upload_success", "upload_failure", "files_submitted", "bytes_submitted", "files_processed",
            "bytes_processed", "files_unpacked", "bytes_unpacked", "file_processing_failure",
            "general_user_failure", "general_service_failure", "not_available", "callback_success",
            "callback_failure"]
ABSENT = ["s3_unpacked_success", "s3_report_upload", "s3_upload", "s3_unpacked_failure", "s3_upload_failure",
          "s3_report_upload_failure", "sns_success", "sns_failure", "splunk_success", "splunk_failure"]
QUEUE = ["mean_queue_size", "max_mean_queue_size", "max_mean_queue_name"]
DAY = 4  # index of "1d" in the windows


def stats(worker, headers=AUTH):
    r = worker.request("GET", SRV + "/stats", headers=headers)
    assert r.status == 200, r
    return r.json()


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


class StatsTest(unittest.TestCase):
    """One Worker with one-second buckets: "1m" is 1 to 2 s, "10m" 10 to 11 s, "1d" 1440 to 1441 s."""

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.server = LocalServer()
        cls.w = Worker({"stats": {"bucket_ms": 1000, "flush_interval_ms": 200},
                        "tokens": {"service": [SERVICE_TOKEN]},
                        "analysis_threads": 1,
                        "fetch": {"allow_networks": ["127.0.0.0/8"]}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()
        cls.server.close()

    def day(self, name):
        return stats(self.w)[name][DAY]

    def test_shape_matches_the_seed(self):
        doc = stats(self.w)
        self.assertEqual(set(doc), set(["timeframes"] + COUNTERS + ABSENT + QUEUE))
        self.assertEqual(doc["timeframes"], WINDOWS)
        for name in COUNTERS + ABSENT:
            self.assertEqual(len(doc[name]), 5, name)
            self.assertTrue(all(type(v) is int and v >= 0 for v in doc[name]), (name, doc[name]))
            # Every window holds the shorter ones.
            self.assertEqual(doc[name], sorted(doc[name]), name)
        for name in ABSENT:
            self.assertEqual(doc[name], [0] * 5, name)
        for name in ("mean_queue_size", "max_mean_queue_size"):
            self.assertTrue(all(type(v) is float for v in doc[name]), (name, doc[name]))
        # As the seed's example writes it: one queue name per window.
        self.assertEqual(doc["max_mean_queue_name"], ["tiscale_hagent_input"] * 5)

    def test_service_token_family(self):
        r = self.w.request("GET", SRV + "/stats")
        self.assertEqual(r.status, 401, r)
        r = self.w.request("GET", SRV + "/stats", headers={"Authorization": "Token " + "X" * 36})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.w.request("GET", SRV + "/stats", headers=AUTH).status, 200)

    def test_uploads_processing_and_unpacking_are_counted(self):
        zip_data = read(os.path.join(SAMPLES, "formats", "sample.zip"))
        text = b"plain text, nothing inside\n" * 10
        before = stats(self.w)
        ids = [self.w.upload_ok(zip_data, "sample.zip"), self.w.upload_ok(text, "plain.txt")]
        reports = [self.w.wait_processed(i)["tc_report"] for i in ids]
        children = [e for report in reports for e in report if e.get("parent") is not None]
        self.assertGreaterEqual(len(children), 2)  # the zip's members

        def delta(doc, name):
            return doc[name][DAY] - before[name][DAY]

        # The analysis thread counts right after it records the report: poll for that moment.
        after = wait_for(lambda: (lambda d: d if delta(d, "files_processed") == 2 else None)(stats(self.w)), 5,
                         "files_processed to count both files")
        self.assertEqual(delta(after, "upload_success"), 2)
        self.assertEqual(delta(after, "upload_failure"), 0)
        self.assertEqual(delta(after, "files_submitted"), 2)
        self.assertEqual(delta(after, "bytes_submitted"), len(zip_data) + len(text))
        self.assertEqual(delta(after, "bytes_processed"), len(zip_data) + len(text))
        self.assertEqual(delta(after, "files_unpacked"), len(children))
        self.assertEqual(delta(after, "bytes_unpacked"), sum(e["info"]["file"]["size"] for e in children))
        self.assertEqual(delta(after, "file_processing_failure"), 0)
        self.assertEqual(delta(after, "general_user_failure"), 0)
        self.assertEqual(delta(after, "general_service_failure"), 0)
        # Just now: in the shortest window too.
        self.assertGreaterEqual(after["upload_success"][0], 2)

    def test_refusals_and_errors_are_counted(self):
        before = stats(self.w)
        self.assertEqual(self.w.request("POST", USAGE + "/upload", b"x", {"Content-Type": "text/plain"}).status, 400)
        self.assertEqual(self.w.request("GET", USAGE + "/no-such-route").status, 404)
        self.assertEqual(self.w.request("GET", SRV + "/stats").status, 401)  # refused before routing
        self.assertEqual(self.w.request("GET", USAGE + "/quota").status, 503)
        r = submit_url(self.w, {"url": "ftp://example.com/file"})
        self.assertEqual(r.status, 400, r)
        after = stats(self.w)

        def delta(name):
            return after[name][DAY] - before[name][DAY]

        self.assertEqual(delta("general_user_failure"), 4)
        self.assertEqual(delta("general_service_failure"), 1)
        self.assertEqual(delta("upload_failure"), 2)  # the upload and the submit-url
        self.assertEqual(delta("upload_success"), 0)
        self.assertEqual(delta("files_submitted"), 0)

    def test_submit_url_download_and_failure(self):
        self.server.files["fetched.bin"] = b"downloaded bytes " * 100
        before = stats(self.w)
        ok = submit_url(self.w, {"url": self.server.url("/file/fetched.bin")})
        missing = submit_url(self.w, {"url": self.server.url("/file/missing.bin")})
        self.assertEqual((ok.status, missing.status), (200, 200), (ok, missing))
        for r in (ok, missing):
            self.w.wait_processed(int(r.json()["task_url"].rsplit("/", 1)[1]))

        def delta(doc, name):
            return doc[name][DAY] - before[name][DAY]

        after = wait_for(lambda: (lambda d: d if delta(d, "files_processed") + delta(d, "file_processing_failure") == 2
                                  else None)(stats(self.w)), 5, "both tasks to be counted")
        self.assertEqual(delta(after, "upload_success"), 2)
        self.assertEqual(delta(after, "files_submitted"), 2)
        self.assertEqual(delta(after, "files_processed"), 1)
        self.assertEqual(delta(after, "file_processing_failure"), 1)
        # Only the download that arrived counts its bytes.
        self.assertEqual(delta(after, "bytes_submitted"), len(self.server.files["fetched.bin"]))
        self.assertEqual(delta(after, "bytes_processed"), len(self.server.files["fetched.bin"]))

    def test_windows_roll(self):
        def user_failures():
            return stats(self.w)["general_user_failure"]

        # Start from a shortest window clear of the other tests' errors.
        wait_for(lambda: user_failures()[0] == 0, 5, "the 1m window to empty")
        before = user_failures()
        for _ in range(3):
            self.assertEqual(self.w.request("GET", USAGE + "/task/999999").status, 404)
        now = user_failures()
        self.assertEqual(now[0], 3)
        self.assertEqual(now[DAY] - before[DAY], 3)
        # Two buckets on, the 404s have left "1m" but are still in "10m" (10 buckets) and beyond.
        started = time.time()
        later = wait_for(lambda: (lambda f: f if f[0] == 0 else None)(user_failures()), 5, "the 404s to leave 1m")
        self.assertLess(time.time() - started, 3.5)
        self.assertGreaterEqual(later[1], 3)
        self.assertEqual(later[DAY] - before[DAY], 3)

    def test_mean_queue_size(self):
        # One analysis thread, held by a download that waits on the gate; three more tasks queue.
        self.server.gate.clear()
        self.server.files["q.bin"] = b"queued\n"
        held = submit_url(self.w, {"url": self.server.url("/gate")})
        self.assertEqual(held.status, 200, held)
        self.assertTrue(self.server.gate_hits.acquire(timeout=10))
        queued = [submit_url(self.w, {"url": self.server.url("/file/q.bin")}) for _ in range(3)]
        self.assertEqual([r.status for r in queued], [200] * 3)
        try:
            # Sampled ten times a bucket: once "1m" holds only samples taken with three queued, its
            # mean is exactly 3; the day's mean is between 0 and 3 (the class's earlier samples).
            doc = wait_for(lambda: (lambda d: d if d["mean_queue_size"][0] == 3.0 else None)(stats(self.w)), 6,
                           "the 1m mean queue size to reach 3")
            self.assertGreater(doc["mean_queue_size"][DAY], 0.0)
            self.assertLessEqual(doc["mean_queue_size"][DAY], 3.0)
            self.assertEqual(doc["max_mean_queue_size"], doc["mean_queue_size"])
        finally:
            self.server.gate.set()
        for r in [held] + queued:
            self.w.wait_processed(int(r.json()["task_url"].rsplit("/", 1)[1]))
        wait_for(lambda: stats(self.w)["mean_queue_size"][0] == 0.0, 6, "the 1m mean to drop back to 0")


class StatsPersistenceTest(unittest.TestCase):
    """Counts survive a clean stop and a kill -9 (periodic writes); buckets older than a day go."""

    @classmethod
    def setUpClass(cls):
        require_environment(cls)

    def worker(self, data_dir=None, flush_interval_ms=200):
        w = Worker({"stats": {"flush_interval_ms": flush_interval_ms}}, data_dir=data_dir)
        self.addCleanup(w.cleanup)
        return w

    def counters(self, w):
        doc = stats(w, headers={})
        return {name: doc[name] for name in COUNTERS}

    def make_traffic(self, w):
        w.wait_processed(w.upload_ok(b"persisted sample\n"))
        self.assertEqual(w.request("GET", USAGE + "/task/424242").status, 404)
        return wait_for(lambda: (lambda c: c if c["files_processed"][DAY] == 1 else None)(self.counters(w)), 5,
                        "the upload to be counted")

    def test_clean_stop_writes_the_counts(self):
        # A write interval far longer than the test: only the write at stop can keep them.
        first = self.worker(flush_interval_ms=600000).start()
        counted = self.make_traffic(first)
        self.assertEqual(counted["upload_success"][DAY], 1)
        self.assertEqual(first.stop(), 0)
        second = self.worker(first.data_dir).start()
        self.assertEqual(self.counters(second), counted)

    def test_kill9_keeps_what_was_written(self):
        first = self.worker(flush_interval_ms=200).start()
        counted = self.make_traffic(first)
        time.sleep(1.0)  # several write intervals
        first.kill9()
        second = self.worker(first.data_dir).start()
        self.assertEqual(self.counters(second), counted)

    def test_buckets_older_than_a_day_are_pruned(self):
        first = self.worker().start()
        stats(first, headers={})  # (a SIGTERM before the server is listening would be lost)
        self.assertEqual(first.stop(), 0)  # the database now has its schema
        db_path = os.path.join(first.data_dir, "assay.sqlite")
        minute = 60000
        current = int(time.time() * 1000) // minute * minute
        with sqlite3.connect(db_path) as db:
            db.executemany("INSERT INTO stats (bucket_start_ms, name, value) VALUES (?, ?, ?)", [
                (current - 2 * 1440 * minute, "general_user_failure", 1000),  # two days ago
                (current - 30 * minute, "general_user_failure", 7),           # half an hour ago
                (current - 30 * minute, "a_counter_from_a_newer_worker", 5),
            ])
        db.close()
        second = self.worker(first.data_dir).start()
        # Half an hour ago: in "1h", "8h" and "1d", not in "1m" nor "10m"; two days ago: nowhere.
        self.assertEqual(stats(second, headers={})["general_user_failure"], [0, 0, 7, 7, 7])
        self.assertEqual(second.stop(), 0)
        with sqlite3.connect(db_path) as db:
            starts = [row[0] for row in db.execute("SELECT bucket_start_ms FROM stats WHERE name = 'general_user_failure'")]
        db.close()
        self.assertEqual(starts, [current - 30 * minute])


class StatsConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)

    def test_settings_are_validated(self):
        from test_health import refused_at_start
        for stats_config, named in (({"bucket_ms": 99}, "stats.bucket_ms"), ({"bucket_ms": 60001}, "stats.bucket_ms"),
                                    ({"flush_interval_ms": 0}, "stats.flush_interval_ms"),
                                    ({"window": 1}, "stats.window")):
            code, err = refused_at_start({"stats": stats_config})
            self.assertEqual(code, 2, (stats_config, err))
            self.assertIn(named, err)


if __name__ == "__main__":
    unittest.main()
