"""Office documents, macro projects, Outlook messages and installers, end to end through `assay scan`.

Real files come from real tools: LibreOffice headless converts a flat ODF text and a CSV (written
here, with document properties set) to .doc, .docx, .odt, .xls and .xlsx; msibuild (msitools) and
gcab build an installer with an embedded cabinet. What no Debian tool can write (VBA projects,
Outlook .msg) comes from tests/cli/vba_document.py, whose output is read back by independent readers
first (olefile for every compound file, msgconvert for the message).

Each report is compared with an independent reader: olefile (Debian python3-olefile, run with
Debian's own python3) for compound file streams and summary properties, exiftool for OOXML and ODF
properties, msiinfo for installer stream names, msgconvert for the message.
"""
import email
import email.policy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vba_document  # noqa: E402
from scratch import ScratchTestCase  # noqa: E402

ASSAY = os.environ["ASSAY_BIN"]
DEBIAN_PYTHON3 = os.environ.get("DEBIAN_PYTHON3", "/usr/bin/python3")

# Runs under Debian's python3, where python3-olefile is installed: every stream's sha256 by path,
# and the summary properties olefile decodes.
OLEFILE_DUMP = r'''
import hashlib, json, sys, olefile
ole = olefile.OleFileIO(sys.argv[1])
streams = {}
for path in ole.listdir(streams=True, storages=False):
    streams["/".join(path)] = hashlib.sha256(ole.openstream(path).read()).hexdigest()
meta = ole.get_metadata()
codec = "utf-8" if (meta.codepage or 0) & 0xFFFF == 65001 else "cp1252"
props = {}
for name in ("title", "subject", "author", "keywords", "last_saved_by", "create_time", "last_saved_time",
             "num_pages", "creating_application", "company"):
    value = getattr(meta, name, None)
    if isinstance(value, bytes):
        value = value.decode(codec)
    elif hasattr(value, "strftime"):
        value = None if value.year == 1601 else value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if value not in (None, ""):
        props[name] = value
print(json.dumps({"streams": streams, "properties": props}))
'''
# olefile's property names -> metadata.document keys
OLEFILE_KEYS = {"title": "title", "subject": "subject", "author": "author", "keywords": "keywords",
                "last_saved_by": "last_saved_by", "create_time": "creation_date",
                "last_saved_time": "modified_date", "num_pages": "pages", "creating_application": "application",
                "company": "company"}

FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"
 office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta>
  <dc:title>Quarterly Report &amp; Forecast</dc:title>
  <dc:subject>Finance</dc:subject>
  <meta:initial-creator>Alice Example</meta:initial-creator>
  <dc:creator>Bob Example</dc:creator>
  <meta:keyword>budget</meta:keyword>
  <meta:creation-date>2023-04-05T06:07:08</meta:creation-date>
  <dc:date>2024-01-02T03:04:05</dc:date>
 </office:meta>
 <office:body><office:text><text:p>Revenue grew in every region. See https://example.org/q3.</text:p>
 </office:text></office:body>
</office:document>
"""


def scan(path, *flags):
    proc = subprocess.run([ASSAY, "scan", *flags, path], capture_output=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]["tc_report"]


def sha256(entry):
    return next(h["value"] for h in entry["info"]["file"]["hashes"] if h["name"] == "sha256")


def report_name(olefile_path):
    """olefile's "\\x05SummaryInformation" is Assay's "[5]SummaryInformation" (as 7-Zip shows it)."""
    return "".join(f"[{ord(c)}]" if ord(c) < 0x20 else c for c in olefile_path)


def children_under(report, parent_index, layer):
    parent_path = report[parent_index]["info"]["file"]["file_path"]
    prefix = parent_path + "/" + layer + "/"
    return {e["info"]["file"]["file_path"][len(prefix):]: e for e in report
            if e.get("parent") == parent_index and e["info"]["file"]["file_path"].startswith(prefix)}


def olefile_dump(path):
    proc = subprocess.run([DEBIAN_PYTHON3, "-c", OLEFILE_DUMP, path], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def require(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    assert not missing, f"missing tools {missing}: run scripts/bootstrap.sh"


def indicator_ids(entry):
    return {i["id"] for i in entry.get("indicators", [])}


def reasons(entry, indicator_id):
    return [r["description"] for i in entry.get("indicators", []) if i["id"] == indicator_id for r in i["reasons"]]


class CompoundFileChecks(ScratchTestCase):
    def assert_streams_match_olefile(self, path):
        """Every stream olefile sees is a child under the stream layer with the same sha256, and no
        stream child is extra."""
        expected = {report_name(p): digest for p, digest in olefile_dump(path)["streams"].items()}
        self.assertTrue(expected)
        report = scan(path)
        found = {name: sha256(e) for name, e in children_under(report, 0, "stream").items()}
        self.assertEqual(found, expected)
        return report


class LibreOfficeDocuments(CompoundFileChecks):
    scratch_prefix = "assay-documents-"

    @classmethod
    def setUpClass(cls):
        require("soffice", "exiftool")
        super().setUpClass()
        with open(os.path.join(cls.dir, "report.fodt"), "w") as f:
            f.write(FODT)
        with open(os.path.join(cls.dir, "sheet.csv"), "w") as f:
            f.write("item,amount\nwidget,3\ngadget,5\n")
        profile = "file://" + os.path.join(cls.dir, "profile")
        for source, targets in (("report.fodt", ("doc", "docx", "odt")), ("sheet.csv", ("xls", "xlsx"))):
            for target in targets:
                subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", target,
                                "--outdir", cls.dir, os.path.join(cls.dir, source)],
                               check=True, capture_output=True, timeout=120)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_doc_and_xls_streams_are_children_with_olefiles_hashes(self):
        for name in ("report.doc", "sheet.xls"):
            with self.subTest(name=name):
                report = self.assert_streams_match_olefile(self.path(name))
                self.assertEqual(report[0]["info"]["file"]["file_subtype"], "Word" if name.endswith("doc") else "Excel")
                self.assertEqual(report[0]["info"]["unpacking"]["status"], 2)
                self.assertTrue(report[0]["info"]["validation"]["valid"], report[0]["info"]["validation"])

    def test_doc_properties_agree_with_olefile(self):
        expected = olefile_dump(self.path("report.doc"))["properties"]
        document = scan(self.path("report.doc"))[0]["metadata"]["document"]
        self.assertGreaterEqual(len(expected), 6, expected)
        for olefile_key, value in expected.items():
            with self.subTest(key=olefile_key):
                self.assertEqual(document.get(OLEFILE_KEYS[olefile_key]), value)
        # And olefile read what the source document said.
        self.assertEqual(document["title"], "Quarterly Report & Forecast")
        self.assertEqual(document["author"], "Alice Example")
        self.assertEqual(document["creation_date"], "2023-04-05T06:07:08Z")

    def test_docx_odt_xlsx_properties_agree_with_exiftool(self):
        proc = subprocess.run(["exiftool", "-j", "-d", "%Y-%m-%dT%H:%M:%SZ", self.path("report.docx"),
                               self.path("report.odt"), self.path("sheet.xlsx")],
                              capture_output=True, check=True, timeout=60)
        tags = {os.path.basename(t["SourceFile"]): t for t in json.loads(proc.stdout)}
        # exiftool tag -> metadata.document key, per package kind
        ooxml = {"Title": "title", "Subject": "subject", "Creator": "author", "Keywords": "keywords",
                 "LastModifiedBy": "last_saved_by", "CreateDate": "creation_date", "ModifyDate": "modified_date",
                 "Application": "application"}
        odf = {"Title": "title", "Subject": "subject", "Initial-creator": "author", "Creator": "last_saved_by",
               "Keyword": "keywords", "Creation-date": "creation_date", "Date": "modified_date",
               "Generator": "application", "Document-statisticPage-count": "pages",
               "Document-statisticWord-count": "words"}
        for name, mapping in (("report.docx", ooxml), ("report.odt", odf), ("sheet.xlsx", ooxml)):
            with self.subTest(name=name):
                entry = scan(self.path(name))[0]
                document = entry["metadata"]["document"]
                compared = 0
                for tag, key in mapping.items():
                    value = tags[name].get(tag)
                    if value in (None, ""):
                        self.assertNotIn(key, document)
                        continue
                    if isinstance(value, str) and len(value) == 19 and value[4] == ":":
                        value = value[:10].replace(":", "-") + "T" + value[11:] + "Z"  # a zone-less ODF date
                    self.assertEqual(document.get(key), value, tag)
                    compared += 1
                self.assertGreaterEqual(compared, 1 if name == "sheet.xlsx" else 7)
                self.assertTrue(entry["info"]["validation"]["valid"])
                self.assertNotIn("macros", entry.get("tags", []))
                self.assertFalse({1701, 1702, 1703, 1710, 1711, 1715} & indicator_ids(entry))

    def test_plain_documents_raise_no_macro_indicators(self):
        for name in ("report.doc", "sheet.xls"):
            with self.subTest(name=name):
                report = scan(self.path(name))
                self.assertNotIn("macros", report[0].get("tags", []))
                self.assertFalse(any(1701 <= i <= 1715 for e in report for i in indicator_ids(e)))
                self.assertFalse([e for e in report if "/vba/" in e["info"]["file"]["file_path"]])


class MacroDocuments(CompoundFileChecks):
    scratch_prefix = "assay-macros-"

    def test_generator_compresses_like_the_specification(self):
        # [MS-OVBA] 3.2.1 and 3.2.3 give these compressed containers for these inputs.
        self.assertEqual(vba_document.ovba_compress(b"abcdefghijklmnopqrstuv.").hex(),
                         "0119b0" "00" "6162636465666768" "00" "696a6b6c6d6e6f70" "00" "7172737475762e")
        self.assertEqual(vba_document.ovba_compress(b"a" * 73).hex(), "0103b002614500")

    def test_olefile_reads_the_generated_compound_files(self):
        for sector_size in (512, 4096):
            with self.subTest(sector_size=sector_size):
                streams = vba_document.vba_streams(vba_document.DEFAULT_MODULES, prefix="Macros/")
                streams["Big"] = bytes(range(256)) * 40  # past the mini stream cutoff: regular sectors
                path = self.write(f"generated-{sector_size}.bin", vba_document.cfb(streams, sector_size=sector_size))
                expected = {p: hashlib.sha256(d).hexdigest() for p, d in streams.items()}
                self.assertEqual(olefile_dump(path)["streams"], expected)

    def test_module_sources_equal_the_committed_macro(self):
        source = hashlib.sha256(vba_document.MACRO_SOURCE.encode()).hexdigest()
        document_module = hashlib.sha256(vba_document.DOCUMENT_MODULE_SOURCE.encode()).hexdigest()
        cases = {"vbaProject.bin": vba_document.vba_project(),
                 "vbaProject4k.bin": vba_document.vba_project(sector_size=4096),
                 "invoice.doc": vba_document.doc()}
        for name, data in cases.items():
            with self.subTest(name=name):
                path = self.write(name, data)
                report = self.assert_streams_match_olefile(path)
                modules = {n: sha256(e) for n, e in children_under(report, 0, "vba").items()}
                self.assertEqual(modules, {"Module1.bas": source, "ThisDocument.cls": document_module})

    def test_auto_open_and_shell_raise_macro_indicators(self):
        report = scan(self.write("invoice.doc", vba_document.doc()))
        root = report[0]
        self.assertIn("macros", root["tags"])
        self.assertTrue({1701, 1702, 1703} <= indicator_ids(root), root.get("indicators"))
        self.assertIn("AutoOpen in Module1 (runs when the document is opened)", reasons(root, 1702))
        self.assertIn("Shell in Module1 (runs a program)", reasons(root, 1703))
        self.assertNotIn(1705, indicator_ids(root))  # no Chr chains, no StrReverse in this macro

    def test_obfuscated_macro_with_native_declare(self):
        obfuscated = ('Attribute VB_Name = "Loader"\r\n'
                      'Private Declare PtrSafe Function VirtualAlloc Lib "kernel32" (ByVal a As LongPtr) As LongPtr\r\n'
                      "Sub Workbook_Open()\r\n"
                      "    ' Shell is only named in this comment\r\n"
                      "    s = " + " & ".join(f"Chr({ord(c)})" for c in "powershell -nop") + "\r\n"
                      "    CreateObject(StrReverse(\"llehS.tpircSW\")).Run s\r\n"
                      "End Sub\r\n")
        report = scan(self.write("book.bin", vba_document.vba_project([("Loader", obfuscated, True)])))
        root = report[0]
        self.assertTrue({1701, 1702, 1703, 1704, 1705} <= indicator_ids(root), root.get("indicators"))
        self.assertIn('Lib "kernel32" in Loader (declares native functions)', reasons(root, 1704))
        self.assertIn("Workbook_Open in Loader (runs when the workbook is opened)", reasons(root, 1702))
        obfuscation = reasons(root, 1705)
        self.assertIn("StrReverse in Loader (reverses strings)", obfuscation)
        self.assertTrue(any(r.startswith("Chr in Loader (15 calls") for r in obfuscation), obfuscation)
        # The comment's "Shell" is not a call; CreateObject is.
        suspicious = reasons(root, 1703)
        self.assertNotIn("Shell in Loader (runs a program)", suspicious)
        self.assertIn("CreateObject in Loader (creates a COM object)", suspicious)

    def test_module_that_decompresses_past_the_ratio_limit_is_stopped(self):
        # 512 chunks of one literal and one copy token of 4095 bytes: 3 KiB that expand to 2 MiB.
        bomb = b"\x01" + bytes([0x03, 0xB0, 0x02, 0x41, 0xFC, 0x0F]) * 512
        streams = vba_document.vba_streams([("Bomb", "", True), ("Module1", vba_document.MACRO_SOURCE, True)])
        streams["VBA/Bomb"] = bomb
        report = scan(self.write("bomb.bin", vba_document.cfb(streams)))
        root = report[0]
        self.assertEqual(root["info"]["unpacking"]["status"], 3)
        self.assertTrue(any("limit max_ratio reached" in w and "Bomb" in w for w in root["info"]["unpacking"]["warnings"]),
                        root["info"]["unpacking"]["warnings"])
        self.assertIn(1002, indicator_ids(root))
        modules = children_under(report, 0, "vba")
        self.assertEqual(list(modules), ["Module1.bas"])  # the other module is still extracted

    def test_docm_macros_and_remote_template(self):
        url = "http://198.51.100.7/templates/invoice.dotm"
        report = scan(self.write("invoice.docm", vba_document.docm(remote_template=url)))
        root = report[0]
        self.assertEqual(root["info"]["file"]["file_subtype"], "Word")
        self.assertIn("macros", root["tags"])
        self.assertIn("part word/vbaProject.bin", reasons(root, 1715))
        self.assertEqual(reasons(root, 1710), ["word/_rels/settings.xml.rels: attachedTemplate -> " + url])
        self.assertEqual(root["metadata"]["document"]["title"], "Invoice & receipt")
        self.assertEqual(root["metadata"]["document"]["creation_date"], "2024-02-03T04:05:06Z")
        project = next(e for e in report if e["info"]["file"]["file_path"] == "invoice.docm/word/vbaProject.bin")
        self.assertIn(1702, indicator_ids(project))
        modules = children_under(report, project["index"], "vba")
        self.assertEqual(sha256(modules["Module1.bas"]), hashlib.sha256(vba_document.MACRO_SOURCE.encode()).hexdigest())

    def test_eicar_in_a_macro_document_in_a_zip(self):
        report = scan(self.write("invoice.zip", vba_document.macro_document_zip()))
        by_path = {e["info"]["file"]["file_path"]: e for e in report}
        eicar = by_path["invoice.zip/invoice.doc/stream/Data"]
        self.assertEqual(eicar["classification"]["result"], "Text.Test.EICAR")
        self.assertEqual(report[0]["classification"]["classification"], 3)
        self.assertTrue(report[0]["classification"]["propagated"])
        self.assertIn(1702, indicator_ids(by_path["invoice.zip/invoice.doc"]))


class OutlookMessages(unittest.TestCase):
    def test_generated_message_against_msgconvert(self):
        require("msgconvert")
        attachment = b"quarterly numbers attached\n" * 10
        data = vba_document.outlook_msg(
            "Quarterly numbers", "Alice Sender", "alice@example.org",
            [("Bob Receiver", "bob@example.net", 1), ("Carol Copy", "carol@example.com", 2)],
            [("report.txt", attachment), ("invoice.zip", vba_document.macro_document_zip())],
            body="Please see the attachments.",
            headers="Received: from mx.example.org by mail.example.net\r\n"
                    "From: Alice Sender <alice@example.org>\r\nTo: Bob Receiver <bob@example.net>\r\n"
                    "Subject: Quarterly numbers\r\nReply-To: replies@example.org\r\nX-Folded: one\r\n two\r\n\r\n")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "message.msg")
            with open(path, "wb") as f:
                f.write(data)
            subprocess.run(["msgconvert", "--outfile", os.path.join(tmp, "message.eml"), path],
                           check=True, capture_output=True, timeout=60)
            with open(os.path.join(tmp, "message.eml"), "rb") as f:
                converted = email.message_from_binary_file(f, policy=email.policy.default)
            report = scan(path)
        root = report[0]
        self.assertEqual(root["info"]["file"]["file_subtype"], "Outlook")
        message = root["metadata"]["email"]["message"]
        self.assertEqual(message["subject"], converted["Subject"])
        self.assertEqual(message["from"], [str(converted["From"])])
        self.assertEqual(message["recipients"], ["Bob Receiver <bob@example.net>", "Carol Copy <carol@example.com>"])
        self.assertEqual(message["reply_to"], ["replies@example.org"])
        self.assertIn({"name": "X-Folded", "value": "one two"}, message["headers"])
        self.assertEqual(message["headers"][0]["name"], "Received")
        # The attachments msgconvert finds are the attachments Assay extracts, byte for byte.
        expected = {part.get_filename(): hashlib.sha256(part.get_content()).hexdigest()
                    for part in converted.iter_attachments()}
        found = {name: sha256(e) for name, e in children_under(report, 0, "attachment").items()}
        self.assertEqual(found, expected)
        self.assertEqual(len(found), 2)
        body = children_under(report, 0, "body")["body.txt"]
        self.assertEqual(sha256(body), hashlib.sha256(b"Please see the attachments.").hexdigest())
        # The zip attachment is unpacked further: the macro document and its EICAR stream.
        self.assertTrue(any(e["info"]["file"]["file_path"] == "message.msg/attachment/invoice.zip/invoice.doc/stream/Data"
                            and e["classification"]["result"] == "Text.Test.EICAR" for e in report))


class InstallerPackages(unittest.TestCase):
    def test_msi_streams_and_embedded_cabinet(self):
        require("msibuild", "msiinfo", "gcab")
        with tempfile.TemporaryDirectory() as tmp:
            payload = os.path.join(tmp, "payload.txt")
            with open(payload, "wb") as f:
                f.write(b"installed by the package\n" * 4)
            cabinet = os.path.join(tmp, "cab1.cab")
            subprocess.run(["gcab", "-c", "-z", cabinet, "payload.txt"], cwd=tmp, check=True, timeout=60)
            package = os.path.join(tmp, "setup.msi")
            subprocess.run(["msibuild", package, "-s", "Example Setup", "Assay Tests", "Intel;1033",
                            "{12345678-1234-1234-1234-123456789012}"], check=True, timeout=60)
            subprocess.run(["msibuild", package, "-a", "cab1.cab", cabinet], check=True, timeout=60)
            subprocess.run(["msibuild", package, "-a", "Binary.payload", payload], check=True, timeout=60)
            listed = subprocess.run(["msiinfo", "streams", package], check=True, capture_output=True, timeout=60)
            report = scan(package)
            with open(cabinet, "rb") as f:
                cabinet_digest = hashlib.sha256(f.read()).hexdigest()
        root = report[0]
        self.assertEqual(root["info"]["file"]["file_type"], "Installer")
        streams = children_under(report, 0, "stream")
        # msiinfo lists the streams other than tables ("!_Tables"...) by their decoded names; Assay
        # names them the same.
        listed_names = {report_name(line) for line in listed.stdout.decode().splitlines() if line}
        self.assertEqual({name for name in streams if not name.startswith("!")}, listed_names)
        self.assertIn("!_StringPool", streams)
        self.assertEqual(sha256(streams["cab1.cab"]), cabinet_digest)
        cab = streams["cab1.cab"]
        self.assertEqual(cab["info"]["file"]["file_subtype"], "CAB")
        inside = [e for e in report if e.get("parent") == cab["index"]]
        self.assertEqual([e["info"]["file"]["file_name"] for e in inside], ["payload.txt"])
        self.assertEqual(sha256(inside[0]), hashlib.sha256(b"installed by the package\n" * 4).hexdigest())
        self.assertEqual(root["metadata"]["document"]["subject"], "Example Setup")
        self.assertEqual(root["metadata"]["document"]["author"], "Assay Tests")


if __name__ == "__main__":
    unittest.main()
