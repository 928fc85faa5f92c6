"""A 2 GiB upload, generated on the fly by the client (never held in memory on either side), is
spooled and analysed while the Worker's memory stays within 100 MiB of its idle level: its own
(anonymous) memory and its resident size, file pages of the mapped upload included. The upload is
larger than the engine's max_object_bytes, so it is hashed and identified with its pages given back
as hashing passes them."""
import hashlib
import http.client
import os
import threading
import time
import unittest

from worker_harness import USAGE, Worker, require_environment

SIZE = 2 << 30
CHUNK = 1 << 20
LIMIT_KB = 100 * 1024


def pattern_chunk():
    # Compressible but not all zeros: a repeating 4 KiB block with a counter in it.
    block = bytearray(os.urandom(16) * 256)
    return bytes(block) * (CHUNK // len(block))


class LargeUploadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_environment(cls)
        # The scan of 2 GiB is bounded by the engine's own time limit; the report is still valid.
        cls.w = Worker({"analysis_threads": 1, "engine": {"timeout": 60000}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.w.cleanup()

    def memory(self):
        # The Worker's own memory: anonymous pages (heap, stacks) and shared memory. File pages of
        # the spooled upload, which the engine maps to read, are page cache and reported apart.
        return self.w.status_field("RssAnon") + self.w.status_field("RssShmem")

    def test_two_gib_upload(self):
        # Warm up (first scans allocate the engine's tables), then take the idle level.
        warm = self.w.upload_ok(b"warm up" * 1000, "warm.txt")
        self.w.wait_processed(warm)
        time.sleep(0.3)
        idle = self.memory()
        idle_rss = self.w.status_field("VmRSS")
        peaks = {"own": idle, "VmRSS": idle_rss, "RssFile": 0}
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                try:
                    peaks["own"] = max(peaks["own"], self.memory())
                    peaks["VmRSS"] = max(peaks["VmRSS"], self.w.status_field("VmRSS"))
                    peaks["RssFile"] = max(peaks["RssFile"], self.w.status_field("RssFile"))
                except OSError:
                    pass
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            boundary = "----assay-large"
            head = ('--%s\r\nContent-Disposition: form-data; name="file"; filename="large.bin"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n" % boundary).encode()
            tail = ("\r\n--%s--\r\n" % boundary).encode()
            chunk = pattern_chunk()
            sha1 = hashlib.sha1()

            def body():
                yield head
                for _ in range(SIZE // CHUNK):
                    sha1.update(chunk)
                    yield chunk
                yield tail

            started = time.time()
            conn = http.client.HTTPConnection("127.0.0.1", self.w.port, timeout=300)
            conn.request("POST", USAGE + "/upload", body=body(),
                         headers={"Content-Type": "multipart/form-data; boundary=" + boundary,
                                  "Content-Length": str(len(head) + SIZE + len(tail))})
            r = conn.getresponse()
            answer = r.read()
            conn.close()
            self.assertEqual(r.status, 200, answer)
            uploaded = time.time()
            task = int(answer.decode().rsplit("/", 1)[1].rstrip('"}'))
            doc = self.w.wait_processed(task, timeout=240, query="?report_type=small")
            done = time.time()
        finally:
            stop.set()
            sampler.join()
        root = doc["tc_report"][0]["info"]["file"]
        self.assertEqual(root["size"], SIZE)
        self.assertEqual({h["name"]: h["value"] for h in root["hashes"]}["sha1"], sha1.hexdigest())
        print("\n2 GiB upload: %.1f s upload, %.1f s analysis; own memory idle %d MiB, peak %d MiB (+%d MiB); "
              "VmRSS peak %d MiB (of which file-backed pages of the mapped upload %d MiB)"
              % (uploaded - started, done - uploaded, idle // 1024, peaks["own"] // 1024,
                 (peaks["own"] - idle) // 1024, peaks["VmRSS"] // 1024, peaks["RssFile"] // 1024))
        self.assertLess(peaks["own"] - idle, LIMIT_KB)
        self.assertLess(peaks["VmRSS"] - idle_rss, LIMIT_KB)
        # The limit is named in the tree: the root is hashed and identified only.
        full = self.w.wait_processed(task, timeout=10, query="?report_type=large")
        self.assertIn("limit-exceeded", full["tc_report"][0]["tags"])
        self.assertEqual(os.listdir(os.path.join(self.w.data_dir, "spool")), [])


if __name__ == "__main__":
    unittest.main()
