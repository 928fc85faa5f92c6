"""Mail end to end through the `assay` CLI: MIME, mbox and TNEF unpacking, metadata.email.message,
the mail -> zip -> document -> EICAR chain, and interesting_strings.

Mails are built with Python's email package and read back with its parser, which is the independent
reader for names, bodies and header fields; `tnef` (Debian) is the independent reader for TNEF
streams made by tnef_writer.py; the .docx of the chain is written by LibreOffice.
"""
import binascii
import email
import email.policy
import hashlib
import io
import json
import mailbox
import os
import random
import shutil
import subprocess
import sys
import unittest
import zipfile
from email.header import Header
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(__file__))
import test_cli  # noqa: E402  (assert_eicar_chain and RULES; its test classes stay in its own module)
from scratch import ScratchTestCase  # noqa: E402
from tnef_writer import tnef_stream  # noqa: E402

ASSAY = os.environ["ASSAY_BIN"]
CATEGORIES = ["http", "https", "ftp", "ipv4", "ipv6", "email", "domain"]
# The EICAR test string in two halves, so this file is not itself flagged by scanners.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def scan(path, *flags, expect_codes=(0,)):
    proc = subprocess.run([ASSAY, "scan", *flags, path], capture_output=True, timeout=120)
    assert proc.returncode in expect_codes, (proc.returncode, proc.stderr.decode())
    return json.loads(proc.stdout)["tc_report"]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def entry_sha256(entry):
    return {h["name"]: h["value"] for h in entry["info"]["file"]["hashes"]}["sha256"]


def by_path(report):
    return {e["info"]["file"]["file_path"]: e for e in report}


def strings_of(entry):
    return {row["category"]: row["values"] for row in entry.get("interesting_strings", [])}


def uuencode(name, data):
    lines = [f"begin 644 {name}"]
    lines += [binascii.b2a_uu(data[i:i + 45], backtick=True).decode().rstrip("\n") for i in range(0, len(data), 45)]
    return "\n".join(lines + ["`", "end"]) + "\n"


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def leaves(message):
    """The leaf parts in document order, message/rfc822 parts included as leaves (as Assay sees them)."""
    if message.get_content_maintype() == "multipart":
        for part in message.get_payload():
            yield from leaves(part)
    else:
        yield message


def expected_name(part, ordinal, used):
    """Assay's naming rule for a leaf: the sender's name, else body.txt/body.html for the first
    inline text and html, else part-N.<ext>."""
    name = part.get_filename()
    if name:
        return name
    kind = part.get_content_type()
    inline = part.get_content_disposition() != "attachment"
    if inline and kind in ("text/plain", "text/html") and kind not in used:
        used.add(kind)
        return "body.txt" if kind == "text/plain" else "body.html"
    extension = {"text/plain": "txt", "text/html": "html", "message/rfc822": "eml"}.get(kind, "bin")
    return f"part-{ordinal}.{extension}"


def mailbox_string(address):
    return f"{address.display_name} <{address.addr_spec}>" if address.display_name else address.addr_spec


class MailUnpacking(ScratchTestCase):
    scratch_prefix = "assay-mail-"

    def build_mail(self):
        rnd = random.Random(7)
        self.payloads = {}
        inner = EmailMessage()
        inner["From"] = "Inner Sender <inner@example.net>"
        inner["To"] = "x@example.org"
        inner["Subject"] = "Inner message"
        inner.set_content("inner body\n")
        self.payloads["inner.bin"] = rnd.randbytes(2000)
        inner.add_attachment(self.payloads["inner.bin"], "application", "octet-stream", filename="inner.bin")

        m = EmailMessage()
        m["From"] = "Jürgen Müller <juergen@example.de>"
        m["To"] = 'Bob <bob@example.org>, "Doe, John" <john@example.com>'
        m["Cc"] = "team: carol@example.net, dave@example.net;"
        m["Bcc"] = "eve@example.com"
        m["Reply-To"] = "Support Désk <support@example.com>"
        m["Subject"] = "Quarterly report – Größe und Übersicht " + "long words " * 8
        m["X-Custom"] = "custom value"
        m.set_content("Hello Bob,\nplease see the attachments.\n")
        m.add_alternative("<html><body><p>Hello <b>Bob</b></p></body></html>\n", subtype="html")
        self.payloads["report.pdf"] = b"%PDF-1.4\n" + rnd.randbytes(5000)
        m.add_attachment(self.payloads["report.pdf"], "application", "pdf", filename="report.pdf")
        notes = ("Notes with accents: café, naïve, Grüße = equals\n" * 40).encode()
        m.add_attachment(notes, "text", "plain", cte="quoted-printable", filename="notes.txt")
        self.name_2231 = "Rechnung für März – Übersicht " + "ä" * 40 + ".bin"
        m.add_attachment(rnd.randbytes(300), "application", "octet-stream", filename=self.name_2231)
        m.add_attachment(rnd.randbytes(400), "application", "msword", filename="PLACEHOLDER-2047.doc")
        self.payloads["tool.bin"] = rnd.randbytes(1000)
        m.add_attachment("Tool attached below.\n" + uuencode("tool.bin", self.payloads["tool.bin"]) + "Regards\n",
                         disposition="inline")
        self.payloads["archive.zip/a.txt"] = b"alpha\n" * 50
        self.payloads["archive.zip/dir/b.bin"] = rnd.randbytes(700)
        m.add_attachment(zip_bytes({"a.txt": self.payloads["archive.zip/a.txt"],
                                    "dir/b.bin": self.payloads["archive.zip/dir/b.bin"]}),
                         "application", "zip", filename="archive.zip")
        m.add_attachment(inner)
        raw = m.as_bytes()
        # RFC 2047 in a filename is not what Python writes, but what Outlook and others do.
        self.name_2047 = "Résumé Ωmega.doc"
        encoded = Header(self.name_2047, "utf-8").encode().encode()
        self.assertIn(b'filename="PLACEHOLDER-2047.doc"', raw)
        return raw.replace(b'filename="PLACEHOLDER-2047.doc"', b'filename="' + encoded + b'"')

    def test_every_part_is_a_child_with_the_original_bytes(self):
        raw = self.build_mail()
        path = self.write("mail.eml", raw)
        report = scan(path)
        entries = by_path(report)
        root = report[0]
        self.assertEqual((root["info"]["file"]["file_type"], root["info"]["file"]["file_subtype"]), ("Text", "Email"))
        self.assertEqual(root["info"]["unpacking"], {"status": 2, "warnings": []})

        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        used, nested = set(), None
        names = []
        for ordinal, part in enumerate(leaves(parsed), start=1):
            name = expected_name(part, ordinal, used)
            names.append(name)
            child = entries.get("mail.eml/attachment/" + name)
            self.assertIsNotNone(child, f"{name} not among {sorted(entries)}")
            self.assertEqual(child["parent"], 0)
            if part.get_content_type() == "message/rfc822":
                nested = child
                continue
            self.assertEqual(entry_sha256(child), sha256(part.get_payload(decode=True)), name)
        # Python's parser decoded the RFC 2231 and RFC 2047 names to what Assay shows.
        self.assertIn(self.name_2231, names)
        self.assertIn(self.name_2047, names)
        self.assertIn("body.txt", names)
        self.assertIn("body.html", names)

        # The uuencoded block inside a text part, the zip's members, the nested message's attachment.
        self.assertEqual(entry_sha256(entries["mail.eml/attachment/tool.bin"]), sha256(self.payloads["tool.bin"]))
        for member in ("archive.zip/a.txt", "archive.zip/dir/b.bin"):
            self.assertEqual(entry_sha256(entries["mail.eml/attachment/" + member]), sha256(self.payloads[member]))
        self.assertIsNotNone(nested)
        self.assertEqual(nested["info"]["file"]["file_subtype"], "Email")
        self.assertEqual(nested["metadata"]["email"]["message"]["subject"], "Inner message")
        inner = entries[nested["info"]["file"]["file_path"] + "/attachment/inner.bin"]
        self.assertEqual(entry_sha256(inner), sha256(self.payloads["inner.bin"]))
        self.assertEqual(entry_sha256(entries["mail.eml/attachment/report.pdf"]), sha256(self.payloads["report.pdf"]))

    def test_message_metadata_matches_pythons_parser(self):
        raw = self.build_mail()
        report = scan(self.write("meta.eml", raw))
        message = report[0]["metadata"]["email"]["message"]
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(message["subject"], str(parsed["Subject"]))
        self.assertEqual(message["from"], [mailbox_string(a) for a in parsed["From"].addresses])
        self.assertEqual(message["from"], ["Jürgen Müller <juergen@example.de>"])
        recipients = [mailbox_string(a) for h in ("To", "Cc", "Bcc") for a in parsed[h].addresses]
        self.assertEqual(message["recipients"], recipients)
        self.assertEqual(len(recipients), 5)
        self.assertEqual(message["reply_to"], [mailbox_string(a) for a in parsed["Reply-To"].addresses])
        self.assertEqual([h["name"] for h in message["headers"]], list(parsed.keys()))
        values = {h["name"]: h["value"] for h in message["headers"]}
        self.assertEqual(values["X-Custom"], "custom value")
        self.assertEqual(values["Subject"], str(parsed["Subject"]))

    def test_mbox_of_three_messages(self):
        path = os.path.join(self.dir, "box.mbox")
        box = mailbox.mbox(path)
        rnd = random.Random(11)
        payloads = []
        for i in range(3):
            m = EmailMessage()
            m["From"] = f"sender{i}@example.com"
            m["Subject"] = f"message {i}"
            m.set_content(f"From the desk of sender {i}\n")  # escaped as ">From" by the writer
            payloads.append(rnd.randbytes(500 + i))
            m.add_attachment(payloads[-1], "application", "octet-stream", filename=f"file{i}.bin")
            box.add(m)
        box.flush()
        box.close()
        report = scan(path)
        entries = by_path(report)
        self.assertEqual(report[0]["info"]["file"]["file_subtype"], "Mbox")
        self.assertEqual(report[0]["info"]["unpacking"]["status"], 2)
        messages = [e for e in report if e.get("parent") == 0]
        self.assertEqual([e["info"]["file"]["file_path"] for e in messages],
                         [f"box.mbox/message/{i}.eml" for i in (1, 2, 3)])
        for i, entry in enumerate(messages):
            self.assertEqual(entry["info"]["file"]["file_subtype"], "Email")
            self.assertEqual(entry["metadata"]["email"]["message"]["subject"], f"message {i}")
            child = entries[f"box.mbox/message/{i + 1}.eml/attachment/file{i}.bin"]
            self.assertEqual(entry_sha256(child), sha256(payloads[i]))

    def test_tnef_attachments_match_the_tnef_tool(self):
        if shutil.which("tnef") is None:
            self.skipTest("tnef (Debian package tnef) is not installed")
        rnd = random.Random(5)
        stream = tnef_stream([
            {"title": "QUARTE~1.PDF", "long_name": "Quarterly report ä.pdf", "mime": "application/pdf",
             "data": b"%PDF-1.4\n" + rnd.randbytes(3000)},
            {"title": "NOTES.TXT", "data": b"plain notes\n" * 10},
            {"title": "DATA.BIN", "long_name8": "données.bin", "data": rnd.randbytes(768), "data_in_props": True},
        ], body=b"Message body text\0")
        tnef_path = self.write("winmail.dat", stream)
        out = os.path.join(self.dir, "tnef-out")
        os.makedirs(out, exist_ok=True)
        subprocess.run(["tnef", "-C", out, "--overwrite", tnef_path], check=True, capture_output=True, timeout=60)
        expected = {}
        for raw_name in os.listdir(out.encode()):
            try:
                name = raw_name.decode("utf-8")
            except UnicodeDecodeError:
                name = raw_name.decode("cp1252")  # tnef writes PT_STRING8 names in the stream's code page
            with open(os.path.join(out.encode(), raw_name), "rb") as f:
                expected[name] = sha256(f.read())
        self.assertEqual(len(expected), 3)

        m = EmailMessage()
        m["From"] = "outlook@example.com"
        m["Subject"] = "winmail"
        m.set_content("see attachment\n")
        m.add_attachment(stream, "application", "ms-tnef", filename="winmail.dat")
        report = scan(self.write("tnef.eml", m.as_bytes()))
        entries = by_path(report)
        tnef_entry = entries["tnef.eml/attachment/winmail.dat"]
        self.assertEqual(tnef_entry["info"]["file"]["file_subtype"], "TNEF")
        self.assertEqual(tnef_entry["info"]["unpacking"], {"status": 2, "warnings": []})
        prefix = "tnef.eml/attachment/winmail.dat/attachment/"
        found = {p[len(prefix):]: entry_sha256(e) for p, e in entries.items() if p.startswith(prefix)}
        body = found.pop("body.txt")
        self.assertEqual(body, sha256(b"Message body text"))
        self.assertEqual(found, expected)

    def test_mail_zip_document_eicar_chain(self):
        if shutil.which("soffice") is None:
            self.skipTest("LibreOffice (soffice) is not installed")
        work = os.path.join(self.dir, "chain")
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "report.txt"), "w") as f:
            f.write("Quarterly numbers attached.\n")
        profile = "file://" + os.path.join(work, "lo-profile")  # a private profile: runs never collide
        subprocess.run(["soffice", "-env:UserInstallation=" + profile, "--headless", "--convert-to", "docx",
                        "--outdir", work, os.path.join(work, "report.txt")],
                       check=True, capture_output=True, timeout=120)
        docx = os.path.join(work, "report.docx")
        with zipfile.ZipFile(docx, "a") as z:
            z.writestr("word/embeddings/eicar.com", EICAR)
        with open(docx, "rb") as f:
            invoice = zip_bytes({"report.docx": f.read()})
        m = EmailMessage()
        m["From"] = "billing@example.com"
        m["Subject"] = "Invoice"
        m.set_content("Please find the invoice attached.\n")
        m.add_attachment(invoice, "application", "zip", filename="invoice.zip")
        report = scan(self.write("chain.eml", m.as_bytes()), "--rules", test_cli.RULES, expect_codes=(1,))
        self.assertEqual(test_cli.Classification.assert_eicar_chain(self, report), 3)
        entries = by_path(report)
        self.assertIn("chain.eml/attachment/invoice.zip/report.docx/word/embeddings/eicar.com", entries)
        self.assertEqual(entries["chain.eml/attachment/invoice.zip/report.docx"]["info"]["file"]["file_subtype"], "Word")


    def test_mail_zip_macro_document_stream_eicar_chain(self):
        """The issue's chain exactly: a mail carrying a zip carrying a macro document (AutoOpen + Shell,
        built by vba_document.py) carrying EICAR in one of its OLE2 streams."""
        import vba_document  # noqa: E402  (beside this file)
        m = EmailMessage()
        m["From"] = "billing@example.com"
        m["Subject"] = "Invoice"
        m.set_content("Please find the invoice attached.\n")
        m.add_attachment(vba_document.macro_document_zip(), "application", "zip", filename="invoice.zip")
        report = scan(self.write("macro-chain.eml", m.as_bytes()), "--rules", test_cli.RULES, "--report-type",
                      "large", expect_codes=(1,))
        entries = by_path(report)
        leaf = entries["macro-chain.eml/attachment/invoice.zip/invoice.doc/stream/Data"]
        self.assertEqual((leaf["classification"]["result"], leaf["classification"]["propagated"]),
                         ("Text.Test.EICAR", False))
        document = entries["macro-chain.eml/attachment/invoice.zip/invoice.doc"]
        self.assertIn(1702, [i["id"] for i in document["indicators"]])  # AutoOpen
        sha1 = {h["name"]: h["value"] for h in leaf["info"]["file"]["hashes"]}["sha1"]
        index, ancestors = leaf["parent"], 0
        while True:
            c = report[index]["classification"]
            self.assertEqual((c["classification"], c["result"], c["propagated"]), (3, "Text.Test.EICAR", True))
            self.assertEqual(c["propagation_source"], {"name": "sha1", "value": sha1})
            ancestors += 1
            if "parent" not in report[index]:
                break
            index = report[index]["parent"]
        self.assertEqual(ancestors, 3)  # the document, the zip, the mail

def planted_values():
    values = {c: [] for c in CATEGORIES}
    tlds = ["com", "net", "org", "de", "fr", "io", "info", "co.uk", "nl", "ch"]
    for i in range(150):
        values["http"].append(f"http://web{i}.example.com/path/{i}/index.html?id={i}&x=y")
        values["https"].append(f"https://secure{i}.example.org:8443/login?next=%2F{i}")
        values["ipv4"].append(f"10.{i // 100}.{i % 100}.{(i * 7) % 250 + 1}")
        values["ipv6"].append(f"2001:db8:{i:x}::{(i * 13) % 65536 + 1:x}" if i % 2 else
                              f"fe80:0:0:0:{i:x}:ff:fe00:{i % 9 + 1}")
        values["email"].append(f"user.{i}@mail{i}.example.com")
        values["domain"].append(f"host{i}.corp{i % 7}.{tlds[i % len(tlds)]}")
    for i in range(100):
        values["ftp"].append(f"ftp://files{i}.example.net/pub/file{i}.tar.gz")
    assert sum(len(v) for v in values.values()) == 1000
    return values


# Text that must yield nothing: numbers, versions, times, code, file names, abbreviations.
FILLER = ("the quick brown fox jumps over the lazy dog version 1.2.3 at 12:30:45 pi is 3.14159 run setup.py "
          "and read README.md then std::vector<int> x; obj.name = this.top; e.g. i.e. U.S. Mr. Smith "
          "file.txt image.png lib.so.6 archive.zip Foo::Bar x86_64 user@localhost @mention 1.0.0 a.b ratio 2:1 "
          "Grüße aus Köln, naïve café.").split(" ")
DELIMITERS = [(" ", " "), ("\n", "\n"), ("(", ")"), ("<", ">"), ('"', '"'), ("'", "'"), ("\t", ", "), (" ", ". ")]


def planted_text(values, seed=1234):
    rnd = random.Random(seed)
    items = [v for vs in values.values() for v in vs]
    rnd.shuffle(items)
    out = []
    for value in items:
        out.extend(rnd.choice(FILLER) for _ in range(rnd.randint(2, 8)))
        left, right = rnd.choice(DELIMITERS)
        out.append(left + value + right)
    out.extend(FILLER)
    return " ".join(out)


class InterestingStrings(ScratchTestCase):
    scratch_prefix = "assay-strings-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.values = planted_values()

    def scan_bytes(self, name, data, *flags):
        return scan(self.write(name, data), *flags)

    def assert_found(self, entry, expected):
        found = strings_of(entry)
        self.assertEqual(sorted(found), sorted(c for c in CATEGORIES if expected.get(c)))
        for category in CATEGORIES:
            self.assertEqual(sorted(found.get(category, [])), sorted(expected.get(category, [])), category)

    def test_every_planted_value_in_its_category(self):
        report = self.scan_bytes("planted.txt", planted_text(self.values).encode())
        self.assert_found(report[0], self.values)

    def test_utf16le_text(self):
        report = self.scan_bytes("planted16.txt", ("\ufeff" + planted_text(self.values, seed=99)).encode("utf-16-le"))
        self.assert_found(report[0], self.values)

    def test_random_binary_yields_nothing_but_what_was_planted(self):
        data = bytearray(random.Random(20240611).randbytes(4 << 20))
        report = self.scan_bytes("random.bin", bytes(data))
        self.assertEqual(report[0].get("interesting_strings", []), [])
        # The same noise with a NUL-terminated domain and a UTF-16LE URL inside, as in a real binary.
        data[1000:1000 + 19] = b"\0c2.badhost.ru:443\0"
        wide = "\0https://evil.example.com/x\0".encode("utf-16-le")
        data[3000:3000 + len(wide)] = wide
        report = self.scan_bytes("planted.bin", bytes(data))
        self.assert_found(report[0], {"domain": ["c2.badhost.ru"], "https": ["https://evil.example.com/x"]})

    def test_caps_and_report_types(self):
        text = " ".join(f"site{i}.example.com" for i in range(300)) + " http://long.example.com/" + "a" * 3000
        report = self.scan_bytes("many.txt", text.encode())
        found = strings_of(report[0])
        self.assertEqual(found["domain"], [f"site{i}.example.com" for i in range(256)])  # first 256, in order
        self.assertNotIn("http", found)  # longer than 2,048 bytes: dropped
        medium = self.scan_bytes("many.txt", text.encode(), "--report-type", "medium")
        self.assertEqual(strings_of(medium[0]), found)
        small = self.scan_bytes("many.txt", text.encode(), "--report-type", "small")
        self.assertNotIn("interesting_strings", small[0])


if __name__ == "__main__":
    unittest.main()
