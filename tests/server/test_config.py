"""The command line and the JSON configuration: defaults, overrides, refusals at start, TLS."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import unittest
import http.client

from worker_harness import USAGE, WORKER, Worker, require_environment


def run(args, config=None, timeout=30):
    tmp = tempfile.mkdtemp(prefix="assay-worker-config-")
    try:
        cmd = [WORKER] + args
        if config is not None:
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                f.write(config if isinstance(config, str) else json.dumps(config))
            cmd += ["--config", path, "--data-dir", os.path.join(tmp, "d"), "--listen", "127.0.0.1:0"]
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(), p.stderr.decode()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class ConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)

    def test_help_version_and_bad_flags(self):
        code, out, _ = run(["--help"])
        self.assertEqual(code, 0)
        self.assertIn("--listen HOST:PORT", out)
        code, out, _ = run(["--version"])
        self.assertEqual(code, 0)
        self.assertIn("assay-worker", out)
        code, _, err = run(["--bogus"])
        self.assertEqual(code, 2)
        self.assertIn("unknown argument", err)
        code, _, err = run(["--listen", "nonsense"])
        self.assertEqual(code, 2)
        self.assertIn("--listen", err)

    def test_refuses_bad_tokens(self):
        for token in ("short", "x" * 61, "has-a-dash-but-is-long-enough-000", "spaces are not alphanumerics at all"):
            code, _, err = run([], config={"tokens": {"usage": [token]}})
            self.assertEqual(code, 2, err)
            self.assertIn("30 to 60 alphanumeric", err)

    def test_refuses_unknown_or_mistyped_settings(self):
        for config, fragment in (({"tokenz": {}}, "unknown setting"), ({"retention": {"task_age": 5}}, "retention.task_age"),
                                 ({"analysis_threads": "two"}, "analysis_threads"), ({"tokens": {"admin": []}}, "tokens.admin"),
                                 ({"engine": {"max_depth": -1}}, "engine.max_depth"), ("{not json", "not valid JSON"),
                                 ({"engine": {"timeout": 0}}, "timeout"),
                                 ({"fetch": {"allow_networks": ["10.0.0.0/99"]}}, "allow_networks")):
            code, _, err = run([], config=config)
            self.assertEqual(code, 2, (config, err))
            self.assertIn(fragment, err)

    def test_flags_override_the_file(self):
        other = tempfile.mkdtemp(prefix="assay-worker-other-")
        try:
            w = Worker({"listen": "127.0.0.1:1", "data_dir": other})  # both overridden by the harness's flags
            w.start()
            try:
                self.assertEqual(w.request("GET", USAGE + "/task").status, 200)
                self.assertTrue(os.path.exists(os.path.join(w.data_dir, "assay.sqlite")))
                self.assertFalse(os.path.exists(os.path.join(other, "assay.sqlite")))
            finally:
                w.cleanup()
        finally:
            shutil.rmtree(other, ignore_errors=True)

    @unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
    def test_tls(self):
        tmp = tempfile.mkdtemp(prefix="assay-worker-tls-")
        try:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
            w = Worker({"tls": {"cert_file": cert, "key_file": key}}).start()
            try:
                context = ssl.create_default_context(cafile=cert)
                context.check_hostname = False
                conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=context, timeout=30)
                conn.request("GET", USAGE + "/task")
                r = conn.getresponse()
                self.assertEqual((r.status, json.loads(r.read())), (200, []))
                body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="t.txt"\r\n\r\ntls\r\n--b--\r\n'
                conn.request("POST", USAGE + "/upload", body, {"Content-Type": "multipart/form-data; boundary=b"})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                self.assertTrue(json.loads(r.read())["task_url"].startswith("https://"))
                conn.close()
            finally:
                w.cleanup()
            code, _, err = run([], config={"tls": {"cert_file": cert, "key_file": cert}})
            self.assertNotEqual(code, 0)
            self.assertIn("TLS", err)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
