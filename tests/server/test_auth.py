"""Authorization by token family: 401 without a usable header, 403 with a wrong token, and an open
family ignoring the header altogether."""
import http.client
import json
import unittest

from worker_harness import USAGE, Worker, multipart, require_environment, submit_url

TOKEN_A = "A" * 20 + "bcdefghij0123456789"      # 39 alphanumerics
TOKEN_B = "Zz9" * 20                              # 60 alphanumerics


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"tokens": {"usage": [TOKEN_A, TOKEN_B]}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def endpoints(self, headers):
        body, ctype = multipart([("file", b"auth test", "a.txt")])
        h = dict(headers, **{"Content-Type": ctype})
        yield "upload", self.w.request("POST", USAGE + "/upload", body, h)
        yield "submit-url", submit_url(self.w, {"url": "http://10.0.0.1/x"}, headers)
        yield "list", self.w.request("GET", USAGE + "/task", headers=headers)
        yield "task", self.w.request("GET", USAGE + "/task/1?full=true", headers=headers)
        yield "delete", self.w.request("DELETE", USAGE + "/task/424242", headers=headers)
        yield "bulk delete", self.w.request("DELETE", USAGE + "/task?age=99999", headers=headers)
        yield "yara", self.w.request("GET", USAGE + "/yara", headers=headers)

    def check_all(self, headers, status):
        for name, r in self.endpoints(headers):
            self.assertEqual(r.status, status, "%s with %r: %r" % (name, headers, r))
            self.assertTrue(r.json()["message"], name)

    def test_missing_or_malformed_is_401(self):
        for headers in ({}, {"Authorization": ""}, {"Authorization": "Bearer " + TOKEN_A},
                        {"Authorization": TOKEN_A}, {"Authorization": "Token"}, {"Authorization": "Token  "},
                        {"Authorization": "Token %s extra" % TOKEN_A}):
            self.check_all(headers, 401)
        r = self.w.request("GET", USAGE + "/task")
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Token")

    def test_wrong_token_is_403(self):
        for token in ("wrong", TOKEN_A[:-1], TOKEN_A + "x", TOKEN_A.lower(), "x" * 500, TOKEN_B[:30]):
            self.check_all({"Authorization": "Token " + token}, 403)

    def test_right_tokens_pass(self):
        for token in (TOKEN_A, TOKEN_B):
            r = self.w.request("GET", USAGE + "/task", headers={"Authorization": "Token " + token})
            self.assertEqual(r.status, 200, r)
        task_id = self.w.upload_ok(b"authorised", "ok.txt", headers={"Authorization": "Token " + TOKEN_B})
        doc = self.w.wait_processed(task_id, headers={"Authorization": "Token " + TOKEN_A})
        self.assertTrue(doc["tc_report"])
        self.assertEqual(self.w.task(task_id).status, 401)
        self.assertEqual(self.w.task(task_id, headers={"Authorization": "Token nope"}).status, 403)

    def test_refused_upload_does_not_read_the_body(self):
        # A large body refused at the headers: the answer comes without the Worker reading it all,
        # and the connection is closed rather than left holding unread bytes.
        conn = http.client.HTTPConnection("127.0.0.1", self.w.port, timeout=30)
        conn.putrequest("POST", USAGE + "/upload")
        conn.putheader("Content-Type", "multipart/form-data; boundary=b")
        conn.putheader("Content-Length", str(1 << 30))
        conn.endheaders()
        conn.send(b"--b\r\n" + b"x" * 65536)
        r = conn.getresponse()
        self.assertEqual(r.status, 401)
        self.assertEqual(r.getheader("Connection"), "close")
        self.assertIn("authorization", json.loads(r.read())["message"])
        conn.close()

    def test_other_families_are_open(self):
        # Only the usage family has tokens here: another family's paths need none (404: no such route yet).
        r = self.w.request("GET", "/srv/tiscale/v1/nothing")
        self.assertEqual(r.status, 404, r)


class AuthOffTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker().start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_header_ignored_when_no_tokens(self):
        for headers in ({}, {"Authorization": "Token whatever"}, {"Authorization": "garbage"}):
            self.assertEqual(self.w.request("GET", USAGE + "/task", headers=headers).status, 200)
        task_id = self.w.upload_ok(b"open", "open.txt", headers={"Authorization": "Bearer nonsense"})
        self.assertTrue(self.w.wait_processed(task_id)["tc_report"])


if __name__ == "__main__":
    unittest.main()
