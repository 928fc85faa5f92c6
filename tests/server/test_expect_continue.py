"""Expect: 100-continue: what the Worker would refuse from the headers is answered before the client
sends the body (so a 4 GiB upload to a paused Worker costs nothing), the connection stays usable,
and an acceptable upload gets 100 Continue and then its task."""
import json
import socket
import unittest

from worker_harness import USAGE, Worker, multipart, require_environment


def head_of(sock):
    """Reads one response head (status line and headers) from a raw socket; returns (status, head, rest)."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            break
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.decode("latin-1"), rest


def read_body(sock, head, rest):
    length = next(int(line.split(":", 1)[1]) for line in head.split("\r\n") if line.lower().startswith("content-length:"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return rest[:length], rest[length:]


class ExpectContinueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        cls.w = Worker({"max_upload_bytes": 64 << 20, "tokens": {"usage": ["SecretUsageToken0123456789abcdefXYZ"]}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def upload_head(self, length, token="SecretUsageToken0123456789abcdefXYZ", boundary="b0undary"):
        lines = ["POST %s/upload HTTP/1.1" % USAGE, "Host: 127.0.0.1", "Expect: 100-continue",
                 "Content-Type: multipart/form-data; boundary=" + boundary, "Content-Length: %d" % length]
        if token:
            lines.append("Authorization: Token " + token)
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def set_paused(self, paused):
        r = self.w.request("PUT", "/srv/tiscale/v1/mode", json.dumps({"paused": paused}).encode(),
                           {"Content-Type": "application/json"})  # the service family has no tokens here: open
        self.assertEqual(r.status, 200, r)

    def test_refusals_come_before_the_body_and_keep_the_connection(self):
        cases = [(10 << 20, None, 401), (128 << 20, "SecretUsageToken0123456789abcdefXYZ", 413), (10 << 20, "WrongToken0123456789abcdefghijXYZ", 403)]
        for length, token, status in cases:
            with self.subTest(status=status), socket.create_connection(("127.0.0.1", self.w.port), timeout=10) as s:
                s.sendall(self.upload_head(length, token))
                got, head, rest = head_of(s)  # the answer arrives without a byte of body sent
                self.assertEqual(got, status, head)
                body, rest = read_body(s, head, rest)
                self.assertIn("message", json.loads(body))
                s.sendall(b"GET /srv/tiscale/v1/mode HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                got, head, rest = head_of(s)  # the same connection serves the next request
                self.assertEqual(got, 200, head)

    def test_paused_answers_503_before_the_body(self):
        self.set_paused(True)
        try:
            with socket.create_connection(("127.0.0.1", self.w.port), timeout=10) as s:
                s.sendall(self.upload_head(32 << 20))
                got, head, rest = head_of(s)
                self.assertEqual(got, 503, head)
                body, _ = read_body(s, head, rest)
                self.assertEqual(json.loads(body)["message"], "paused")
        finally:
            self.set_paused(False)

    def test_an_acceptable_upload_gets_100_continue_then_its_task(self):
        body, content_type = multipart([("file", b"expect continue sample\n", "e.txt")], boundary="b0undary")
        with socket.create_connection(("127.0.0.1", self.w.port), timeout=10) as s:
            s.sendall(self.upload_head(len(body)))
            got, head, rest = head_of(s)
            self.assertEqual(got, 100, head)
            s.sendall(body)
            got, head, rest = head_of_buffer(s, rest)
            self.assertEqual(got, 200, head)
            answer, _ = read_body(s, head, rest)
            self.assertIn("/task/", json.loads(answer)["task_url"])


def head_of_buffer(sock, rest):
    """As head_of, for bytes already read past a 100 Continue."""
    data = rest
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, more = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.decode("latin-1"), more


if __name__ == "__main__":
    unittest.main()
