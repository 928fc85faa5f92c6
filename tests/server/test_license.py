"""The License API (/api/license/v1/): machine id, Ed25519-signed license files made with the real
assay-license tool, the licensing status, and the license token family."""
import datetime
import json
import os
import subprocess
import tempfile
import unittest

from worker_harness import Worker, multipart, require_environment

LICENSE_TOOL = os.environ.get("ASSAY_LICENSE", "")
LIC = "/api/license/v1"
LICENSE_TOKEN = "Lic" * 12


def stamp(days_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Keys:
    def __init__(self):
        if not LICENSE_TOOL or not os.access(LICENSE_TOOL, os.X_OK):
            raise unittest.SkipTest("ASSAY_LICENSE does not name the assay-license binary")
        self.dir = tempfile.mkdtemp(prefix="assay-license-test-")
        self.private = os.path.join(self.dir, "key.pem")
        self.public = os.path.join(self.dir, "pub.pem")
        subprocess.run([LICENSE_TOOL, "keygen", "--private", self.private, "--public", self.public], check=True)
        self.count = 0

    def sign(self, fields, private=None):
        self.count += 1
        src = os.path.join(self.dir, "in%d.json" % self.count)
        out = os.path.join(self.dir, "out%d.json" % self.count)
        with open(src, "w") as f:
            json.dump(fields, f)
        subprocess.run([LICENSE_TOOL, "sign", "--key", private or self.private, "--in", src, "--out", out], check=True)
        with open(out) as f:
            return json.load(f)


def license_fields(machine_id, kind="REGULAR", created=-1, expires=365, serial="SN-1"):
    return {"product": "tiscale-worker", "machineId": machine_id, "version": 1, "serialNumber": serial,
            "licenseType": kind, "company": "Example Corp", "expiryDate": stamp(expires),
            "creationDate": stamp(created)}


def put_license(worker, doc, headers=None):
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    body, ctype = multipart([("file", data, "license.json")])
    h = {"Content-Type": ctype}
    h.update(headers or {})
    return worker.request("PUT", LIC + "/upload", body, h)


class LicenseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.keys = Keys()
        cls.w = Worker({"license": {"public_key_pem": cls.keys.public}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def info(self, w=None):
        r = (w or self.w).request("GET", LIC + "/")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def status(self, w=None):
        r = (w or self.w).request("GET", LIC + "/status/")
        self.assertEqual(r.status, 200, r)
        return r.json()["status"]

    def fresh_worker(self):
        w = Worker({"license": {"public_key_pem": self.keys.public}}).start()
        self.addCleanup(w.cleanup)
        return w

    def test_no_license(self):
        w = self.fresh_worker()
        doc = self.info(w)
        self.assertEqual(doc["product"], "tiscale-worker")
        self.assertEqual(doc["status"], "NO_LICENSE")
        self.assertRegex(doc["machineId"], r"^[0-9a-f]{32}$")
        for key in ("version", "serialNumber", "licenseType", "company", "expiryDate", "creationDate"):
            self.assertIn(key, doc)
        self.assertEqual(self.status(w), "NO_LICENSE")

    def test_machine_id_generate_and_persist(self):
        w = self.fresh_worker()
        first = self.info(w)["machineId"]
        self.assertEqual(self.info(w)["machineId"], first)
        r = w.request("POST", LIC + "/machine-id/generate")
        self.assertEqual(r.status, 200, r)
        new_id = r.json()["machineId"]
        self.assertRegex(new_id, r"^[0-9a-f]{32}$")
        self.assertNotEqual(new_id, first)
        self.assertEqual(self.info(w)["machineId"], new_id)
        w.stop()
        w.start()
        self.assertEqual(self.info(w)["machineId"], new_id)

    def test_regular_license_applied_once(self):
        w = self.fresh_worker()
        machine = self.info(w)["machineId"]
        doc = self.keys.sign(license_fields(machine, serial="SN-REG"))
        r = put_license(w, doc)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json(), {"message": "License is applied"})
        r = put_license(w, doc)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"message": "License is already applied"})
        info = self.info(w)
        self.assertEqual(info["status"], "VALID")
        self.assertEqual(info["serialNumber"], "SN-REG")
        self.assertEqual(info["licenseType"], "REGULAR")
        self.assertEqual(info["version"], 1)
        self.assertEqual(info["company"], "Example Corp")
        w.stop()
        w.start()
        self.assertEqual(self.status(w), "VALID")
        # A new machine id no longer matches the REGULAR license.
        self.assertEqual(w.request("POST", LIC + "/machine-id/generate").status, 200)
        self.assertEqual(self.status(w), "INVALID")

    def test_wrong_machine_id(self):
        doc = self.keys.sign(license_fields("0" * 32))
        r = put_license(self.w, doc)
        self.assertEqual(r.status, 400, r)
        self.assertIn("machine id", r.json()["message"])

    def test_tampered_license(self):
        machine = self.info()["machineId"]
        doc = self.keys.sign(license_fields(machine))
        doc["company"] = "Someone Else"
        r = put_license(self.w, doc)
        self.assertEqual(r.status, 400, r)
        self.assertIn("signature", r.json()["message"])

    def test_other_key(self):
        other = Keys()
        machine = self.info()["machineId"]
        r = put_license(self.w, other.sign(license_fields(machine)))
        self.assertEqual(r.status, 400, r)
        self.assertIn("signature", r.json()["message"])

    def test_malformed_files(self):
        for doc in (b"not json", b"[]", {"product": "tiscale-worker"}):
            r = put_license(self.w, doc)
            self.assertEqual(r.status, 400, (doc, r))
            self.assertTrue(r.json()["message"])
        r = self.w.request("PUT", LIC + "/upload", b"{}", {"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)

    def test_wildcard_limits(self):
        w = self.fresh_worker()
        r = put_license(w, self.keys.sign(license_fields("any", "WILDCARD", created=-1, expires=46)))
        self.assertEqual(r.status, 400, r)
        self.assertIn("45 days", r.json()["message"])
        r = put_license(w, self.keys.sign(license_fields("any", "WILDCARD", created=-1, expires=30)))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.status(w), "VALID")

    def test_expired(self):
        w = self.fresh_worker()
        machine = self.info(w)["machineId"]
        r = put_license(w, self.keys.sign(license_fields(machine, created=-30, expires=-1)))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.status(w), "EXPIRED")
        self.assertEqual(self.info(w)["status"], "EXPIRED")


class LicenseWithoutKeyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.keys = Keys()
        cls.w = Worker().start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_upload_refused(self):
        machine = self.w.request("GET", LIC + "/").json()["machineId"]
        r = put_license(self.w, self.keys.sign(license_fields(machine)))
        self.assertEqual(r.status, 400, r)
        self.assertIn("public_key_pem", r.json()["message"])


class LicenseAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.keys = Keys()
        cls.w = Worker({"tokens": {"license": [LICENSE_TOKEN]},
                        "license": {"public_key_pem": cls.keys.public}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_license_family(self):
        good = {"Authorization": "Token " + LICENSE_TOKEN}
        bad = {"Authorization": "Token " + "q" * 36}
        calls = (("GET", LIC + "/"), ("GET", LIC + "/status/"), ("POST", LIC + "/machine-id/generate"))
        for method, path in calls:
            self.assertEqual(self.w.request(method, path).status, 401, path)
            self.assertEqual(self.w.request(method, path, headers=bad).status, 403, path)
            self.assertEqual(self.w.request(method, path, headers=good).status, 200, path)
        self.assertEqual(put_license(self.w, {"x": 1}).status, 401)
        self.assertEqual(put_license(self.w, {"x": 1}, bad).status, 403)
        machine = self.w.request("GET", LIC + "/", headers=good).json()["machineId"]
        r = put_license(self.w, self.keys.sign(license_fields(machine)), good)
        self.assertEqual(r.status, 201, r)


class LicenseConfigTest(unittest.TestCase):
    def test_bad_public_key_refuses_to_start(self):
        require_environment(self)
        w = Worker({"license": {"public_key_pem": "/nonexistent/pub.pem"}})
        self.addCleanup(w.cleanup)
        with self.assertRaises(AssertionError):
            w.start(timeout=20)
        self.assertIn("license.public_key_pem", w.log())


if __name__ == "__main__":
    unittest.main()
