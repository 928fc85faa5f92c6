"""Writes RTF documents with embedded OLE1 objects, for test_pdf_rtf_html.py.

An \\objdata group holds an OLE1 ObjectHeader ([MS-OLEDS] 2.2.4: OLEVersion, FormatID 2 = embedded,
ClassName, TopicName and ItemName as length-prefixed ANSI strings, NativeDataSize) and the native data,
hex-encoded with line breaks. For class "Package" the native data is an OLE Package: a 2-byte header,
the label and the original path (NUL-terminated), 00 00 03 00, the temporary path (length-prefixed and
NUL-terminated), the data size and the data.

    python3 rtf_ole_package.py out.rtf NAME FILE   # wraps FILE as an OLE Package named NAME
"""
import struct
import sys


def ansi(text):
    raw = text.encode("latin-1") + b"\x00" if text else b""
    return struct.pack("<I", len(raw)) + raw


def ole1_object(class_name, native):
    return struct.pack("<II", 0x0501, 2) + ansi(class_name) + ansi("") + ansi("") + struct.pack("<I", len(native)) + native


def ole1_package(name, data):
    temp = "C:\\Users\\x\\AppData\\Local\\Temp\\" + name
    native = (struct.pack("<H", 2) + name.encode() + b"\x00" + ("C:\\docs\\" + name).encode() + b"\x00" +
              struct.pack("<I", 0x00030000) + struct.pack("<I", len(temp) + 1) + temp.encode() + b"\x00" +
              struct.pack("<I", len(data)) + data)
    return ole1_object("Package", native)


def rtf_with_object(ole1, objupdate=False, class_name="Package", noise=False):
    """The RTF around `ole1`. With `noise`, the hex carries what RTF readers skip and obfuscators
    insert: ignorable destination groups (with hex digits inside), control words, \\'hh escapes."""
    hexed = ole1.hex()
    chunks = [hexed[i:i + 64] for i in range(0, len(hexed), 64)]
    separator = "\n{\\*\\datastore 4142 {\\*\\inner ff}}\\par \\'41\\-\n" if noise else "\n"
    update = "\\objupdate" if objupdate else ""
    return ("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\n{\\pard Some text\\par}\n"
            "{\\object\\objemb%s\\objw1000\\objh1000{\\*\\objclass %s}{\\*\\objdata\n%s\n}"
            "{\\result {\\pard result\\par}}}\n}\n" % (update, class_name, separator.join(chunks))).encode("latin-1")


if __name__ == "__main__":
    with open(sys.argv[3], "rb") as f:
        payload = f.read()
    with open(sys.argv[1], "wb") as f:
        f.write(rtf_with_object(ole1_package(sys.argv[2], payload)))
