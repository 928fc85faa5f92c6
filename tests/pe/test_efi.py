"""Signed EFI images from Debian's boot-loader packages (shim-signed, grub-efi-amd64-signed) against
independent readers: sbverify (sbsigntool) for the Authenticode signatures and image digest, pefile
for headers and sections. A copy with one byte of code flipped must report an invalid digest, and
the digest we compute must be the one sbverify computes."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import pefile

ASSAY = os.environ["ASSAY_BIN"]
IMAGES = [p for p in ("/usr/lib/shim/shimx64.efi.signed", "/usr/lib/shim/mmx64.efi.signed",
                      "/usr/lib/shim/fbx64.efi.signed", "/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed")
          if os.path.exists(p)]
EFI_APPLICATION = 10  # IMAGE_SUBSYSTEM_EFI_APPLICATION


def scan(path):
    proc = subprocess.run([ASSAY, "scan", "--report-type", "large", path], capture_output=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)["tc_report"]


def name_parts_rfc2253(text):
    return frozenset(part.strip() for part in text.split(","))


def name_parts_slashed(text):
    return frozenset(part for part in text.split("/") if part)


def sbverify_signatures(path):
    """[[subject parts of each certificate] per signature], from `sbverify --list`."""
    out = subprocess.run(["sbverify", "--list", path], capture_output=True, text=True).stdout
    signatures = []
    for line in out.splitlines():
        if re.match(r"^signature \d+", line):
            signatures.append([])
        m = re.match(r"^\s+- subject:\s+(.*)$", line)
        if m and signatures:
            signatures[-1].append(name_parts_slashed(m.group(1)))
    return signatures


@unittest.skipUnless(IMAGES and shutil.which("sbverify"), "shim-signed/grub-efi-amd64-signed or sbsigntool missing")
class SignedEfiImages(unittest.TestCase):
    def test_headers_and_sections_agree_with_pefile(self):
        for path in IMAGES:
            with self.subTest(image=os.path.basename(path)):
                root = scan(path)[0]
                pe = root["metadata"]["application"]["pe"]
                reference = pefile.PE(path, fast_load=True)
                self.assertEqual(pe["optional_header"]["subsystem"], EFI_APPLICATION)
                self.assertEqual(pe["optional_header"]["subsystem"], reference.OPTIONAL_HEADER.Subsystem)
                self.assertEqual(pe["optional_header"]["address_of_entry_point"],
                                 reference.OPTIONAL_HEADER.AddressOfEntryPoint)
                self.assertEqual(pe["optional_header"]["checksum"], reference.OPTIONAL_HEADER.CheckSum)
                ours = [(s["relative_base"], s["physical_base"], s["physical_size"]) for s in pe["sections"]]
                theirs = [(s.VirtualAddress, s.PointerToRawData, s.SizeOfRawData) for s in reference.sections]
                self.assertEqual(ours, theirs)

    def test_every_signature_and_its_certificates_agree_with_sbverify(self):
        for path in IMAGES:
            with self.subTest(image=os.path.basename(path)):
                root = scan(path)[0]
                self.assertIn("signed", root["tags"])
                certificate = root["metadata"]["certificate"]
                ours = [certificate] + certificate.get("signatures", [])
                theirs = sbverify_signatures(path)
                self.assertGreaterEqual(len(theirs), 1)
                self.assertEqual(len(ours), len(theirs))
                for signature, expected in zip(ours, theirs):
                    self.assertEqual([name_parts_rfc2253(c["subject"]) for c in signature["certificates"]], expected)
                    self.assertTrue(signature["digest_valid"])
                    self.assertEqual(signature["signed_digest"], signature["computed_digest"])
                self.assertTrue(certificate["digest_valid"])
                # sbverify checks the image hash before the chain (which it cannot trust here, having no
                # CA): it must get past the hash to the signature verdict.
                check = subprocess.run(["sbverify", path], capture_output=True, text=True)
                self.assertIn("Signature verification", check.stdout + check.stderr)
                self.assertNotIn("Image fails hash check", check.stdout + check.stderr)

    def test_a_flipped_byte_gives_the_digest_sbverify_computes_and_an_invalid_signature(self):
        source = next(p for p in IMAGES if "grub" in p) if any("grub" in p for p in IMAGES) else IMAGES[0]
        reference = pefile.PE(source, fast_load=True)
        text = next(s for s in reference.sections if s.Name.rstrip(b"\0") == b".text")
        with open(source, "rb") as f:
            data = bytearray(f.read())
        data[text.PointerToRawData + 0x100] ^= 0xFF
        with tempfile.TemporaryDirectory() as tmp:
            flipped = os.path.join(tmp, "flipped.efi")
            with open(flipped, "wb") as f:
                f.write(data)
            root = scan(flipped)[0]
            check = subprocess.run(["sbverify", flipped], capture_output=True, text=True)
        certificate = root["metadata"]["certificate"]
        self.assertFalse(certificate["digest_valid"])
        self.assertIn(1405, [i["id"] for i in root["indicators"]])
        output = check.stdout + check.stderr
        self.assertIn("Image fails hash check", output)
        got = re.search(r"got:\s+([0-9a-f]+)", output).group(1)
        expecting = re.search(r"expecting:\s+([0-9a-f]+)", output).group(1)
        self.assertEqual(certificate["signed_digest"], got)
        self.assertEqual(certificate["computed_digest"], expecting)


if __name__ == "__main__":
    unittest.main()
