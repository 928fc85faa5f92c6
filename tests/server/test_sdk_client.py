"""A client written the way the vendor's Python SDK (reversinglabs-sdk-py3, class TitaniumScale) talks
to a Worker, with urllib in place of requests: upload (form fields first, then the file; the custom
token as "X-TiScale-Token: Token <t>"), poll task_url?full=true until "processed" is truthy, list
(token=Token <t>), task info (full, v13, view), delete one, delete by age."""
import json
import os
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

from worker_harness import SAMPLES, Worker, require_environment

TOKEN = "SdkStyleToken0123456789abcdefghijKLMN"


class TitaniumScaleLike:
    UPLOAD = "/api/tiscale/v1/upload"
    SINGLE_TASK = "/api/tiscale/v1/task/{task_id}"
    MULTIPLE_TASKS = "/api/tiscale/v1/task"

    def __init__(self, host, token=None, wait_time_seconds=1, retries=30):
        self._host = host.rstrip("/")
        self._headers = {"User-Agent": "ReversingLabs SDK (test double)"}
        if token:
            self._headers["Authorization"] = "Token {token}".format(token=token)
        self._wait, self._retries = wait_time_seconds, retries

    def _call(self, method, url, data=None, headers=None):
        request = urllib.request.Request(url, data=data, method=method, headers=dict(self._headers, **(headers or {})))
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            raise RuntimeError("HTTP %d: %s" % (e.code, e.read().decode()))

    def upload_sample_from_path(self, file_path, custom_token=None, user_data=None, custom_data=None):
        headers = {}
        if custom_token is not None:
            headers["X-TiScale-Token"] = "Token {custom_token}".format(custom_token=custom_token)
        form = {}
        for name, value in (("user_data", user_data), ("custom_data", custom_data)):
            if value is not None:
                json.loads(value)  # the SDK refuses non-JSON before sending
                form[name] = value
        boundary = uuid.uuid4().hex
        body = b""
        for name, value in form.items():  # requests puts data fields before files
            body += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value)).encode()
        with open(file_path, "rb") as f:
            content = f.read()
        body += ('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n\r\n'
                 % (boundary, os.path.basename(file_path))).encode() + content + b"\r\n"
        body += ("--%s--\r\n" % boundary).encode()
        headers["Content-Type"] = "multipart/form-data; boundary=" + boundary
        return json.loads(self._call("POST", self._host + self.UPLOAD, body, headers)[1])

    def get_results(self, task_url, full_report=False):
        url = "{task_url}?full={full}".format(task_url=task_url, full=str(full_report).lower())
        for _ in range(self._retries + 1):
            doc = json.loads(self._call("GET", url)[1])
            if doc.get("processed"):
                return doc
            time.sleep(self._wait)
        return None

    def list_processing_tasks(self, age=None, custom_token=None):
        params = {}
        if age is not None:
            params["age"] = age
        if custom_token is not None:
            params["token"] = "Token {custom_token}".format(custom_token=custom_token)
        url = self._host + self.MULTIPLE_TASKS + ("?" + urllib.parse.urlencode(params) if params else "")
        return json.loads(self._call("GET", url)[1])

    def get_processing_task_info(self, task_id, full=True, v13=False, view=None):
        params = {"full": str(full).lower(), "v13": str(v13).lower()}
        if view is not None:
            params["view"] = view
        url = self._host + self.SINGLE_TASK.format(task_id=task_id) + "?" + urllib.parse.urlencode(params)
        return json.loads(self._call("GET", url)[1])

    def delete_processing_task(self, task_id):
        return self._call("DELETE", self._host + self.SINGLE_TASK.format(task_id=task_id))

    def delete_multiple_tasks(self, age):
        return self._call("DELETE", self._host + self.MULTIPLE_TASKS + "?" + urllib.parse.urlencode({"age": age}))


class SdkClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"tokens": {"usage": [TOKEN]}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def test_sdk_flow(self):
        client = TitaniumScaleLike("http://127.0.0.1:%d/" % self.w.port, token=TOKEN, wait_time_seconds=0)
        path = os.path.join(SAMPLES, "nested", "nested.7z")
        upload = client.upload_sample_from_path(path, custom_token="sdk", user_data=json.dumps({"network": {}}),
                                                custom_data=json.dumps({"ticket": 7}))
        task_url = upload["task_url"]
        self.assertTrue(task_url.startswith("http://127.0.0.1:%d/api/tiscale/v1/task/" % self.w.port))
        doc = client.get_results(task_url, full_report=True)
        self.assertIsNotNone(doc)
        self.assertEqual(doc["custom_data"], {"ticket": 7})
        report = doc["tc_report"]
        self.assertEqual(report[0]["classification"]["classification"], 3)  # EICAR inside, propagated up
        self.assertIn("metadata", report[-1])  # full (large) report
        task_id = doc["task_id"]

        self.assertEqual([t["task_id"] for t in client.list_processing_tasks(custom_token="sdk")], [task_id])
        self.assertEqual(client.list_processing_tasks(age=3600, custom_token="sdk"), [])
        info = client.get_processing_task_info(task_id, full=False, v13=False, view="flat")
        self.assertIn("info_file_file_name", info["tc_report"][0])

        status, body = client.delete_processing_task(task_id)
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(client.list_processing_tasks(custom_token="sdk"), [])
        with self.assertRaises(RuntimeError):
            client.get_processing_task_info(task_id)

        client.upload_sample_from_path(os.path.join(SAMPLES, "src", "hello.txt"))
        self.assertEqual(client.delete_multiple_tasks(0), (200, b""))
        self.assertEqual(client.list_processing_tasks(), [])

    def test_sdk_without_token_is_refused(self):
        client = TitaniumScaleLike("http://127.0.0.1:%d" % self.w.port)
        with self.assertRaisesRegex(RuntimeError, "HTTP 401"):
            client.list_processing_tasks()


if __name__ == "__main__":
    unittest.main()
