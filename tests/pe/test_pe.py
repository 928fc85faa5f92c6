"""The PE analyzer against an independent reader (pefile, Debian's python3-pefile) on real programs
built here with mingw-w64: headers, sections, imports, imphash, exports, resources, overlay, checksum;
and truncated or corrupted images never crash and report validation warnings."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import pefile

ASSAY = os.environ["ASSAY_BIN"]

HELLO = r'''
#include <windows.h>
#include <stdio.h>
__declspec(dllexport) int assay_exported_one(int x) { return x + 1; }
__declspec(dllexport) int assay_exported_two(int x) { return x * 2; }
int main(void) {
  HMODULE k = GetModuleHandleA("kernel32.dll");
  if (IsDebuggerPresent()) return 3;
  printf("hello %p\n", (void *)k);
  return 0;
}
'''

RESOURCES = r'''
1 VERSIONINFO
FILEVERSION 1,2,3,4
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "Assay Tests"
      VALUE "FileDescription", "A test program"
      VALUE "FileVersion", "1.2.3.4"
    END
  END
END
42 RCDATA { "raw resource bytes for the test", 0 }
'''


def scan(path):
    proc = subprocess.run([ASSAY, "scan", path], capture_output=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)["tc_report"]


def pe_of(entry):
    return entry["metadata"]["application"]["pe"]


@unittest.skipUnless(shutil.which("x86_64-w64-mingw32-gcc"), "mingw-w64 is not installed")
class MingwPrograms(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        source = os.path.join(cls.dir, "hello.c")
        rc = os.path.join(cls.dir, "res.rc")
        with open(source, "w") as f:
            f.write(HELLO)
        with open(rc, "w") as f:
            f.write(RESOURCES)
        cls.binaries = {}
        for arch in ("x86_64", "i686"):
            res = os.path.join(cls.dir, f"res-{arch}.o")
            subprocess.run([f"{arch}-w64-mingw32-windres", rc, "-O", "coff", "-o", res], check=True)
            exe = os.path.join(cls.dir, f"hello-{arch}.exe")
            subprocess.run([f"{arch}-w64-mingw32-gcc", "-O1", "-o", exe, source, res], check=True)
            cls.binaries[arch] = exe

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_headers_sections_imports_and_imphash_agree_with_pefile(self):
        for arch, path in self.binaries.items():
            with self.subTest(arch=arch):
                reference = pefile.PE(path)
                root = scan(path)[0]
                pe = pe_of(root)
                self.assertEqual(root["info"]["file"]["file_type"], "PE+" if arch == "x86_64" else "PE")
                self.assertEqual(pe["file_header"]["number_of_sections"], reference.FILE_HEADER.NumberOfSections)
                self.assertEqual(pe["file_header"]["time_date_stamp"], reference.FILE_HEADER.TimeDateStamp)
                self.assertEqual(pe["optional_header"]["address_of_entry_point"], reference.OPTIONAL_HEADER.AddressOfEntryPoint)
                self.assertEqual(pe["optional_header"]["image_base"], reference.OPTIONAL_HEADER.ImageBase)
                self.assertEqual(pe["optional_header"]["checksum_computed"], reference.generate_checksum())
                ours = [(s["name"], s["relative_base"], s["physical_base"], s["physical_size"]) for s in pe["sections"]]
                theirs = [(s.Name.rstrip(b"\0").decode(), s.VirtualAddress, s.PointerToRawData, s.SizeOfRawData)
                          for s in reference.sections]
                self.assertEqual(ours, theirs)
                ours = [(i["name"], i["apis"]) for i in pe["imports"]]
                theirs = [(d.dll.decode(), [imp.name.decode() if imp.name else f"ord{imp.ordinal}" for imp in d.imports])
                          for d in reference.DIRECTORY_ENTRY_IMPORT]
                self.assertEqual(ours, theirs)
                hashes = {h["name"]: h["value"] for h in root["info"]["file"]["hashes"]}
                self.assertEqual(hashes["imphash"], reference.get_imphash())
                self.assertEqual([h["name"] for h in root["info"]["file"]["hashes"]],
                                 sorted(h["name"] for h in root["info"]["file"]["hashes"]))
                exports = sorted(e["name"] for e in pe["exports"])
                self.assertEqual(exports, sorted(s.name.decode() for s in reference.DIRECTORY_ENTRY_EXPORT.symbols))
                self.assertIn("assay_exported_one", exports)
                self.assertIn(1414, [i["id"] for i in root["indicators"]])  # IsDebuggerPresent
                self.assertTrue(root["info"]["validation"]["valid"])

    def test_resources_and_version_strings_become_children(self):
        path = self.binaries["x86_64"]
        reference = pefile.PE(path)
        report = scan(path)
        pe = pe_of(report[0])
        theirs = []
        for kind in reference.DIRECTORY_ENTRY_RESOURCE.entries:
            for name in kind.directory.entries:
                for lang in name.directory.entries:
                    theirs.append((lang.data.struct.Size, reference.get_offset_from_rva(lang.data.struct.OffsetToData)))
        self.assertEqual(sorted((r["size"], r["offset"]) for r in pe["resources"]), sorted(theirs))
        versions = {v["name"]: v["value"] for v in pe["version_info"]}
        self.assertEqual(versions["CompanyName"], "Assay Tests")
        self.assertEqual(versions["FileVersion"], "1.2.3.4")
        rcdata = [e for e in report if e["info"]["file"]["file_path"].startswith("hello-x86_64.exe/binary_layer/resource/")
                  and {"name": "resource_type", "value": "RCDATA"} in e["info"]["properties"]]
        self.assertEqual(len(rcdata), 1)
        with open(path, "rb") as f:
            data = f.read()
        offset = [r for r in pe["resources"] if r["type"] == "RCDATA"][0]["offset"]
        self.assertEqual(data[offset:offset + 31], b"raw resource bytes for the test")

    def test_overlay_is_listed_and_extracted(self):
        path = os.path.join(self.dir, "with-overlay.exe")
        with open(self.binaries["x86_64"], "rb") as f:
            image = f.read()
        payload = b"PK-not-really-an-archive, just overlay bytes" * 20
        with open(path, "wb") as f:
            f.write(image + payload)
        # The overlay starts where pefile says: after the last section's data (an unstripped mingw
        # build's COFF symbol table already lies there).
        start = pefile.PE(path).get_overlay_data_start_offset()
        self.assertIsNotNone(start)
        report = scan(path)
        root = report[0]
        self.assertIn("overlay", root["tags"])
        self.assertEqual(root["info"]["overlays"][0]["offset"], start)
        self.assertEqual(root["info"]["overlays"][0]["size"], len(image) + len(payload) - start)
        overlay = [e for e in report if e["info"]["file"]["file_path"] == "with-overlay.exe/binary_layer/overlay/0"]
        self.assertEqual(len(overlay), 1)
        self.assertEqual(overlay[0]["info"]["file"]["size"], len(image) + len(payload) - start)
        with open(path, "rb") as f:
            f.seek(start)
            tail = f.read()
        import hashlib
        self.assertEqual({h["name"]: h["value"] for h in overlay[0]["info"]["file"]["hashes"]}["sha256"],
                         hashlib.sha256(tail).hexdigest())

    @unittest.skipUnless(shutil.which("osslsigncode") and shutil.which("openssl"), "osslsigncode or openssl missing")
    def test_authenticode_signature_and_digest_agree_with_osslsigncode(self):
        key, cert = os.path.join(self.dir, "key.pem"), os.path.join(self.dir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "30", "-subj", "/CN=Assay Test Signer/O=Assay"], check=True, capture_output=True)
        signed = os.path.join(self.dir, "signed.exe")
        subprocess.run(["osslsigncode", "sign", "-certs", cert, "-key", key, "-h", "sha256", "-in",
                        self.binaries["x86_64"], "-out", signed], check=True, capture_output=True)
        verify = subprocess.run(["osslsigncode", "verify", "-CAfile", cert, "-in", signed], capture_output=True, text=True)
        calculated = [l.split(":")[1].strip().lower() for l in verify.stdout.splitlines() if "Calculated message digest" in l][0]
        root = scan(signed)[0]
        certificate = root["metadata"]["certificate"]
        self.assertTrue(certificate["digest_valid"])
        self.assertEqual(certificate["computed_digest"], calculated)
        self.assertEqual(certificate["signed_digest"], calculated)
        self.assertEqual(certificate["certificates"][0]["subject"], "O=Assay,CN=Assay Test Signer")
        fingerprint = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha1"],
                                     capture_output=True, text=True, check=True).stdout
        self.assertEqual(certificate["certificates"][0]["thumbprint"], fingerprint.split("=")[1].strip().replace(":", "").lower())
        self.assertIn("signed", root["tags"])
        self.assertNotIn(1405, [i["id"] for i in root["indicators"]])
        # One byte flipped in the code: both tools now disagree with the signature.
        with open(signed, "rb") as f:
            data = bytearray(f.read())
        text = pefile.PE(data=bytes(data)).sections[0].PointerToRawData
        data[text + 16] ^= 0xFF
        tampered = os.path.join(self.dir, "tampered.exe")
        with open(tampered, "wb") as f:
            f.write(data)
        self.assertIn("MISMATCH", subprocess.run(["osslsigncode", "verify", "-CAfile", cert, "-in", tampered],
                                                 capture_output=True, text=True).stdout)
        root = scan(tampered)[0]
        self.assertFalse(root["metadata"]["certificate"]["digest_valid"])
        self.assertIn(1405, [i["id"] for i in root["indicators"]])
        self.assertFalse(root["info"]["validation"]["valid"])

    def test_containers_of_executables_are_tagged(self):
        import zipfile
        archive = os.path.join(self.dir, "outer.zip")
        with zipfile.ZipFile(archive, "w") as z:
            z.write(self.binaries["i686"], "deep/dir/program.exe")
        report = scan(archive)
        self.assertIn("contains-pe", report[0]["tags"])
        self.assertEqual(report[1]["info"]["file"]["file_type"], "PE")
        self.assertNotIn("contains-pe", report[1]["tags"])

    def test_truncated_and_corrupted_images_never_crash(self):
        with open(self.binaries["i686"], "rb") as f:
            image = f.read()
        path = os.path.join(self.dir, "cut.exe")
        for cut in list(range(64, 1024, 61)) + list(range(1024, len(image), max(1, len(image) // 40))):
            with open(path, "wb") as f:
                f.write(image[:cut])
            root = scan(path)[0]
            if root["info"]["file"]["file_type"] in ("PE", "PE+"):
                self.assertIn("validation", root["info"], cut)
        # A byte flipped in the section table and one in the import directory.
        pe_offset = int.from_bytes(image[0x3C:0x40], "little")
        for position in (pe_offset + 24 + 224 + 12, pe_offset + 24 + 104):
            damaged = bytearray(image)
            damaged[position] ^= 0xFF
            with open(path, "wb") as f:
                f.write(damaged)
            root = scan(path)[0]
            self.assertIn(root["info"]["file"]["file_type"], ("PE", "PE+", "Binary"))


def debian_dlls():
    """PE DLLs built and shipped by Debian (the mingw-w64 GCC runtime, both architectures)."""
    found = []
    for arch in ("x86_64", "i686"):
        for flavour in ("win32", "posix"):
            folder = f"/usr/lib/gcc/{arch}-w64-mingw32/12-{flavour}"
            if os.path.isdir(folder):
                found += [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".dll")]
                break
    return found


@unittest.skipUnless(debian_dlls(), "the mingw-w64 runtime DLLs are not installed")
class DebianShippedDlls(unittest.TestCase):
    """Binaries we did not build: exports, imports, imphash and sections against pefile."""

    def test_exports_imports_and_sections_agree_with_pefile(self):
        dlls = debian_dlls()
        self.assertGreaterEqual(len(dlls), 8)
        for path in dlls:
            with self.subTest(dll=path):
                reference = pefile.PE(path)
                root = scan(path)[0]
                pe = pe_of(root)
                self.assertTrue(reference.is_dll())
                ours = [(s["relative_base"], s["physical_base"], s["physical_size"]) for s in pe["sections"]]
                theirs = [(s.VirtualAddress, s.PointerToRawData, s.SizeOfRawData) for s in reference.sections]
                self.assertEqual(ours, theirs)
                theirs = sorted((e.ordinal, e.name.decode() if e.name else None, e.address)
                                for e in reference.DIRECTORY_ENTRY_EXPORT.symbols)
                ours = sorted((e["ordinal"], e.get("name"), e["address"]) for e in pe["exports"])
                self.assertEqual(ours, theirs)
                self.assertGreater(len(ours), 0)
                ours = [(i["name"], i["apis"]) for i in pe["imports"]]
                theirs = [(d.dll.decode(), [imp.name.decode() if imp.name else f"ord{imp.ordinal}" for imp in d.imports])
                          for d in reference.DIRECTORY_ENTRY_IMPORT]
                self.assertEqual(ours, theirs)
                hashes = {h["name"]: h["value"] for h in root["info"]["file"]["hashes"]}
                self.assertEqual(hashes["imphash"], reference.get_imphash())


if __name__ == "__main__":
    unittest.main()
