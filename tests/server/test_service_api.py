"""The Service API (/srv/tiscale/v1/): operating mode (persisted, and enforced on upload and
submit-url), availability, sysinfo; and the Quota API's answer with no Spectra Intelligence account."""
import json
import unittest

from worker_harness import USAGE, Worker, require_environment, submit_url

SRV = "/srv/tiscale/v1"
JSON = {"Content-Type": "application/json"}
SERVICE_TOKEN = "Srv" * 12


class ServiceApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker().start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def set_mode(self, paused):
        r = self.w.request("PUT", SRV + "/mode", json.dumps({"paused": paused}).encode(), JSON)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"paused": paused})

    def test_mode_defaults_to_running(self):
        w = Worker().start()
        try:
            r = w.request("GET", SRV + "/mode")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"paused": False})
        finally:
            w.cleanup()

    def test_mode_put_needs_json(self):
        for body, headers in ((b'{"paused": true}', {"Content-Type": "text/plain"}),
                              (b'{"paused": true}', {}),
                              (b'[true]', JSON),
                              (b'not json', JSON)):
            r = self.w.request("PUT", SRV + "/mode", body, headers)
            self.assertEqual(r.status, 400, (body, headers, r))
            self.assertEqual(r.json()["message"], "Invalid POST data: expected JSON object")
        r = self.w.request("PUT", SRV + "/mode", b'{"paused": "yes"}', JSON)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.w.request("GET", SRV + "/mode").json(), {"paused": False})

    def test_paused_refuses_submissions(self):
        self.assertEqual(self.w.request("GET", SRV + "/available").status, 200)
        self.assertEqual(self.w.request("GET", SRV + "/available").body, b"")
        self.set_mode(True)
        try:
            self.assertEqual(self.w.request("GET", SRV + "/mode").json(), {"paused": True})
            r = self.w.request("GET", SRV + "/available")
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json(), {"message": "paused"})
            r = self.w.upload(b"paused upload")
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json(), {"message": "paused"})
            r = submit_url(self.w, {"url": "http://example.com/x"})
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json(), {"message": "paused"})
        finally:
            self.set_mode(False)
        self.assertEqual(self.w.request("GET", SRV + "/available").status, 200)
        task_id = self.w.upload_ok(b"after unpausing")
        self.assertTrue(self.w.wait_processed(task_id)["processed"])

    def test_mode_survives_restart(self):
        w = Worker().start()
        try:
            r = w.request("PUT", SRV + "/mode", b'{"paused": true}', JSON)
            self.assertEqual(r.status, 200, r)
            w.stop()
            w.start()
            self.assertEqual(w.request("GET", SRV + "/mode").json(), {"paused": True})
            self.assertEqual(w.upload(b"x").status, 503)
            self.assertEqual(w.request("PUT", SRV + "/mode", b'{"paused": false}', JSON).status, 200)
            w.stop()
            w.start()
            self.assertEqual(w.request("GET", SRV + "/mode").json(), {"paused": False})
            self.assertEqual(w.upload(b"x").status, 200)
        finally:
            w.cleanup()

    def test_sysinfo(self):
        r = self.w.request("GET", SRV + "/sysinfo")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(len(doc["load_average"]), 3)
        for v in doc["load_average"]:
            self.assertIsInstance(v, (int, float))
        self.assertIsInstance(doc["queue_size"], int)
        self.assertIsInstance(doc["max_queue_name"], str)
        self.assertIsInstance(doc["max_queue_size"], int)
        self.assertIs(doc["hagent_running"], True)
        for key in ("scratch_space", "root_space"):
            self.assertIsInstance(doc[key], (int, float))
            self.assertTrue(0 <= doc[key] <= 100, doc)

    def test_quota_not_configured(self):
        for path in (USAGE + "/quota", USAGE + "/quota/company"):
            r = self.w.request("GET", path)
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json(), {"message": "TiCloud is not configured."})


class ServiceAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"tokens": {"service": [SERVICE_TOKEN]}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_service_family(self):
        for path in ("/mode", "/available", "/sysinfo"):
            self.assertEqual(self.w.request("GET", SRV + path).status, 401)
            self.assertEqual(self.w.request("GET", SRV + path, headers={"Authorization": "Token " + "x" * 36}).status, 403)
            r = self.w.request("GET", SRV + path, headers={"Authorization": "Token " + SERVICE_TOKEN})
            self.assertEqual(r.status, 200, (path, r))
        # The usage family stays open.
        self.assertEqual(self.w.request("GET", USAGE + "/quota").status, 503)


if __name__ == "__main__":
    unittest.main()
