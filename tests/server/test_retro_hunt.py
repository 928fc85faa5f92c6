"""YARA retro hunting and the sample store (seeds/yara-retro-api.txt, spec/worker-api.md).

The sample store keeps every processed file once, under its SHA-256, within its age and size
budgets; a local retro hunt runs the current rules over every stored sample (and what is unpacked
from it) and records what matched; START/STOP and their answers follow the seed; a hunt survives a
restart (resumed from its cursor, or recorded STOPPED); Cloud Retro answers as a Worker with no
Spectra Intelligence connection. Samples are generated here, small, and uploaded concurrently.
"""
import concurrent.futures
import hashlib
import io
import os
import shutil
import sqlite3
import time
import unittest
import zipfile

from worker_harness import USAGE, Worker, multipart, require_environment

LOCAL = "/api/uploads/local-retro-hunt/"
MARKER = b"ASSAY-RETRO-MARKER-7f3a91"
HUNT_RULE = ('rule Retro_Marker {\n  strings:\n    $m = "%s"\n  condition:\n    $m\n}\n' % MARKER.decode())
USER = "analyst"


def pseudo_random(seed, size):
    out = bytearray()
    block = hashlib.sha256(b"seed-%d" % seed).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def zipped(name, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buffer.getvalue()


def make_samples(count, marked, zipped_every=3):
    """`count` distinct small samples; the indexes in `marked` carry MARKER, every `zipped_every`-th
    marked one only inside a deflated zip member (so only unpacking finds it). Some unmarked ones
    are zips too. Returns (payloads, set of marked sha256)."""
    payloads, hits = [], set()
    for i in range(count):
        archive = (i in marked and i % zipped_every == 0) or (i not in marked and i % 11 == 0)
        if archive:  # text, so that deflate really compresses it (it stores random bytes as they are)
            body = b"".join(b"sample %d, line %d of a compressible text\n" % (i, k) for k in range(30 + i % 20))
        else:
            body = pseudo_random(i, 200 + (i * 37) % 1800)
        if i in marked:
            body = body[:100] + MARKER + body[100:]
        if archive:
            data = zipped("member-%d.txt" % i, body)
            if i in marked:
                assert MARKER not in data  # deflated: the marker is visible only after unpacking
        else:
            data = body
        payloads.append(data)
        if i in marked:
            hits.add(hashlib.sha256(data).hexdigest())
    assert len({hashlib.sha256(p).hexdigest() for p in payloads}) == count
    return payloads, hits


def form(fields):
    body, content_type = multipart([(k, v.encode(), None) for k, v in fields])
    return body, {"Content-Type": content_type}


def upload_all(w, payloads, threads=16):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        ids = list(pool.map(lambda item: w.upload_ok(item[1], "../evil %d.bin" % item[0]), enumerate(payloads)))
    wait_all_processed(w, len(ids))
    return ids


def wait_all_processed(w, count, timeout=120):
    deadline = time.time() + timeout
    while True:
        tasks = w.request("GET", USAGE + "/task").json()
        if len(tasks) >= count and all(t["processed"] for t in tasks):
            return
        if time.time() > deadline:
            raise AssertionError("uploads not processed in time:\n" + w.log()[-3000:])
        time.sleep(0.1)


class RetroClient:
    def operation(self, w, value, path=LOCAL):
        body, headers = form([("operation", value)])
        return w.request("POST", path, body, headers)

    def status(self, w):
        r = w.request("GET", LOCAL)
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "message", "success"})
        self.assertIs(doc["success"], True)
        return doc["status"]

    def wait_state(self, w, states, timeout=60):
        deadline = time.time() + timeout
        while True:
            status = self.status(w)
            if status is not None and status["state"] in states:
                return status
            if time.time() > deadline:
                raise AssertionError("hunt not %s in time: %r\n%s" % (states, status, w.log()[-3000:]))
            time.sleep(0.02)

    def wait_processed(self, w, at_least, timeout=60):
        deadline = time.time() + timeout
        while True:
            status = self.status(w)
            if status["processed"] >= at_least:
                return status
            if time.time() > deadline:
                raise AssertionError("hunt did not reach %d samples: %r" % (at_least, status))
            time.sleep(0.01)

    def matches(self, w, query="?latest=true&limit=1000"):
        r = w.request("GET", LOCAL + "matches" + query)
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertIs(doc["success"], True)
        return doc["status"]

    def assert_envelope_error(self, r, status):
        self.assertEqual(r.status, status, r)
        doc = r.json()
        self.assertIs(doc["success"], False)
        self.assertIsInstance(doc["message"], str)
        self.assertIn("status", doc)
        return doc


class RetroHuntTest(RetroClient, unittest.TestCase):
    """500 stored samples; a ruleset added afterwards finds exactly its 37."""

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.rules_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "assay-retro-rules-%d" % os.getpid())
        os.makedirs(cls.rules_dir, exist_ok=True)
        with open(os.path.join(cls.rules_dir, "base.yar"), "w") as f:
            f.write('rule Never_Matches { strings: $a = "no sample holds this 4be1c0" condition: $a }\n')
        cls.addClassCleanup(shutil.rmtree, cls.rules_dir, ignore_errors=True)
        cls.w = Worker({"rules": [cls.rules_dir], "sample_store": {"enabled": True}, "analysis_threads": 2,
                        "retro_hunt": {"threads": 2}, "user_names": {"retro": USER}, "log_requests": False})
        cls.addClassCleanup(cls.w.cleanup)  # also when setUpClass fails half way
        cls.w.start()
        cls.payloads, cls.hits = make_samples(500, set(range(3, 3 + 13 * 37, 13)))
        assert len(cls.hits) == 37
        upload_all(cls.w, cls.payloads)
        # A resubmission: the same file is kept once, its last submission moves on.
        cls.w.upload_ok(cls.payloads[0], "again.bin")
        wait_all_processed(cls.w, 501)

    def test_store_is_content_addressed_and_deduplicated(self):
        root = os.path.join(self.w.data_dir, "samples")
        stored = {}
        for prefix in os.listdir(root):
            for name in os.listdir(os.path.join(root, prefix)):
                self.assertEqual(name[:2], prefix)
                with open(os.path.join(root, prefix, name), "rb") as f:
                    stored[name] = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(len(stored), 500)
        self.assertTrue(all(name == digest for name, digest in stored.items()))
        self.assertEqual(set(stored), {hashlib.sha256(p).hexdigest() for p in self.payloads})
        self.assertEqual(os.listdir(os.path.join(self.w.data_dir, "spool")), [])
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.w.data_dir, "assay.sqlite"), uri=True)
        try:
            rows = dict((r[0], r[1:]) for r in db.execute(
                "SELECT sha256, size, first_submitted_ms, last_submitted_ms, file_name FROM samples"))
        finally:
            db.close()
        self.assertEqual(len(rows), 500)
        size, first, last, name = rows[hashlib.sha256(self.payloads[0]).hexdigest()]
        self.assertEqual(size, len(self.payloads[0]))
        self.assertGreaterEqual(last, first)
        self.assertEqual(name, "again.bin")
        size, first, last, name = rows[hashlib.sha256(self.payloads[1]).hexdigest()]
        self.assertEqual((size, name), (len(self.payloads[1]), "evil 1.bin"))  # the report's root name

    def test_hunt_with_a_ruleset_added_after_storing_finds_exactly_its_samples(self):
        with open(os.path.join(self.rules_dir, "hunt.yar"), "w") as f:
            f.write(HUNT_RULE)
        r = self.w.request("POST", USAGE + "/pull/all")
        self.assertEqual(r.status, 200, r)

        r = self.operation(self.w, "START")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": {"state": "STARTING"}, "message": None, "success": True})
        status = self.wait_state(self.w, {"COMPLETED", "STOPPED"})
        self.assertEqual(status["state"], "COMPLETED")
        self.assertEqual((status["processed"], status["samples"]), (500, 500))
        self.assertIsNotNone(status["stopped"])
        self.assertGreaterEqual(status["stopped"], status["started"])
        entry = status["history"][0]
        self.assertEqual((entry["state"], entry["started"], entry["samples"]), ("COMPLETED", status["started"], 500))
        self.assertEqual((entry["started_username"], entry["stopped_username"]), (USER, None))

        page = self.matches(self.w)
        self.assertEqual(page["total"], 37)
        self.assertEqual({m["sha256"] for m in page["matches"]}, self.hits)
        self.assertEqual({(m["ruleset"], m["rule"], m["hunt_started"]) for m in page["matches"]},
                         {("hunt", "Retro_Marker", status["started"])})
        # Paging walks the same list.
        first = self.matches(self.w, "?latest=true&limit=10")
        rest = self.matches(self.w, "?latest=true&offset=10&limit=1000")
        self.assertEqual((first["total"], len(first["matches"]), len(rest["matches"])), (37, 10, 27))
        self.assertEqual(first["matches"] + rest["matches"], page["matches"])
        for query in ("?limit=0", "?limit=1001", "?offset=-1", "?latest=maybe"):
            self.assert_envelope_error(self.w.request("GET", LOCAL + "matches" + query), 400)

        # STOP while nothing runs answers the current state.
        r = self.operation(self.w, "STOP")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], {"state": "COMPLETED"})

    def test_bad_operations_are_400(self):
        for fields in ([("operation", "start")], [("operation", "Stop")], [("operation", "PAUSE")], [("note", "x")],
                       [("operation", "")], [("operation", "START"), ("operation", "STOP")]):
            body, headers = form(fields)
            doc = self.assert_envelope_error(self.w.request("POST", LOCAL, body, headers), 400)
            self.assertIsNone(doc["status"])
        # urlencoded form data is taken too.
        r = self.w.request("POST", LOCAL, b"operation=BOGUS", {"Content-Type": "application/x-www-form-urlencoded"})
        self.assert_envelope_error(r, 400)


class RetroHuntStopAndRestartTest(RetroClient, unittest.TestCase):
    """A throttled hunt (retro_hunt.throttle_ms): START twice, STOP midway, kill -9 and resume,
    SIGTERM and a restart that records STOPPED."""

    COUNT = 200

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.rules_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "assay-retro-rules2-%d" % os.getpid())
        os.makedirs(cls.rules_dir, exist_ok=True)
        with open(os.path.join(cls.rules_dir, "hunt.yar"), "w") as f:
            f.write(HUNT_RULE)
        cls.config = {"rules": [cls.rules_dir], "analysis_threads": 2, "log_requests": False,
                      "retro_hunt": {"threads": 1, "throttle_ms": 8}, "user_names": {"retro": USER}}
        cls.addClassCleanup(shutil.rmtree, cls.rules_dir, ignore_errors=True)
        cls.w = Worker(cls.config, args=["--sample-store"])
        cls.addClassCleanup(cls.w.cleanup)
        cls.w.start()
        cls.payloads, cls.hits = make_samples(cls.COUNT, set(range(5, cls.COUNT, 15)))
        upload_all(cls.w, cls.payloads)

    def restart(self, **retro_hunt):
        self.w.config = dict(self.config, retro_hunt=dict(self.config["retro_hunt"], **retro_hunt))
        self.w.start()

    def test_stop_restart_and_resume(self):
        w = self.w
        # START, START again: 412 with the running state.
        self.assertEqual(self.operation(w, "START").status, 200)
        doc = self.assert_envelope_error(self.operation(w, "START"), 412)
        self.assertIn(doc["status"]["state"], ("STARTING", "RUNNING"))
        # STOP midway: STOPPED, a partial count, who stopped it, and a history entry.
        self.wait_processed(w, 20)
        r = self.operation(w, "STOP")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": {"state": "STOPPED"}, "message": None, "success": True})
        stopped = self.status(w)
        self.assertEqual(stopped["state"], "STOPPED")
        self.assertEqual(stopped["samples"], self.COUNT)
        self.assertTrue(20 <= stopped["processed"] < self.COUNT, stopped)
        self.assertIsNotNone(stopped["stopped"])
        self.assertEqual(len(stopped["history"]), 1)
        self.assertEqual(stopped["history"][0]["state"], "STOPPED")
        self.assertEqual((stopped["history"][0]["started_username"], stopped["history"][0]["stopped_username"]),
                         (USER, USER))
        time.sleep(0.2)
        self.assertEqual(self.status(w)["processed"], stopped["processed"], "a stopped hunt went on")
        first_matches = self.matches(w)["total"]
        self.assertLess(first_matches, len(self.hits))

        # A second hunt, killed midway: it resumes from its cursor and completes with every match once.
        self.assertEqual(self.operation(w, "START").status, 200)
        self.wait_processed(w, 90)
        w.kill9()
        self.restart()
        resumed = self.status(w)
        self.assertIn(resumed["state"], ("RUNNING", "COMPLETED"))
        self.assertGreaterEqual(resumed["processed"], 64, "resumed from the cursor (pages of 32), not from 0")
        self.assertEqual(resumed["started"], resumed["history"][0]["started"])
        self.assertEqual(len(resumed["history"]), 2)
        done = self.wait_state(w, {"COMPLETED", "STOPPED"})
        self.assertEqual(done["state"], "COMPLETED")
        self.assertEqual((done["processed"], done["samples"]), (self.COUNT, self.COUNT))
        page = self.matches(w)
        self.assertEqual(page["total"], len(self.hits))
        self.assertEqual({m["sha256"] for m in page["matches"]}, self.hits)
        # Every hunt's matches are listed without latest=true.
        self.assertEqual(self.matches(w, "?limit=1000")["total"], len(self.hits) + first_matches)

        # A third, stopped by SIGTERM; restarted with resume_on_start off: recorded STOPPED, not RUNNING.
        self.assertEqual(self.operation(w, "START").status, 200)
        self.wait_processed(w, 40)
        self.assertEqual(w.stop(), 0)
        self.restart(resume_on_start=False)
        status = self.status(w)
        self.assertEqual(status["state"], "STOPPED")
        self.assertTrue(32 <= status["processed"] < self.COUNT, status)  # what its cursor covers
        self.assertIsNotNone(status["stopped"])
        self.assertIsNone(status["history"][0]["stopped_username"])
        self.assertEqual([h["state"] for h in status["history"]], ["STOPPED", "COMPLETED", "STOPPED"])
        time.sleep(0.2)
        self.assertEqual(self.status(w)["processed"], status["processed"])


class SampleStoreBudgetTest(RetroClient, unittest.TestCase):
    """Eviction: beyond max_bytes the least recently submitted go first; past max_age_s all go."""

    def setUp(self):
        require_environment(self)
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            w.cleanup()

    def stored(self, w):
        root = os.path.join(w.data_dir, "samples")
        return {name for prefix in os.listdir(root) for name in os.listdir(os.path.join(root, prefix))}

    def test_size_budget_evicts_least_recently_submitted(self):
        w = Worker({"sample_store": {"enabled": True, "max_bytes": 5000}, "analysis_threads": 1})
        self.workers.append(w)
        w.start()
        files = [pseudo_random(1000 + i, 1000) for i in range(8)]
        digests = [hashlib.sha256(f).hexdigest() for f in files]
        for i, data in enumerate(files[:5]):
            w.wait_processed(w.upload_ok(data))
            time.sleep(0.005)  # distinct submission times
        self.assertEqual(self.stored(w), set(digests[:5]))
        w.wait_processed(w.upload_ok(files[0]))  # resubmitted: now the most recent
        for data in files[5:]:
            w.wait_processed(w.upload_ok(data))
            time.sleep(0.005)
        self.assertEqual(self.stored(w), {digests[0], digests[4], digests[5], digests[6], digests[7]})
        # A file larger than the whole budget is not kept (nor does it evict the others).
        w.wait_processed(w.upload_ok(pseudo_random(99, 6000)))
        self.assertEqual(len(self.stored(w)), 5)

    def test_age_budget_and_store_off(self):
        w = Worker({"sample_store": {"enabled": True, "max_age_s": 1, "sweep_interval_ms": 100}})
        self.workers.append(w)
        w.start()
        w.wait_processed(w.upload_ok(pseudo_random(7, 500)))
        self.assertEqual(len(self.stored(w)), 1)
        deadline = time.time() + 10
        while self.stored(w) and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.stored(w), set())

        off = Worker({})  # the default: off, nothing kept, nothing to hunt in
        self.workers.append(off)
        off.start()
        off.wait_processed(off.upload_ok(pseudo_random(8, 500)))
        self.assertFalse(os.path.exists(os.path.join(off.data_dir, "samples")))
        self.assertIsNone(self.status(off))
        self.assert_envelope_error(self.operation(off, "START"), 412)
        r = self.operation(off, "STOP")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json()["status"])


class CloudRetroTest(RetroClient, unittest.TestCase):
    """No Spectra Intelligence here: 404 for an unknown ruleset, 428 for every operation, 400 for a
    wrong one, and a status with cloud_status DISABLED and the real local scale_status."""

    TOKEN = "R" * 40

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.rules_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "assay-retro-rules3-%d" % os.getpid())
        os.makedirs(cls.rules_dir, exist_ok=True)
        with open(os.path.join(cls.rules_dir, "good.yar"), "w") as f:
            f.write("rule Good { condition: false }\n")
        with open(os.path.join(cls.rules_dir, "broken.yar"), "w") as f:
            f.write("rule Broken { condition: not a condition }\n")
        cls.addClassCleanup(shutil.rmtree, cls.rules_dir, ignore_errors=True)
        cls.w = Worker({"rules": [cls.rules_dir], "tokens": {"retro": [cls.TOKEN]}})
        cls.addClassCleanup(cls.w.cleanup)
        cls.w.start()
        with open(os.path.join(cls.rules_dir, "later.yar"), "w") as f:  # on disk, not loaded
            f.write("rule Later { condition: false }\n")
        cls.auth = {"Authorization": "Token " + cls.TOKEN}

    def path(self, name):
        return "/api/yara/ruleset/%s/cloud-retro-hunt/" % name

    def test_status(self):
        for name, scale in (("good", "ACTIVE"), ("broken", "INVALID"), ("later", "DISABLED")):
            r = self.w.request("GET", self.path(name), headers=self.auth)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {
                "status": {"cloud_status": "DISABLED", "scale_status": scale, "retrohunt_status": None,
                           "retrohunt_start_time": None, "retrohunt_finish_time": None,
                           "retrohunt_estimated_finish_time": None, "retrohunt_progress": None, "reason": None},
                "message": None, "ruleset_name": name, "success": True})
        for name in ("Good", "GOOD", "missing", "good.yar"):
            self.assert_envelope_error(self.w.request("GET", self.path(name), headers=self.auth), 404)

    def test_operations(self):
        for operation in ("START", "STOP", "CLEAR"):
            body, headers = form([("operation", operation)])
            headers.update(self.auth)
            doc = self.assert_envelope_error(self.w.request("POST", self.path("good"), body, headers), 428)
            self.assertIsNone(doc["status"])
            body, headers = form([("operation", operation)])
            headers.update(self.auth)
            self.assert_envelope_error(self.w.request("POST", self.path("Good"), body, headers), 404)
        for fields in ([("operation", "start")], [("operation", "clear")], [("operation", "DELETE")], [("note", "x")]):
            body, headers = form(fields)
            headers.update(self.auth)
            self.assert_envelope_error(self.w.request("POST", self.path("good"), body, headers), 400)

    def test_retro_token_family(self):
        self.assertEqual(self.w.request("GET", self.path("good")).status, 401)
        self.assertEqual(self.w.request("GET", LOCAL, headers={"Authorization": "Token " + "x" * 40}).status, 403)
        r = self.w.request("GET", LOCAL, headers=self.auth)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"status": None, "message": None, "success": True})  # never run


if __name__ == "__main__":
    unittest.main()
