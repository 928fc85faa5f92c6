"""YARA synchronisation: the ruleset identifier, sync-status (with errorOnly) and pull/all, which
swaps new rules in while analysis goes on, or answers 417 and keeps the running set."""
import os
import shutil
import tempfile
import unittest

from worker_harness import Worker, require_environment

RULES = os.path.join(os.path.dirname(__file__), "..", "..", "rules")
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MARKER_RULE = """rule Marker_%d {
  meta:
    classification = "malicious"
    factor = 3
    threat_name = "Text.Trojan.Marker"
  strings:
    $m = "assay-sync-marker"
  condition:
    $m
}
"""


class YaraSyncTest(unittest.TestCase):
    def setUp(self):
        require_environment(self)
        self.rules = tempfile.mkdtemp()
        shutil.copy(os.path.join(RULES, "eicar.yar"), self.rules)
        self.w = Worker(args=["--rules", self.rules]).start()

    def tearDown(self):
        self.w.cleanup()
        shutil.rmtree(self.rules)

    def yara_id(self):
        r = self.w.request("GET", "/api/tiscale/v1/yara")
        self.assertEqual(r.status, 200, r)
        return r.json()["id"]

    def verdict_of(self, data):
        task = self.w.upload_ok(data, filename="probe.txt")
        report = self.w.wait_processed(task, query="?report_type=small")["tc_report"]
        return report[0]["classification"]

    def test_sync_status_and_pull_all_swap_rules_in(self):
        first = self.yara_id()
        self.assertEqual(len(first), 40)
        status = self.w.request("GET", "/api/tiscale/v2/sync-status").json()
        self.assertEqual(status["revision"], 0)
        self.assertEqual([(r["key"], r["errors"]) for r in status["rulesets"]], [("eicar", [])])
        self.assertEqual(len(status["rulesets"][0]["hash"]), 40)
        self.assertEqual(self.verdict_of(b"an assay-sync-marker line")["classification"], 0)

        with open(os.path.join(self.rules, "marker.yar"), "w") as f:
            f.write(MARKER_RULE % 1)
        r = self.w.request("POST", "/api/tiscale/v1/pull/all")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["revision"], 1)
        second = self.yara_id()
        self.assertNotEqual(second, first)
        self.assertEqual(self.verdict_of(b"an assay-sync-marker line")["result"], "Text.Trojan.Marker")
        keys = [r["key"] for r in self.w.request("GET", "/api/tiscale/v2/sync-status").json()["rulesets"]]
        self.assertEqual(keys, ["eicar", "marker"])

        # The same rules again: the identifier does not change, the revision counts the pull.
        r = self.w.request("POST", "/api/tiscale/v1/pull/all")
        self.assertEqual((r.status, r.json()["revision"]), (200, 2))
        self.assertEqual(self.yara_id(), second)

    def test_a_broken_ruleset_gives_417_and_analysis_keeps_the_old_set(self):
        before = self.yara_id()
        with open(os.path.join(self.rules, "broken.yar"), "w") as f:
            f.write("rule Broken {\n  condition:\n    not valid yara\n}\n")
        r = self.w.request("POST", "/api/tiscale/v1/pull/all")
        self.assertEqual(r.status, 417, r)
        self.assertIn("broken", r.json()["message"])
        self.assertEqual(self.yara_id(), before)
        self.assertEqual(self.verdict_of(EICAR)["result"], "Text.Test.EICAR")
        # sync-status describes the running set; the failed file shows its errors once it is loaded
        # leniently at the next start.
        self.w.stop()
        self.w.start()
        status = self.w.request("GET", "/api/tiscale/v2/sync-status?errorOnly=true").json()
        self.assertEqual([r["key"] for r in status["rulesets"]], ["broken"])
        self.assertRegex(status["rulesets"][0]["errors"][0], r"broken\.yar:\d+: ")
        self.assertEqual(self.verdict_of(EICAR)["result"], "Text.Test.EICAR")
        self.assertEqual(self.w.request("GET", "/api/tiscale/v2/sync-status?errorOnly=maybe").status, 400)

    def test_pull_all_with_synchronisation_disabled_is_417(self):
        w = Worker(config={"yara_sync": False}, args=["--rules", self.rules]).start()
        try:
            r = w.request("POST", "/api/tiscale/v1/pull/all")
            self.assertEqual(r.status, 417, r)
            self.assertIn("disabled", r.json()["message"])
        finally:
            w.cleanup()


if __name__ == "__main__":
    unittest.main()
