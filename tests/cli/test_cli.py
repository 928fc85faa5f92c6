"""The `assay` CLI end to end over the generated sample corpus.

Every report is parsed with Python's strict JSON parser, so each test also checks that the output is
valid JSON. Child hashes are compared with what md5sum/sha1sum/sha256sum gave for the files that went
into the archives (samples/manifest.tsv).
"""
import hashlib
import json
import os
import resource
import subprocess
import unittest
from collections import defaultdict

ASSAY = os.environ["ASSAY_BIN"]
SAMPLES = os.environ["ASSAY_SAMPLES"]


def run(*args, check_json=True):
    """Runs assay, returns (exit code, [parsed lines] or raw stdout, stderr, peak RSS in KiB).

    The peak RSS is the largest of every child this process has waited for so far (RUSAGE_CHILDREN),
    so it bounds this run from above."""
    proc = subprocess.run([ASSAY, *args], capture_output=True, timeout=120)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = proc.stdout
    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()] if check_json else out
    return proc.returncode, lines, proc.stderr.decode(), peak_kib


def scan(relative, *flags):
    code, lines, err, _ = run("scan", *flags, os.path.join(SAMPLES, relative))
    assert code in (0, 1), f"{relative}: exit {code}: {err}"
    assert len(lines) == 1, lines
    return lines[0]["tc_report"]


def hashes(entry):
    return {h["name"]: h["value"] for h in entry["info"]["file"]["hashes"]}


def manifest():
    rows = defaultdict(list)
    with open(os.path.join(SAMPLES, "manifest.tsv")) as f:
        next(f)
        for line in f:
            sample, member, md5, sha1, sha256 = line.rstrip("\n").split("\t")
            rows[sample].append((member, md5, sha1, sha256))
    return rows


def warnings_of(report):
    return [w for e in report for w in e["info"]["unpacking"]["warnings"]]


class ChildHashes(unittest.TestCase):
    def test_every_manifest_member_has_the_right_hashes(self):
        rows = manifest()
        self.assertGreater(len(rows), 25)
        for sample, members in rows.items():
            # deep20.zip nests deeper than the default depth limit on purpose; lift it here.
            report = scan(sample, "--max-depth", "64")
            for member, md5, sha1, sha256 in members:
                with self.subTest(sample=sample, member=member):
                    found = [e for e in report[1:] if e["info"]["file"]["file_name"] == member]
                    self.assertTrue(found, f"{member} not extracted from {sample}")
                    for entry in found:
                        self.assertEqual(hashes(entry), {**hashes(entry), "md5": md5, "sha1": sha1, "sha256": sha256})

    def test_every_container_format_unpacks_completely(self):
        expected = {
            "sample.zip": "ZIP", "sample.7z": "7-Zip", "sample.tar": "TAR", "sample.tar.gz": "GZIP",
            "sample.tar.bz2": "BZIP2", "sample.tar.xz": "XZ", "sample.tar.zst": "Zstandard", "sample.tar.lz4": "LZ4",
            "sample.tar.lz": "LZIP", "sample.cpio": "CPIO", "sample.a": "ar", "sample.deb": "Debian package",
            "sample.cab": "Microsoft Cabinet", "sample.iso": "ISO 9660", "sample.rpm": "RPM", "sample.xar": "XAR",
            "sample.lzh": "LZH", "sample.rar": "RAR4", "sample.rar5": "RAR5", "hello.txt.gz": "GZIP",
            "hello.txt.bz2": "BZIP2", "hello.txt.xz": "XZ", "hello.txt.lzma": "LZMA", "hello.txt.zst": "Zstandard",
            "hello.txt.lz4": "LZ4", "hello.txt.lz": "LZIP",
        }
        if os.path.exists(os.path.join(SAMPLES, "formats", "hello.txt.Z")):
            expected["hello.txt.Z"] = "compress"
        for name, identification in expected.items():
            with self.subTest(sample=name):
                report = scan(os.path.join("formats", name))
                root = report[0]
                self.assertEqual(root["info"]["identification"]["name"], identification)
                self.assertEqual(root["info"]["unpacking"], {"status": 2, "warnings": []})
                self.assertGreater(len(report), 1)
                for entry in report:
                    self.assertNotEqual(entry["info"]["unpacking"]["status"], 1, entry["info"]["file"]["file_path"])


class Structure(unittest.TestCase):
    def test_nested_paths_parents_and_layers(self):
        report = scan("nested/nested.7z")
        paths = [e["info"]["file"]["file_path"] for e in report]
        self.assertEqual(paths[:4], ["nested.7z", "nested.7z/inner.tar.gz", "nested.7z/inner.tar.gz/inner.tar",
                                     "nested.7z/inner.tar.gz/inner.tar/inner.zip"])
        self.assertEqual(sorted(paths[4:]), ["nested.7z/inner.tar.gz/inner.tar/inner.zip/eicar.com",
                                             "nested.7z/inner.tar.gz/inner.tar/inner.zip/hello.txt"])
        for index, entry in enumerate(report):
            self.assertEqual(entry["index"], index)
            if index == 0:
                self.assertNotIn("parent", entry)
            else:
                parent = report[entry["parent"]]
                self.assertTrue(entry["info"]["file"]["file_path"].startswith(parent["info"]["file"]["file_path"] + "/"))
        stats = {(s["type"], s["subtype"]): s["count"] for s in report[0]["info"]["statistics"]["file_stats"]}
        self.assertEqual(sum(stats.values()), len(report))
        self.assertEqual(stats[("Archive", "7-Zip")], 1)

    def test_entry_shape_follows_the_spec(self):
        entry = scan("formats/sample.zip")[0]
        self.assertEqual(list(entry["info"]["file"]),
                         ["file_type", "file_subtype", "file_name", "file_path", "size", "entropy", "hashes"])
        self.assertEqual([h["name"] for h in entry["info"]["file"]["hashes"]], ["md5", "sha1", "sha256", "sha512"])
        self.assertEqual(entry["classification"]["classification"], 0)
        self.assertEqual(entry["classification"]["rca_factor"], 0)
        self.assertTrue(0.0 <= entry["info"]["file"]["entropy"] <= 8.0)

    def test_same_input_same_report(self):
        first = run("scan", os.path.join(SAMPLES, "nested/nested.7z"), check_json=False)[1]
        second = run("scan", os.path.join(SAMPLES, "nested/nested.7z"), check_json=False)[1]
        self.assertEqual(first, second)

    def test_directory_is_scanned_recursively_in_order(self):
        code, lines, err, _ = run("scan", "-j", "2", os.path.join(SAMPLES, "formats"))
        self.assertEqual(code, 0, err)
        on_disk = sorted(os.listdir(os.path.join(SAMPLES, "formats")))
        self.assertEqual(sorted(os.path.basename(l["path"]) for l in lines), on_disk)


class HostileInput(unittest.TestCase):
    def test_bombs_stop_at_a_named_limit_with_bounded_memory(self):
        expected = {"zeros-1g.zip": "max_object_bytes", "zeros-1g.gz": "max_ratio",
                    "nested-42.zip": "max_ratio", "overlap.zip": "max_ratio"}
        for name, limit in expected.items():
            with self.subTest(bomb=name):
                code, lines, err, peak_kib = run("scan", os.path.join(SAMPLES, "bombs", name))
                self.assertEqual(code, 1, err)  # a bomb is suspicious: "detected"
                report = lines[0]["tc_report"]
                self.assertEqual(report[0]["info"]["unpacking"]["status"], 3)
                self.assertEqual(report[0]["classification"]["classification"], 2)
                self.assertIn(1002, [i["id"] for e in report for i in e["indicators"]])
                self.assertIn("limit-exceeded", report[0]["tags"])
                self.assertTrue(any(f"limit {limit} reached" in w for w in warnings_of(report)), warnings_of(report)[:3])
                self.assertLess(peak_kib, 96 * 1024, "KiB of peak RSS")

    def test_limits_are_configurable(self):
        report = scan("nested/deep20.zip", "--max-depth", "3")
        self.assertEqual(max(e["info"]["file"]["file_path"].count("/") for e in report), 3)
        self.assertTrue(any("limit max_depth reached" in w for w in warnings_of(report)))

        report = scan("formats/sample.deb", "--max-objects", "3")
        self.assertEqual(len(report), 3)
        self.assertTrue(any("limit max_objects reached" in w for w in warnings_of(report)))

        report = scan("formats/sample.tar.gz", "--max-total-bytes", "1K")
        self.assertTrue(any("limit max_total_bytes reached" in w for w in warnings_of(report)))

        # 68K admits the 65,917-byte tar.gz but not the 71,680-byte tar inside it.
        report = scan("formats/sample.tar.gz", "--max-bytes", "68K")
        self.assertTrue(any("limit max_object_bytes reached" in w for w in warnings_of(report)))
        self.assertEqual(report[0]["info"]["file"]["file_type"], "Archive")
        self.assertNotIn("random.bin", [e["info"]["file"]["file_name"] for e in report])

        report = scan("bombs/nested-42.zip", "--max-ratio", "1000000", "--timeout", "0.02")
        self.assertTrue(any("limit timeout reached" in w for w in warnings_of(report)))

    def test_an_input_over_max_object_bytes_is_hashed_and_identified_only(self):
        path = os.path.join(SAMPLES, "formats", "sample.zip")
        with open(path, "rb") as f:
            expected = hashlib.sha256(f.read()).hexdigest()
        report = scan("formats/sample.zip", "--max-bytes", "1K", "--report-type", "large")
        self.assertEqual(len(report), 1)  # not unpacked
        root = report[0]
        self.assertEqual(hashes(root)["sha256"], expected)
        self.assertEqual(root["info"]["file"]["file_subtype"], "ZIP")
        self.assertIn("limit-exceeded", root["tags"])
        self.assertTrue(any("limit max_object_bytes reached" in w and "hashed and identified" in w
                            for w in json.dumps(root).split('"')), root)

    def test_a_wrong_password_that_passes_zipcrypto(self):
        path = os.path.join(os.path.dirname(__file__), "data", "zipcrypto-wrong-key-passes.zip")
        secret = hashlib.sha256(b"top secret payload\n").hexdigest()
        code, lines, err, _ = run("scan", "--report-type", "large", "--no-default-passwords", "--password", "wrong", path)
        report = lines[0]["tc_report"]
        self.assertEqual(len(report), 1, "the garbage a wrong key decrypts is not a child")
        self.assertTrue(any("no password in the list opened it" in w and "CRC" in w for w in warnings_of(report)),
                        warnings_of(report))
        code, lines, err, _ = run("scan", "--report-type", "large", "--no-default-passwords", "--password", "wrong",
                                  "--password", "s3cret", path)
        report = lines[0]["tc_report"]
        self.assertEqual([hashes(e)["sha256"] for e in report[1:]], [secret])  # the later, right password
        self.assertEqual(warnings_of(report), [])

    def test_encrypted_archives(self):
        report = scan("encrypted/infected.zip")
        self.assertIn("encrypted", report[0]["tags"])
        self.assertEqual(report[0]["info"]["unpacking"]["status"], 2)
        self.assertEqual(sorted(e["info"]["file"]["file_name"] for e in report[1:]), ["eicar.com", "hello.txt"])
        for entry in report[1:]:
            self.assertIn({"name": "decrypted", "value": True}, entry["info"]["properties"])

        for name in ("secret.zip", "secret.7z"):
            with self.subTest(sample=name):
                report = scan(os.path.join("encrypted", name))
                self.assertEqual(len(report), 1)
                self.assertEqual(report[0]["info"]["unpacking"]["status"], 3)
                self.assertIn("encrypted", report[0]["tags"])
                self.assertIn({"name": "encrypted", "value": True}, report[0]["info"]["properties"])

        report = scan("encrypted/infected.zip", "--no-default-passwords")
        self.assertEqual(len(report), 1)
        report = scan("encrypted/secret.zip", "--password", "not-in-the-list")
        self.assertEqual(len(report), 3)

    def test_corrupt_inputs_are_reported_not_fatal(self):
        for name in sorted(os.listdir(os.path.join(SAMPLES, "corrupt"))):
            with self.subTest(sample=name):
                report = scan(os.path.join("corrupt", name))
                root = report[0]
                if name == "garbage.bin":
                    self.assertEqual(root["info"]["unpacking"]["status"], 0)
                    continue
                self.assertTrue(root["info"]["unpacking"]["warnings"], root)
        # A truncated zip still gives up the members that arrived whole.
        report = scan("corrupt/truncated.zip")
        self.assertEqual(report[0]["info"]["unpacking"]["status"], 3)
        self.assertIn("hello.txt", [e["info"]["file"]["file_name"] for e in report])

    def test_edge_cases(self):
        empty = scan("edge/empty.bin")[0]
        self.assertEqual((empty["info"]["file"]["size"], empty["info"]["file"]["file_subtype"]), (0, "Empty"))
        self.assertEqual(scan("edge/empty.zip")[0]["info"]["unpacking"], {"status": 2, "warnings": []})
        longname = scan("edge/longname.zip")
        self.assertEqual(len(longname[1]["info"]["file"]["file_name"]), 4000)
        names = [e["info"]["file"]["file_path"] for e in scan("edge/names.zip")]
        # Names are data: kept as stated (never resolved), and any byte is escaped into valid JSON.
        self.assertIn("names.zip/../../etc/passwd", names)
        self.assertIn("names.zip//abs/path.txt", names)
        self.assertTrue(any("\x1b" in n for n in names))
        self.assertTrue(any("日本語" in n for n in names))


class CommandLine(unittest.TestCase):
    def test_errors_exit_2_with_a_message(self):
        code, _, err, _ = run("scan", "/nonexistent/file")
        self.assertEqual(code, 2)
        self.assertIn("/nonexistent/file", err)
        code, _, err, _ = run("scan", "--max-depth", "99999", os.path.join(SAMPLES, "edge/empty.bin"))
        self.assertEqual(code, 2)
        self.assertIn("max_depth must be between", err)
        code, _, err, _ = run("scan", "--frobnicate", "x")
        self.assertEqual(code, 2)
        self.assertIn("unknown option", err)
        code, _, err, _ = run("scan", "--report-type", "tiny", os.path.join(SAMPLES, "edge/empty.bin"))
        self.assertEqual(code, 2)
        self.assertIn("unknown report type", err)

    def test_pretty_prints_one_indented_report(self):
        code, out, err, _ = run("scan", "--pretty", os.path.join(SAMPLES, "formats/sample.zip"), check_json=False)
        self.assertEqual(code, 0, err)
        document = json.loads(out)
        self.assertEqual(document["tc_report"][0]["info"]["file"]["file_name"], "sample.zip")
        self.assertIn(b'\n    "index": 0', out)

    def test_stdin_pipe(self):
        with open(os.path.join(SAMPLES, "formats/sample.tar.gz"), "rb") as f:
            proc = subprocess.run([ASSAY, "scan", "/dev/stdin"], stdin=f, capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = json.loads(proc.stdout)["tc_report"]
        self.assertEqual(report[0]["info"]["file"]["file_subtype"], "GZIP")
        self.assertGreaterEqual(len(report), 4)


if __name__ == "__main__":
    unittest.main()


RULES = os.path.join(os.path.dirname(__file__), "..", "..", "rules")
TEST_RULES = os.path.join(os.path.dirname(__file__), "..", "rules")


def by_name(report):
    return {e["info"]["file"]["file_name"]: e for e in report}


class Classification(unittest.TestCase):
    def assert_eicar_chain(self, report):
        leaf = [e for e in report if e["info"]["file"]["file_name"] == "eicar.com"]
        self.assertEqual(len(leaf), 1)
        leaf = leaf[0]
        c = leaf["classification"]
        self.assertEqual((c["classification"], c["factor"], c["rca_factor"], c["result"], c["propagated"]),
                         (3, 1, 6, "Text.Test.EICAR", False))
        self.assertIn("yara-match", leaf["tags"])
        self.assertEqual(leaf["metadata"]["yara"]["matches"][0]["rule"], "EICAR_Test_File")
        sha1 = hashes(leaf)["sha1"]
        index = leaf["parent"]
        ancestors = 0
        while True:
            entry = report[index]
            c = entry["classification"]
            self.assertEqual((c["classification"], c["result"], c["propagated"]), (3, "Text.Test.EICAR", True))
            self.assertEqual(c["propagation_source"], {"name": "sha1", "value": sha1})
            self.assertEqual(c["scan_results"][0]["result"], "Text.Test.EICAR")
            self.assertIn(1200, [i["id"] for i in entry["indicators"]])
            ancestors += 1
            if "parent" not in entry:
                break
            index = entry["parent"]
        return ancestors

    def test_eicar_alone_and_nested(self):
        code, lines, err, _ = run("scan", "--rules", RULES, os.path.join(SAMPLES, "src/eicar.com"))
        self.assertEqual(code, 1, err)
        root = lines[0]["tc_report"][0]
        self.assertEqual((root["classification"]["classification"], root["classification"]["result"]), (3, "Text.Test.EICAR"))
        self.assertEqual(sorted(r["name"] for r in root["classification"]["scan_results"]), ["Assay Heuristics", "Assay YARA"])
        # Without rules the built-in heuristic still finds it.
        self.assertEqual(scan("src/eicar.com")[0]["classification"]["result"], "Text.Test.EICAR")
        # In a zip in a tar.gz in a 7z: every ancestor is malicious by propagation.
        report = scan("nested/nested.7z", "--rules", RULES)
        self.assertEqual(self.assert_eicar_chain(report), 4)
        clean = by_name(report)["hello.txt"]["classification"]
        self.assertEqual((clean["classification"], clean["propagated"]), (0, False))

    def test_meta_driven_verdicts(self):
        cases = {  # sample: (classification, factor, rca_factor, result)
            "src/hello.txt": (1, 4, 4, ""),
            "src/random.bin": (2, 3, 8, ""),
            "src/script.sh": (3, 5, 10, "Script-Shell.Trojan.Testcase"),
            "src/page.html": (2, 1, 6, ""),
            "src/data.json": (3, 2, 7, ""),  # a malformed name classifies without the name
            "formats/sample.cpio": (2, 4, 9, "Archive-CPIO.Dropper.Testcase"),
        }
        for sample, expected in cases.items():
            with self.subTest(sample=sample):
                root = scan(sample, "--rules", os.path.join(TEST_RULES, "verdicts.yar"))[0]
                c = root["classification"]
                self.assertEqual((c["classification"], c["factor"], c["rca_factor"], c["result"]), expected)
                self.assertEqual(c["scan_results"][0]["name"], "Assay YARA")
                self.assertEqual(c["scan_results"][0]["type"], "yara")
                self.assertEqual(len(c["scan_results"][0]["version"]), 40)  # the ruleset identifier
        page = scan("src/page.html", "--rules", os.path.join(TEST_RULES, "verdicts.yar"))[0]
        self.assertIn(1100, [i["id"] for i in page["indicators"]])

    def test_goodware_child_never_lowers_or_lifts_a_parent(self):
        report = scan("formats/sample.tar", "--rules", os.path.join(TEST_RULES, "verdicts.yar"))
        named = by_name(report)
        self.assertEqual(named["hello.txt"]["classification"]["classification"], 1)
        self.assertEqual(named["random.bin"]["classification"]["classification"], 2)
        root = report[0]["classification"]
        self.assertEqual((root["classification"], root["factor"], root["propagated"]), (2, 3, True))
        self.assertEqual(root["propagation_source"]["value"], hashes(named["random.bin"])["sha1"])
        # Only the goodware child: the parent stays unknown.
        report = scan("formats/hello.txt.gz", "--rules", os.path.join(TEST_RULES, "verdicts.yar"))
        self.assertEqual(report[1]["classification"]["classification"], 1)
        self.assertEqual((report[0]["classification"]["classification"], report[0]["classification"]["propagated"]), (0, False))

    def test_malformed_threat_name_is_a_load_warning(self):
        code, _, err, _ = run("scan", "--rules", os.path.join(TEST_RULES, "verdicts.yar"),
                              os.path.join(SAMPLES, "edge/empty.bin"))
        self.assertEqual(code, 0)
        self.assertIn("Badly_Named_Data", err)
        self.assertIn("generic family", err)

    def test_broken_rule_file_leaves_the_rest_working(self):
        code, lines, err, _ = run("scan", "--rules", os.path.join(TEST_RULES, "broken"),
                                  os.path.join(SAMPLES, "src/hello.txt"))
        self.assertEqual(code, 1, err)  # the good file's rule still matched: suspicious
        self.assertEqual(lines[0]["tc_report"][0]["classification"]["classification"], 2)
        self.assertRegex(err, r"broken\.yar:\d+: ")
        self.assertIn("skipped", err)

    def test_match_offsets_agree_with_the_yara_tool(self):
        rules = os.path.join(TEST_RULES, "offsets.yar")
        for sample in ("src/hello.txt", "src/page.html", "src/random.bin", "src/script.sh", "formats/sample.tar"):
            with self.subTest(sample=sample):
                path = os.path.join(SAMPLES, sample)
                tool = subprocess.run(["yara", "-s", rules, path], capture_output=True, text=True, errors="replace",
                                      check=True).stdout
                per_string = defaultdict(list)
                for line in tool.splitlines():
                    if line.startswith("0x"):
                        offset, identifier, _ = line.split(":", 2)
                        per_string[identifier].append(int(offset, 16))
                # Assay keeps each string's first 64 matches by offset; the tool prints them all.
                expected = {(i, o) for i, offsets in per_string.items() for o in sorted(offsets)[:64]}
                root = scan(sample, "--rules", rules)[0]
                matches = root.get("metadata", {}).get("yara", {}).get("matches", [])
                ours = {(s["identifier"], s["offset"]) for m in matches for s in m["strings"]}
                self.assertEqual(ours, expected)
                if expected:
                    self.assertEqual(matches[0]["rule"], "Offsets_Text")


class RuleSources(unittest.TestCase):
    def test_precompiled_rules_load_and_match(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            compiled = os.path.join(tmp, "eicar.yarc")
            subprocess.run(["yarac", os.path.join(RULES, "eicar.yar"), compiled], check=True, capture_output=True)
            root = scan("src/eicar.com", "--rules", compiled)[0]
            self.assertEqual(root["metadata"]["yara"]["matches"][0]["rule"], "EICAR_Test_File")
            self.assertIn("Assay YARA", [r["name"] for r in root["classification"]["scan_results"]])

    def test_a_slow_rule_times_out_with_a_warning_not_a_hang(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            slow = os.path.join(tmp, "slow.yar")
            with open(slow, "w") as f:
                f.write("rule Slow { condition: for all i in (0..filesize) : "
                        "(for all j in (0..filesize) : (uint8(j) >= 0)) }\n")
            code, lines, err, _ = run("scan", "--rules", slow, "--timeout", "1", os.path.join(SAMPLES, "src/random.bin"))
            self.assertIn(code, (0, 1), err)
            self.assertTrue(any("yara: scan timed out" in w for w in warnings_of(lines[0]["tc_report"])))


class CommunityRules(unittest.TestCase):
    def test_community_constructs_compile_and_behave(self):
        rules = os.path.join(TEST_RULES, "community_style.yar")
        code, _, err, _ = run("scan", "--rules", rules, os.path.join(SAMPLES, "edge/empty.bin"))
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")  # no compile error or warning
        expected = {"src/hello.txt": ["Community_Hash_And_Name"], "src/random.bin": ["Community_Entropy"],
                    "src/script.sh": ["Community_Counts"], "src/page.html": []}
        for sample, rules_matched in expected.items():
            with self.subTest(sample=sample):
                root = scan(sample, "--rules", rules)[0]
                matched = [m["rule"] for m in root.get("metadata", {}).get("yara", {}).get("matches", [])]
                self.assertEqual(matched, rules_matched)
