"""license.enforce: when on, upload and submit-url (and the available probe) answer 503 naming the
license status until a VALID license is applied; when off (the default), no license is needed.
Licenses are signed with the real assay-license tool (test_license.py's helpers)."""
import unittest

from test_license import Keys, license_fields, put_license
from worker_harness import Worker, require_environment, submit_url

SRV = "/srv/tiscale/v1"
LIC = "/api/license/v1"


class LicenseEnforceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.keys = Keys()

    def worker(self, enforce):
        config = {"license": {"public_key_pem": self.keys.public}}
        if enforce is not None:
            config["license"]["enforce"] = enforce
        w = Worker(config).start()
        self.addCleanup(w.cleanup)
        return w

    def machine_id(self, w):
        r = w.request("GET", LIC + "/")
        self.assertEqual(r.status, 200, r)
        return r.json()["machineId"]

    def assert_refused(self, w, status):
        for r in (w.upload(b"refused without a valid license"),
                  submit_url(w, {"url": "https://example.com/file.bin"}),
                  w.request("GET", SRV + "/available")):
            self.assertEqual(r.status, 503, r)
            message = r.json()["message"]
            self.assertIn("license status is " + status, message)
            self.assertIn("license.enforce", message)

    def test_enforced_without_a_license_refuses_until_one_is_applied(self):
        w = self.worker(True)
        self.assert_refused(w, "NO_LICENSE")
        self.assertEqual(w.request("GET", "/api/tiscale/v1/task").json(), [])  # nothing was accepted
        # A valid license takes effect on the next request.
        r = put_license(w, self.keys.sign(license_fields(self.machine_id(w))))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(w.request("GET", SRV + "/available").status, 200)
        w.wait_processed(w.upload_ok(b"accepted with a valid license"))
        # A new machine id invalidates the REGULAR license: refused again, naming the new status.
        self.assertEqual(w.request("POST", LIC + "/machine-id/generate").status, 200)
        self.assert_refused(w, "INVALID")

    def test_enforced_with_an_expired_license_refuses(self):
        w = self.worker(True)
        r = put_license(w, self.keys.sign(license_fields(self.machine_id(w), created=-30, expires=-1)))
        self.assertEqual(r.status, 201, r)
        self.assert_refused(w, "EXPIRED")

    def test_enforced_with_a_valid_license_accepts(self):
        w = self.worker(True)
        r = put_license(w, self.keys.sign(license_fields("any", "WILDCARD", created=-1, expires=30)))
        self.assertEqual(r.status, 201, r)
        w.wait_processed(w.upload_ok(b"accepted under a wildcard license"))

    def test_not_enforced_needs_no_license(self):
        for enforce in (False, None):  # off, and the default
            w = self.worker(enforce)
            self.assertEqual(w.request("GET", LIC + "/status/").json(), {"status": "NO_LICENSE"})
            self.assertEqual(w.request("GET", SRV + "/available").status, 200)
            w.wait_processed(w.upload_ok(b"accepted without enforcement"))


    def test_enforce_must_be_a_boolean(self):
        from test_health import refused_at_start
        code, err = refused_at_start({"license": {"enforce": "yes"}})
        self.assertEqual(code, 2, err)
        self.assertIn("license.enforce", err)


if __name__ == "__main__":
    unittest.main()
