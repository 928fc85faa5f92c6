"""The Usage API over a real socket with authorization off: uploads, task info, listing, deletion,
report rendering parameters, and every error status with its JSON message."""
import hashlib
import json
import os
import time
import unittest
import urllib.parse

from worker_harness import (REPO, SAMPLES, USAGE, Worker, multipart, read, require_environment,
                            sample_files)

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def manifest():
    rows = {}
    with open(os.path.join(SAMPLES, "manifest.tsv")) as f:
        next(f)
        for line in f:
            sample, member, md5, sha1, sha256 = line.rstrip("\n").split("\t")
            rows.setdefault(sample, []).append((member, md5, sha1, sha256))
    return rows


def hashes(entry):
    return {h["name"]: h["value"] for h in entry["info"]["file"]["hashes"]}


class UsageApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        # max_depth 32: nested/deep20.zip holds hello.txt 21 levels down (the default stops at 16).
        cls.w = Worker({"analysis_threads": 2, "engine": {"max_depth": 32},
                        "report_types_dir": os.path.join(REPO, "tests", "report_types", "good")}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def assertError(self, r, status, fragment=""):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"), r.headers)
        message = r.json()["message"]
        self.assertIn(fragment, message)
        return message

    # --- uploads and reports ---------------------------------------------------------------------
    def test_every_sample_and_the_hash_of_each_child(self):
        expected = manifest()
        files = sample_files("src", "formats", "nested", "encrypted", "corrupt", "edge", "bombs")
        self.assertGreater(len(files), 40)
        ids = {rel: self.w.upload_ok(read(path), os.path.basename(path)) for rel, path in files}
        checked_children = 0
        for rel, path in files:
            doc = self.w.wait_processed(ids[rel], query="?report_type=large")
            self.assertNotIn("error", doc, rel)
            report = doc["tc_report"]
            root = report[0]
            data = read(path)
            self.assertEqual(root["info"]["file"]["file_name"], os.path.basename(path))
            self.assertEqual(hashes(root)["sha1"], hashlib.sha1(data).hexdigest(), rel)
            self.assertEqual(hashes(root)["sha256"], hashlib.sha256(data).hexdigest(), rel)
            self.assertEqual(hashes(root)["md5"], hashlib.md5(data).hexdigest(), rel)
            for member, md5, sha1, sha256 in expected.get(rel, []):
                found = [e for e in report[1:] if e["info"]["file"]["file_name"] == member
                         and hashes(e)["sha1"] == sha1]
                self.assertTrue(found, "%s: no child %s with sha1 %s" % (rel, member, sha1))
                self.assertEqual(hashes(found[0])["md5"], md5)
                self.assertEqual(hashes(found[0])["sha256"], sha256)
                checked_children += 1
            for e in report:
                self.assertEqual(len(hashes(e)["sha1"]), 40)
        self.assertEqual(checked_children, sum(len(v) for v in expected.values()))

    def test_task_fields(self):
        task_id = self.w.upload_ok(b"hello world\n", "hello.txt",
                                   headers={"X-Forwarded-For": "203.0.113.7, 198.51.100.2:8080, junk, [2001:db8::1]:443"})
        doc = self.w.wait_processed(task_id)
        for field in ("task_id", "submitted", "processed", "worker_ip", "worker_address", "worker_hostname",
                      "direct_sender", "forwarded_for", "tc_report"):
            self.assertIn(field, doc)
        self.assertEqual(doc["task_id"], task_id)
        self.assertIsInstance(doc["submitted"], int)
        self.assertGreaterEqual(doc["processed"], doc["submitted"])
        self.assertLess(abs(doc["submitted"] - time.time()), 120)
        self.assertEqual(doc["direct_sender"], "127.0.0.1")
        self.assertEqual(doc["forwarded_for"], ["203.0.113.7", "198.51.100.2", "2001:db8::1"])
        self.assertIsInstance(doc["worker_ip"], list)
        self.assertIsInstance(doc["worker_address"], list)
        self.assertTrue(doc["worker_hostname"])
        self.assertNotIn("custom_data", doc)
        self.assertNotIn("error", doc)
        self.assertEqual(doc["tc_report"][0]["info"]["file"]["file_name"], "hello.txt")

    def test_task_url_uses_the_host_header(self):
        body, ctype = multipart([("file", b"x", "x.txt")])
        r = self.w.request("POST", USAGE + "/upload", body, {"Content-Type": ctype, "Host": "worker.example:8443"})
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.json()["task_url"], r"^http://worker\.example:8443/api/tiscale/v1/task/\d+$")

    def test_custom_data_echo(self):
        custom = {"file_source": {"uploader": "malware_analyst", "origin": "example"}, "n": [1, 2.5, None, "\u00e9"]}
        task_id = self.w.upload_ok(b"data", "a.bin", fields={"custom_data": json.dumps(custom),
                                                            "user_data": json.dumps({"network": {"src_ip": "10.1.10.42"}})})
        doc = self.w.wait_processed(task_id)
        self.assertEqual(doc["custom_data"], custom)
        self.assertNotIn("user_data", doc)
        # Not valid JSON: accepted, and left out of the report.
        task_id = self.w.upload_ok(b"data", "b.bin", fields={"custom_data": "{not json"})
        self.assertNotIn("custom_data", self.w.wait_processed(task_id))

    def test_integrity_check(self):
        data = b"integrity check payload"
        sha1 = hashlib.sha1(data).hexdigest()
        task_id = self.w.upload_ok(data, "ok.bin", fields={"custom_data": json.dumps({"integrity_check_hash": sha1.upper()})})
        self.assertEqual(self.w.wait_processed(task_id)["custom_data"], {"integrity_check_hash": sha1.upper()})
        wrong = "0" * 40
        r = self.w.upload(data, "bad.bin", fields={"custom_data": json.dumps({"integrity_check_hash": wrong})})
        self.assertError(r, 400, "ERROR: Upload: failed to accept upload integrity check failed, calculated hash %s "
                                 "differs from the one passed in custom data %s." % (sha1, wrong))
        # The file field may come before custom_data: the hash is computed while streaming either way.
        body, ctype = multipart([("file", data, "late.bin"), ("custom_data", json.dumps({"integrity_check_hash": wrong}).encode(), None)])
        self.assertError(self.w.request("POST", USAGE + "/upload", body, {"Content-Type": ctype}), 400, "integrity check failed")
        r = self.w.upload(data, "bad.bin", fields={"custom_data": json.dumps({"integrity_check_hash": 5})})
        self.assertError(r, 400, "integrity_check_hash")

    def test_hostile_file_name_is_data(self):
        task_id = self.w.upload_ok(EICAR, "../../etc/\u00e9vil\x01.com".encode("utf-8", "surrogateescape").decode("latin-1"))
        doc = self.w.wait_processed(task_id)
        root = doc["tc_report"][0]
        self.assertNotIn("/", root["info"]["file"]["file_name"])
        self.assertEqual(root["classification"]["classification"], 3)
        self.assertEqual(os.listdir(os.path.join(self.w.data_dir, "spool")), [])

    # --- rendering parameters --------------------------------------------------------------------
    def test_report_parameters(self):
        task_id = self.w.upload_ok(read(os.path.join(SAMPLES, "formats", "sample.zip")), "sample.zip")
        medium = self.w.wait_processed(task_id)["tc_report"]
        large = self.w.task(task_id, "?report_type=large").json()["tc_report"]
        small = self.w.task(task_id, "?report_type=small").json()["tc_report"]
        full = self.w.task(task_id, "?full=true").json()["tc_report"]
        summary = self.w.task(task_id, "?full=0").json()["tc_report"]
        self.assertEqual(full, large)
        self.assertEqual(summary, medium)
        self.assertGreater(len(json.dumps(large)), len(json.dumps(medium)))
        self.assertGreater(len(json.dumps(medium)), len(json.dumps(small)))
        custom = self.w.task(task_id, "?report_type=soc").json()["tc_report"]
        self.assertNotIn("story", custom[0])
        flat = self.w.task(task_id, "?view=flat&report_type=small").json()["tc_report"]
        self.assertIn("info_file_size", flat[0])
        include = urllib.parse.quote(json.dumps(["info.file.size", "classification"]))
        only = self.w.task(task_id, "?report_type=large&include_fields=" + include).json()["tc_report"][0]
        self.assertEqual(set(only) - {"index", "parent"}, {"info", "classification"})
        self.assertEqual(set(only["info"]["file"]), {"size"})
        exclude = urllib.parse.quote(json.dumps(["classification"]))
        self.assertNotIn("classification", self.w.task(task_id, "?exclude_fields=" + exclude).json()["tc_report"][0])
        v13 = self.w.task(task_id, "?report_type=large&v13=1")
        self.assertEqual(v13.status, 200, v13)

    def test_unknown_report_type(self):
        task_id = self.w.upload_ok(b"abc", "abc.txt")
        self.w.wait_processed(task_id)
        message = self.assertError(self.w.task(task_id, "?report_type=nonesuch"), 400, "nonesuch")
        for known in ("small", "medium", "large", "soc"):
            self.assertIn(known, message)

    def test_bad_include_fields(self):
        task_id = self.w.upload_ok(b"abc", "abc.txt")
        self.w.wait_processed(task_id)
        for bad in ('["unterminated', "not-json", '{"a": 1}', "[1, 2]"):
            r = self.w.task(task_id, "?include_fields=" + urllib.parse.quote(bad))
            self.assertError(r, 400)
            self.assertError(self.w.task(task_id, "?exclude_fields=" + urllib.parse.quote(bad)), 400)

    def test_bad_flags_and_view(self):
        task_id = self.w.upload_ok(b"abc", "abc.txt")
        self.assertError(self.w.task(task_id, "?full=maybe"), 400, "full")
        self.assertError(self.w.task(task_id, "?v13=2"), 400, "v13")
        self.assertError(self.w.task(task_id, "?view=sideways"), 400)

    # --- unknown tasks ---------------------------------------------------------------------------
    def test_unknown_task_ids(self):
        self.assertError(self.w.task(999999), 404, "999999")
        self.assertError(self.w.request("GET", USAGE + "/task/abc"), 404)
        self.assertError(self.w.request("GET", USAGE + "/task/-1"), 404)
        self.assertError(self.w.request("GET", USAGE + "/task/0"), 404)
        self.assertError(self.w.request("DELETE", USAGE + "/task/999999"), 404)
        self.assertError(self.w.request("GET", USAGE + "/nothing-here"), 404)

    # --- malformed uploads ---------------------------------------------------------------------
    def test_malformed_multipart(self):
        ctype = "multipart/form-data; boundary=XYZ"
        for body in (b"garbage without any boundary", b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\ntruncated"):
            self.assertError(self.w.request("POST", USAGE + "/upload", body, {"Content-Type": ctype}), 400, "multipart")
        self.assertError(self.w.request("POST", USAGE + "/upload", b"x", {"Content-Type": "multipart/form-data"}), 400)

    def test_not_multipart_and_missing_file(self):
        self.assertError(self.w.request("POST", USAGE + "/upload", b"{}", {"Content-Type": "application/json"}), 400, "multipart")
        body, ctype = multipart([("custom_data", b"{}", None)])
        self.assertError(self.w.request("POST", USAGE + "/upload", body, {"Content-Type": ctype}), 400, "\"file\"")
        body, ctype = multipart([("file", b"a", "a"), ("file", b"b", "b")])
        self.assertError(self.w.request("POST", USAGE + "/upload", body, {"Content-Type": ctype}), 400, "more than one")

    def test_bad_json_in_form_fields(self):
        r = self.w.upload(b"abc", "a.txt", fields={"user_data": "{broken"})
        self.assertError(r, 400, "user_data is not valid JSON")

    def test_connection_survives_errors(self):
        conn = self.w.connection()
        body, ctype = multipart([("file", b"a", "a.txt")])
        conn.request("POST", USAGE + "/upload", body, {"Content-Type": ctype})
        self.assertEqual(conn.getresponse().read() and 200, 200)
        conn.request("GET", USAGE + "/task/987654")
        r = conn.getresponse()
        self.assertEqual(r.status, 404)
        r.read()
        conn.request("GET", USAGE + "/task")
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()

    # --- listing and deletion ------------------------------------------------------------------
    def test_token_filtering(self):
        mine = [self.w.upload_ok(b"t%d" % i, "t.txt", headers={"X-TiScale-Token": "Token filter-one"}) for i in range(3)]
        other = self.w.upload_ok(b"other", "o.txt", headers={"X-TiScale-Token": "filter-two"})
        for spelling in ("filter-one", "Token filter-one"):
            listed = self.w.request("GET", USAGE + "/task?token=" + urllib.parse.quote(spelling)).json()
            self.assertEqual(sorted(t["task_id"] for t in listed), sorted(mine))
        listed = self.w.request("GET", USAGE + "/task?token=filter-two").json()
        self.assertEqual([t["task_id"] for t in listed], [other])
        self.assertEqual(self.w.request("GET", USAGE + "/task?token=nobody").json(), [])
        every = [t["task_id"] for t in self.w.request("GET", USAGE + "/task").json()]
        self.assertTrue(set(mine + [other]) <= set(every))
        for entry in self.w.request("GET", USAGE + "/task").json():
            self.assertEqual(set(entry), {"task_id", "submitted", "processed"})

    def test_age_filtering(self):
        task_id = self.w.upload_ok(b"age", "age.txt", headers={"X-TiScale-Token": "age-test"})
        young = self.w.request("GET", USAGE + "/task?token=age-test&age=3600").json()
        self.assertEqual(young, [])
        time.sleep(2.1)
        old = self.w.request("GET", USAGE + "/task?token=age-test&age=1").json()
        self.assertEqual([t["task_id"] for t in old], [task_id])
        self.assertError(self.w.request("GET", USAGE + "/task?age=-5"), 400, "age")
        self.assertError(self.w.request("GET", USAGE + "/task?age=soon"), 400, "age")

    def test_delete_one(self):
        task_id = self.w.upload_ok(b"delete me", "d.txt")
        self.w.wait_processed(task_id)
        r = self.w.request("DELETE", "%s/task/%d" % (USAGE, task_id))
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertError(self.w.task(task_id), 404)
        self.assertError(self.w.request("DELETE", "%s/task/%d" % (USAGE, task_id)), 404)


class BulkDeleteTest(unittest.TestCase):
    """DELETE /task?age=N in a Worker of its own (it deletes everything)."""

    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker().start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_bulk_delete(self):
        self.assertEqual(self.w.request("DELETE", USAGE + "/task").status, 400)
        self.assertIn("age", self.w.request("DELETE", USAGE + "/task").json()["message"])
        self.assertEqual(self.w.request("DELETE", USAGE + "/task?age=x").status, 400)
        old = [self.w.upload_ok(b"old%d" % i, "old.txt") for i in range(3)]
        time.sleep(2.2)
        new = [self.w.upload_ok(b"new%d" % i, "new.txt") for i in range(2)]
        r = self.w.request("DELETE", USAGE + "/task?age=2")
        self.assertEqual((r.status, r.body), (200, b""))
        remaining = [t["task_id"] for t in self.w.request("GET", USAGE + "/task").json()]
        self.assertEqual(sorted(remaining), sorted(new))
        for task_id in old:
            self.assertEqual(self.w.task(task_id).status, 404)
        r = self.w.request("DELETE", USAGE + "/task?age=0")
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertEqual(self.w.request("GET", USAGE + "/task").json(), [])


class YaraIdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)

    def test_yara_id_follows_the_rules(self):
        bundled = Worker().start()
        try:
            first = bundled.request("GET", USAGE + "/yara").json()["id"]
            self.assertRegex(first, r"^[0-9a-f]{40}$")
            self.assertEqual(bundled.request("GET", USAGE + "/yara").json()["id"], first)
        finally:
            bundled.cleanup()
        only_eicar = Worker(args=["--rules", os.path.join(REPO, "rules", "eicar.yar")]).start()
        try:
            second = only_eicar.request("GET", USAGE + "/yara").json()["id"]
            self.assertRegex(second, r"^[0-9a-f]{40}$")
            self.assertNotEqual(second, first)
        finally:
            only_eicar.cleanup()


if __name__ == "__main__":
    unittest.main()
