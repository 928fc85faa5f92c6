#!/usr/bin/env python3
"""Writes the hostile inputs of tests/hostile/ into OUT_DIR (never committed: some are large).

    make_inputs.py OUT_DIR

Standard library only, plus the real `xz` and `bzip2` tools for the two compression bombs. The output
is deterministic: the same script and tools give the same bytes. It takes about 3 s; OUT_DIR/.complete
holds the sha256 of this script, and a second run with the same script returns at once.

Every input is written with struct, following the format documents, in the smallest form that still
makes the claim its name states (see README.md for what the engine must do with each):

  zeros-4g.xz            64 concatenated xz streams of 64 MiB of zeros each: 4 GiB from 620 KB
  zeros-4g.bz2           64 concatenated bzip2 streams of 64 MiB of zeros each: 4 GiB from 5 KB
  million-entries.zip    1,000,000 stored one-byte members (ZIP64 end records: the count needs them)
  nested-rfc822.eml      a mail holding a mail holding a mail ... 2,000 levels of message/rfc822
  nested-multipart.eml   10,000 levels of multipart/mixed inside one another
  cycles.pdf             reference cycles (/Root, /Pages /Count, /Parent, /Length, /OpenAction) and a
                         chain of 10,000 page objects each pointing at the next, the last at the first
  deep-chain.pdf         a 10,000-long chain of references (obj N is "N+1 0 R") and a 10,000-deep
                         nested array
  fat-loop.doc           an OLE2 compound file whose directory chain and stream chain loop in the FAT
  sections-65535.exe     a PE whose header states 65,535 sections, all present in its section table,
                         and whose resource tree points back at its own root
  fat-2pow32.macho       a fat Mach-O header (FAT_MAGIC) claiming 2^32 - 1 slices, the most its 32-bit
                         count can say
  fat64-2pow32.macho     the same with FAT_MAGIC_64
"""
import hashlib
import os
import struct
import subprocess
import sys
import zlib

MIB = 1 << 20


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# --- compression bombs, made by the real tools ------------------------------------------------------

def compress_zeros(tool_args, size):
    """`size` zero bytes streamed through a compressor; returns its output."""
    proc = subprocess.Popen(tool_args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    chunk = bytes(MIB)
    # The output is tiny, so writing everything before reading cannot fill the pipe.
    for _ in range(size // MIB):
        proc.stdin.write(chunk)
    proc.stdin.close()
    out = proc.stdout.read()
    if proc.wait() != 0:
        raise SystemExit(f"{tool_args[0]} failed")
    return out


def zeros_bomb(path, tool_args, streams=64, stream_bytes=64 * MIB):
    # Both formats define a file of concatenated streams as the concatenation of their contents
    # (xz: file format 2.1; bzip2: what bunzip2 and libbz2's callers do), so N copies of one stream
    # decode to N times as many zeros at N times the size on disk.
    write(path, compress_zeros(tool_args, stream_bytes) * streams)


def xz_uncompressed_size(path):
    """What `xz --robot --list` says the file decodes to: a check that the bomb is what it claims."""
    out = subprocess.run(["xz", "--robot", "--list", path], capture_output=True, text=True, check=True).stdout
    totals = [line.split("\t") for line in out.splitlines() if line.startswith("totals\t")]
    return int(totals[0][4])


# --- a zip with a million entries -------------------------------------------------------------------

def million_entries_zip(path, count=1_000_000):
    # Stored one-byte members named 000000..999999: 30 + 6 + 1 bytes of local header, name and data,
    # 46 + 6 bytes of central directory header each. The count does not fit the classic end record's
    # 16 bits, so ZIP64 end records (APPNOTE 4.3.14, 4.3.15) carry it; the classic one says 0xFFFF.
    data = b"A"
    crc = zlib.crc32(data)
    dos_time, dos_date = 0, (2023 - 1980) << 9 | 11 << 5 | 14
    local_parts, central_parts = [], []
    offset = 0
    local = struct.Struct("<IHHHHHIIIHH")
    central = struct.Struct("<IHHHHHHIIIHHHHHII")
    for i in range(count):
        name = b"%06d" % i
        local_parts.append(local.pack(0x04034B50, 10, 0, 0, dos_time, dos_date, crc, 1, 1, len(name), 0) + name + data)
        central_parts.append(central.pack(0x02014B50, 0x031E, 10, 0, 0, dos_time, dos_date, crc, 1, 1, len(name),
                                          0, 0, 0, 0, 0o100644 << 16, offset) + name)
        offset += local.size + len(name) + len(data)
    directory = b"".join(central_parts)
    cd_offset = offset
    zip64_end_at = cd_offset + len(directory)
    zip64_end = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(directory), cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, zip64_end_at, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, len(directory), cd_offset, 0)
    with open(path, "wb") as f:
        f.write(b"".join(local_parts))
        f.write(directory)
        f.write(zip64_end + locator + end)


# --- deeply nested mail -----------------------------------------------------------------------------

def nested_rfc822(path, levels=2000):
    # Each level is a complete message whose only part is the next message, as a forwarded mail is.
    # 7bit parts are borrowed from the parent, so the file stays small (about 250 bytes a level).
    inner = b"From: bottom@example.org\r\nSubject: the innermost mail\r\n\r\nhello from the bottom\r\n"
    for level in range(levels - 1, -1, -1):
        boundary = b"b%d" % level
        inner = (b"From: level%d@example.org\r\nSubject: level %d\r\nMIME-Version: 1.0\r\n"
                 b"Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n"
                 b"Content-Type: message/rfc822\r\n\r\n%s\r\n--%s--\r\n"
                 % (level, level, boundary, boundary, inner, boundary))
    write(path, inner)


def nested_multipart(path, levels=10_000):
    # One message whose body is a multipart holding a multipart holding ... `levels` deep, with a
    # text part at the bottom. Written inside out with a list, not by repeated concatenation.
    head = [b"From: nest@example.org\r\nSubject: nested multiparts\r\nMIME-Version: 1.0\r\n"]
    tail = []
    for level in range(levels):
        boundary = b"n%d" % level
        prefix = b"" if level == 0 else b"--n%d\r\n" % (level - 1)
        head.append(prefix + b"Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n" % boundary)
        tail.append(b"\r\n--%s--\r\n" % boundary)
    head.append(b"--n%d\r\nContent-Type: text/plain\r\n\r\nthe innermost text" % (levels - 1))
    write(path, b"".join(head) + b"".join(reversed(tail)))


# --- PDF ----------------------------------------------------------------------------------------------

def pdf_file(objects, trailer):
    """A PDF with a correct xref table; `objects` maps object numbers to their bodies (bytes)."""
    out = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
    offsets = {}
    at = len(out[0])
    for number in sorted(objects):
        body = b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
        offsets[number] = at
        out.append(body)
        at += len(body)
    size = max(objects) + 1
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
    for number in range(1, size):
        xref.append(b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n")
    out.append(b"".join(xref))
    out.append(b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer, at))
    return b"".join(out)


PDF_CHAIN = 10_000


def cycles_pdf(path):
    objects = {
        # The catalog's /Pages is a page tree whose root is its own parent and whose /Count is a
        # reference to a reference back to itself.
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
        2: b"<< /Type /Pages /Parent 2 0 R /Kids [10 0 R] /Count 4 0 R >>",
        3: b"3 0 R",  # an object that is a reference to itself
        4: b"5 0 R",
        5: b"4 0 R",
        # A stream whose /Length is a reference cycle: its end must be found by the keyword instead.
        6: b"<< /Length 7 0 R >>\nstream\nBT /F1 12 Tf (cycle) Tj ET\nendstream",
        7: b"8 0 R",
        8: b"7 0 R",
    }
    # 10,000 pages, each the /Next of the one before and the last the /Next of ... the first.
    for i in range(PDF_CHAIN):
        number = 10 + i
        following = 10 + (i + 1) % PDF_CHAIN
        objects[number] = b"<< /Type /Page /Parent 2 0 R /Next %d 0 R /Contents 6 0 R >>" % following
    write(path, pdf_file(objects, b"<< /Size %d /Root 1 0 R >>" % (10 + PDF_CHAIN)))


def deep_chain_pdf(path):
    # obj 1 is the catalog, whose /Pages is the start of a chain of 10,000 references, each object
    # being nothing but a reference to the next; the last is the page tree. Object 2 is one array
    # nested 10,000 deep.
    first = 100
    objects = {
        1: b"<< /Type /Catalog /Pages %d 0 R /Deep 2 0 R >>" % first,
        2: b"[" * PDF_CHAIN + b"(bottom)" + b"]" * PDF_CHAIN,
    }
    for i in range(PDF_CHAIN):
        objects[first + i] = b"%d 0 R" % (first + i + 1)
    objects[first + PDF_CHAIN] = b"<< /Type /Pages /Kids [] /Count 0 >>"
    write(path, pdf_file(objects, b"<< /Size %d /Root 1 0 R >>" % (first + PDF_CHAIN + 1)))


# --- OLE2 / CFB ---------------------------------------------------------------------------------------

END_OF_CHAIN, FAT_SECTOR, FREE = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def cfb_entry(name, kind, child=FREE, start=END_OF_CHAIN, size=0):
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1) +
            struct.pack("<III", FREE, FREE, child) + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))


def fat_loop_cfb(path):
    # [MS-CFB] version 3, 512-byte sectors: sector 0 the FAT, sector 1 the directory, sectors 2-4 the
    # stream. The FAT makes the directory's chain point at itself (1 -> 1) and the stream's chain
    # run 2 -> 3 -> 4 -> 2, while the stream claims 2 GiB - 1 bytes.
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) +
              struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6) +
              struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0) +
              struct.pack("<I", 0) + b"\xff" * (4 * 108))
    assert len(header) == 512
    fat = struct.pack("<5I", FAT_SECTOR, 1, 3, 4, 2) + b"\xff" * (512 - 20)
    directory = (cfb_entry("Root Entry", 5, child=1) + cfb_entry("WordDocument", 2, start=2, size=0x7FFFFFFF) +
                 cfb_entry("", 0) + cfb_entry("", 0))
    assert len(directory) == 512
    stream = b"".join((b"loop sector %d " % sector * 40)[:512] for sector in (2, 3, 4))
    write(path, header + fat + directory + stream)


# --- PE -----------------------------------------------------------------------------------------------

PE_SECTIONS = 65_535


def pe_sections(path):
    # PE32: DOS header, "PE\0\0", file header stating 65,535 sections, optional header (224 bytes), the
    # whole 2.6 MB section table, then the first section's raw data: a resource tree whose root has
    # one type directory, whose only entry points back at the root.
    e_lfanew = 0x40
    table_at = e_lfanew + 4 + 20 + 224
    raw_at = (table_at + PE_SECTIONS * 40 + 0x1FF) & ~0x1FF
    rsrc_rva = (raw_at + 0xFFF) & ~0xFFF  # sections are mapped above the headers, which are 2.6 MB here
    dos = b"MZ" + bytes(0x3A) + struct.pack("<I", e_lfanew)
    file_header = struct.pack("<HHIIIHH", 0x14C, PE_SECTIONS, 0, 0, 0, 224, 0x0102)
    directories = [(0, 0)] * 16
    directories[2] = (rsrc_rva, 0x30)
    optional = (struct.pack("<HBBIIIIII", 0x10B, 14, 0, 0, 0x200, 0, rsrc_rva, rsrc_rva, rsrc_rva) +
                struct.pack("<IIIHHHHHHIIIIHHIIIIII", 0x400000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0,
                            rsrc_rva + 0x1000 * PE_SECTIONS, raw_at, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000,
                            0, 16) +
                b"".join(struct.pack("<II", rva, size) for rva, size in directories))
    assert len(optional) == 224
    rows = [struct.pack("<8sIIIIIIHHI", b".rsrc", 0x1000, rsrc_rva, 0x200, raw_at, 0, 0, 0, 0, 0x40000040)]
    for i in range(1, PE_SECTIONS):
        rows.append(struct.pack("<8sIIIIIIHHI", b".s%05d" % i, 0x1000, rsrc_rva + 0x1000 * i, 0, 0, 0, 0, 0, 0,
                                0x40000040))
    # IMAGE_RESOURCE_DIRECTORY (16 bytes, then 8-byte entries); the high bit of an entry's target
    # marks a subdirectory. Root at 0: type 10 (RCDATA) -> directory at 0x18; its entry -> 0 again.
    rsrc = (struct.pack("<IIHHHH", 0, 0, 0, 0, 0, 1) + struct.pack("<II", 10, 0x80000000 | 0x18) +
            struct.pack("<IIHHHH", 0, 0, 0, 0, 0, 1) + struct.pack("<II", 1, 0x80000000 | 0))
    headers = dos + b"PE\0\0" + file_header + optional + b"".join(rows)
    write(path, headers.ljust(raw_at, b"\0") + rsrc.ljust(0x200, b"\0"))


# --- Mach-O -------------------------------------------------------------------------------------------

def fat_macho(path, wide):
    # FAT_MAGIC (shared with Java class files) or FAT_MAGIC_64 (Mach-O's alone) with nfat_arch =
    # 0xFFFFFFFF, then 64 plausible arch rows, all naming one thin x86_64 Mach-O (no load commands) at
    # 4096, where a real slice would sit.
    row = (struct.pack(">IIQQII", 0x01000007, 3, 4096, 32, 12, 0) if wide else
           struct.pack(">IIIII", 0x01000007, 3, 4096, 32, 12))
    thin = struct.pack("<IIIIIIII", 0xFEEDFACF, 0x01000007, 3, 2, 0, 0, 0, 0)
    magic = 0xCAFEBABF if wide else 0xCAFEBABE
    write(path, (struct.pack(">II", magic, 0xFFFFFFFF) + row * 64).ljust(4096, b"\0") + thin)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: make_inputs.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(__file__, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    complete = os.path.join(out, ".complete")
    if os.path.exists(complete):
        with open(complete) as f:
            if f.read().strip() == stamp:
                return
        os.remove(complete)

    def at(name):
        return os.path.join(out, name)

    zeros_bomb(at("zeros-4g.xz"), ["xz", "-6", "-T1", "-c"])
    if xz_uncompressed_size(at("zeros-4g.xz")) != 64 * 64 * MIB:
        raise SystemExit("zeros-4g.xz does not decode to 4 GiB")
    zeros_bomb(at("zeros-4g.bz2"), ["bzip2", "-9", "-c"])
    million_entries_zip(at("million-entries.zip"))
    nested_rfc822(at("nested-rfc822.eml"))
    nested_multipart(at("nested-multipart.eml"))
    cycles_pdf(at("cycles.pdf"))
    deep_chain_pdf(at("deep-chain.pdf"))
    fat_loop_cfb(at("fat-loop.doc"))
    pe_sections(at("sections-65535.exe"))
    fat_macho(at("fat-2pow32.macho"), wide=False)
    fat_macho(at("fat64-2pow32.macho"), wide=True)
    write(complete, stamp.encode() + b"\n")


if __name__ == "__main__":
    main()
