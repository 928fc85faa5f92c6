"""Report types, views and field filters end to end (spec/tc-report.md sections 4 and 5).

Golden files pin the exact output for each built-in type and view; an independent Python model of
the selection and flattening rules checks random include lists and the flat view against `large`.
Set ASSAY_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
"""
import json
import os
import random
import subprocess
import unittest

ASSAY = os.environ["ASSAY_BIN"]
SAMPLES = os.environ["ASSAY_SAMPLES"]
HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "..", "rules")
GOLDEN = os.path.join(HERE, "..", "golden")
REPORT_TYPES = os.path.join(HERE, "..", "report_types")


def no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys: {sorted(k for k in keys if keys.count(k) > 1)}"
    return dict(pairs)


def render(sample, *flags, expect_ok=True):
    proc = subprocess.run([ASSAY, "scan", "--rules", RULES, *flags, os.path.join(SAMPLES, sample)],
                          capture_output=True, timeout=120)
    if not expect_ok:
        return proc
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout, object_pairs_hook=no_duplicate_keys)["tc_report"]


def trie(paths):
    root = {}
    for path in paths:
        node = root
        parts = [p for p in path.split(".") if p]
        for i, part in enumerate(parts):
            if i == len(parts) - 1:
                node[part] = True
            elif node.get(part) is not True:
                node = node.setdefault(part, {})
            else:
                break
    return root


def keep(value, paths):
    """What include_fields keeps: included paths and their ancestors; arrays are transparent."""
    if isinstance(value, list):
        return [keep(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in value.items():
        if key in paths:
            out[key] = sub if paths[key] is True else keep(sub, paths[key])
    return out


def drop(value, paths):
    if isinstance(value, list):
        return [drop(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in value.items():
        if paths.get(key) is True:
            continue
        out[key] = drop(sub, paths[key]) if key in paths else sub
    return out


def leaf_paths(value, prefix=""):
    if isinstance(value, list):
        found = set()
        for v in value:
            found |= leaf_paths(v, prefix)
        return found or {prefix}
    if isinstance(value, dict) and value:
        found = set()
        for key, sub in value.items():
            found |= leaf_paths(sub, f"{prefix}.{key}" if prefix else key)
        return found
    return {prefix}


def flatten(entry):
    """The flat view, written from the spec's words, independently of the engine."""
    out = {}

    def walk(value, key):
        if isinstance(value, dict):
            if not value:
                return
            for k, v in value.items():
                walk(v, f"{key}_{k}" if key else k)
        elif isinstance(value, list):
            if not value or not all(isinstance(v, dict) for v in value):
                out[key] = value
            elif all(set(v) == {"name", "value"} for v in value):
                for v in value:
                    walk(v["value"], f"{key}_{v['name']}")
            elif key.endswith("scan_results"):
                for v in value:
                    for k, sub in v.items():
                        if k != "name":
                            walk(sub, f"{key}_{v['name'].replace(' ', '_')}_{k}")
            else:
                for i, v in enumerate(value):
                    walk(v, f"{key}_{i}")
        else:
            out[key] = value

    walk(entry, "")
    return out


class Golden(unittest.TestCase):
    def test_builtin_types_and_views_match_the_golden_files(self):
        update = os.environ.get("ASSAY_UPDATE_GOLDEN") == "1"
        for sample in ("nested/nested.7z", "formats/sample.tar.gz", "bombs/overlap.zip"):
            for report_type in ("small", "medium", "large"):
                for view in ("nested", "flat", "extended"):
                    with self.subTest(sample=sample, type=report_type, view=view):
                        report = render(sample, "--report-type", report_type, "--view", view)
                        name = f"{os.path.basename(sample)}__{report_type}__{view}.json"
                        path = os.path.join(GOLDEN, name)
                        text = json.dumps(report, indent=1, ensure_ascii=False) + "\n"
                        if update:
                            with open(path, "w") as f:
                                f.write(text)
                        with open(path) as f:
                            self.assertEqual(text, f.read(), f"{name} differs (ASSAY_UPDATE_GOLDEN=1 to rewrite)")

    def test_types_nest_small_in_medium_in_large(self):
        large = render("nested/nested.7z", "--report-type", "large")
        medium = render("nested/nested.7z", "--report-type", "medium")
        small = render("nested/nested.7z", "--report-type", "small")
        def with_ancestors(entry):
            return {".".join(p.split(".")[:n]) for p in leaf_paths(entry) for n in range(1, p.count(".") + 2)}

        for s, m, l in zip(small, medium, large):
            self.assertTrue(with_ancestors(s) <= with_ancestors(m) <= with_ancestors(l))
        self.assertEqual(set(small[1]), {"index", "parent", "info", "classification"})
        self.assertEqual(set(small[1]["classification"]), {"classification", "factor", "rca_factor", "result", "propagated"})
        self.assertNotIn("statistics", medium[0]["info"])
        self.assertIn("story", medium[0])
        self.assertIn("scan_results", medium[0]["classification"])


class FieldFilters(unittest.TestCase):
    def test_random_include_paths_keep_exactly_what_large_has(self):
        large = render("nested/nested.7z", "--report-type", "large")
        every = sorted(set().union(*(leaf_paths(e) for e in large)))
        # Also ancestors (whole sections) and a path that does not exist.
        candidates = sorted({".".join(p.split(".")[:n]) for p in every for n in range(1, p.count(".") + 2)})
        candidates.append("info.no_such_field")
        rng = random.Random(1234)
        for trial in range(25):
            paths = rng.sample(candidates, rng.randint(1, 6))
            with self.subTest(paths=paths):
                ours = render("nested/nested.7z", "--include-fields", json.dumps(paths))
                self.assertEqual(ours, [keep(e, trie(paths)) for e in large])

    def test_include_and_exclude_edge_cases(self):
        large = render("nested/nested.7z", "--report-type", "large")
        # A path into arrays applies to every element.
        ours = render("nested/nested.7z", "--include-fields", '["info.file.hashes.value","classification.scan_results.name"]')
        self.assertEqual(ours, [keep(e, trie(["info.file.hashes.value", "classification.scan_results.name"])) for e in large])
        self.assertEqual(ours[0]["info"]["file"]["hashes"][2], {"value": large[0]["info"]["file"]["hashes"][2]["value"]})
        # Unknown paths keep only their existing ancestors.
        self.assertEqual(render("nested/nested.7z", "--include-fields", '["nope.nothing"]')[0], {})
        # An empty include list keeps nothing; an empty exclude list removes nothing.
        self.assertEqual(render("nested/nested.7z", "--include-fields", "[]")[0], {})
        self.assertEqual(render("nested/nested.7z", "--exclude-fields", "[]", "--report-type", "large"), large)
        # Both: exclusion applies after inclusion.
        both = render("nested/nested.7z", "--include-fields", '["info.file","classification.result"]',
                      "--exclude-fields", '["info.file.hashes","info.file.entropy"]')
        expected = [drop(keep(e, trie(["info.file", "classification.result"])), trie(["info.file.hashes", "info.file.entropy"]))
                    for e in large]
        self.assertEqual(both, expected)
        self.assertNotIn("hashes", both[0]["info"]["file"])
        # Exclude alone refines the report type.
        medium = render("nested/nested.7z", "--report-type", "medium")
        self.assertEqual(render("nested/nested.7z", "--report-type", "medium", "--exclude-fields", '["story","tags"]'),
                         [drop(e, trie(["story", "tags"])) for e in medium])

    def test_malformed_field_lists_are_clear_errors(self):
        for flag, value, message in (("--include-fields", '["a"', "not valid JSON"),
                                     ("--include-fields", '{"a": 1}', "array of dot-path strings"),
                                     ("--exclude-fields", '[1, 2]', "array of dot-path strings")):
            with self.subTest(value=value):
                proc = render("src/hello.txt", flag, value, expect_ok=False)
                self.assertEqual(proc.returncode, 2)
                self.assertIn(message, proc.stderr.decode())


class Views(unittest.TestCase):
    def test_flat_view_round_trips_to_the_nested_entry(self):
        for sample in ("nested/nested.7z", "bombs/overlap.zip", "formats/sample.deb"):
            with self.subTest(sample=sample):
                nested = render(sample, "--report-type", "large")
                flat = render(sample, "--report-type", "large", "--view", "flat")
                self.assertEqual(len(flat), len(nested))
                for f, n in zip(flat, nested):
                    self.assertEqual(f, flatten(n))  # every flat key is exactly one nested path
                    self.assertTrue(all(not isinstance(v, dict) for v in f.values()))

    def test_spec_examples_of_flat_keys(self):
        flat = render("nested/nested.7z", "--report-type", "large", "--view", "flat")
        leaf = flat[-1]
        self.assertIn("info_file_size", leaf)
        self.assertIn("info_file_hashes_sha256", leaf)
        self.assertEqual(leaf["classification_scan_results_Assay_YARA_result"], "Text.Test.EICAR")
        self.assertIn("info_statistics_file_stats_0_count", leaf)
        self.assertIsInstance(leaf["tags"], list)

    def test_extended_view_adds_children_depth_and_matched_bytes(self):
        extended = render("nested/nested.7z", "--view", "extended")
        large = render("nested/nested.7z", "--report-type", "large")
        for entry, full in zip(extended, large):
            self.assertEqual(entry["children"], [e["index"] for e in large if e.get("parent") == full["index"]])
            self.assertEqual(entry["depth"], full["info"]["file"]["file_path"].count("/"))
        leaf = render("nested/nested.7z", "--view", "extended", "--report-type", "large")[-1]
        strings = leaf["metadata"]["yara"]["matches"][0]["strings"]
        self.assertEqual(bytes.fromhex(strings[0]["data"]), b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$")

    def test_view_without_a_type_is_the_summary(self):
        self.assertEqual(render("nested/nested.7z", "--report-type", "", "--view", "flat"),
                         render("nested/nested.7z", "--report-type", "medium", "--view", "flat"))


class ReportTypesFolder(unittest.TestCase):
    def test_custom_types_build_on_a_base(self):
        good = os.path.join(REPORT_TYPES, "good")
        medium = render("nested/nested.7z", "--report-type", "medium")
        large = render("nested/nested.7z", "--report-type", "large")
        soc = render("nested/nested.7z", "--report-types-dir", good, "--report-type", "soc")
        for s, m, l in zip(soc, medium, large):
            self.assertNotIn("story", s)
            self.assertNotIn("identification", s["info"])
            self.assertEqual(s["info"]["unpacking"], l["info"]["unpacking"])
            self.assertEqual(s["info"]["file"], m["info"]["file"])
        self.assertEqual(soc[-1]["metadata"]["yara"], large[-1]["metadata"]["yara"])
        hashes_only = render("nested/nested.7z", "--report-types-dir", good, "--report-type", "hashes_only")
        self.assertEqual(set(hashes_only[0]["info"]["file"]),
                         {"file_type", "file_subtype", "file_name", "file_path", "size", "entropy"})
        self.assertNotIn("classification", hashes_only[0])

    def test_bad_folders_and_unknown_types_are_clear_errors(self):
        proc = render("src/hello.txt", "--report-types-dir", os.path.join(REPORT_TYPES, "bad_field"), expect_ok=False)
        self.assertEqual(proc.returncode, 2)
        self.assertRegex(proc.stderr.decode(), r"broken\.json: field 'include' must be an array")
        proc = render("src/hello.txt", "--report-types-dir", os.path.join(REPORT_TYPES, "bad_json"), expect_ok=False)
        self.assertRegex(proc.stderr.decode(), r"truncated\.json: not valid JSON")
        proc = render("src/hello.txt", "--report-types-dir", os.path.join(REPORT_TYPES, "good"), "--report-type", "tiny",
                      expect_ok=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown report type 'tiny'; known: hashes_only, large, medium, small, soc", proc.stderr.decode())

    def test_v13_renders_scanner_types_as_integers(self):
        leaf = render("nested/nested.7z", "--v13")[-1]
        self.assertEqual(sorted(r["type"] for r in leaf["classification"]["scan_results"]), [1, 2])
        leaf = render("nested/nested.7z")[-1]
        self.assertEqual(sorted(r["type"] for r in leaf["classification"]["scan_results"]), ["internal", "yara"])


if __name__ == "__main__":
    unittest.main()
