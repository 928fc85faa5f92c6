#!/usr/bin/env python3
"""Helper for samples/generate.sh: writes the parts of the corpus that no Debian tool can make.

Each sub-command writes exactly the files it is given on the command line, deterministically
(fixed timestamps, seeded pseudo-random data), using only the standard library:

  src DIR                       member files: hello.txt random.bin script.sh page.html data.json eicar.com
  random OUT SIZE SEED          SIZE bytes of random.Random(SEED) data
  not-zip OUT SEED              'PK\\3\\4' followed by seeded garbage
  xar OUT FILE...               XAR archive, files stored (application/octet-stream), sha1 checksums
  lzh OUT FILE...               LHA archive, level-0 headers, method -lh0- (stored)
  rar4 OUT FILE...              RAR 4.x archive, stored members (method 0x30)
  rar5 OUT FILE...              RAR 5.0 archive, stored members (compression method 0)
  flip-zip IN OUT               copy of a zip with one byte of its first member's data flipped
  empty-zip OUT                 the 22-byte end-of-central-directory record alone
  longname-zip OUT FILE         one member whose name is 4,000 characters
  longname-tar OUT FILE         one member whose path is 300 characters (GNU long name)
  names-zip OUT                 members with hostile names (traversal, absolute, control char, UTF-8)
  zeros-zip OUT SIZE NAME       one deflated member of SIZE zero bytes, streamed in 1 MiB chunks
  overlap-zip OUT               non-recursive overlapping-file zip bomb (Fifield's construction)

Archive members are stored under their basename.
"""
import hashlib
import io
import os
import random
import struct
import sys
import tarfile
import zipfile
import zlib

EPOCH = 1700000000  # 2023-11-14 22:13:20 UTC
DATE_TIME = (2023, 11, 14, 22, 13, 20)
DOS_DATE = ((DATE_TIME[0] - 1980) << 9) | (DATE_TIME[1] << 5) | DATE_TIME[2]
DOS_TIME = (DATE_TIME[3] << 11) | (DATE_TIME[4] << 5) | (DATE_TIME[5] // 2)
ISO_TIME = "2023-11-14T22:13:20Z"

# The EICAR anti-malware test file (68 bytes, no newline). Kept in two halves so that this
# script itself is never mistaken for the test file; the result is checked against its sha256.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + rb"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

HELLO = b"""Hello from the Assay sample corpus.
This file is benign plain text, used to test identification, hashing and unpacking.
The quick brown fox jumps over the lazy dog.
The quick brown fox jumps over the lazy dog.
"""

SCRIPT = b"""#!/bin/sh
# Benign test script from the Assay sample corpus: prints a greeting and exits.
set -eu
name="${1:-world}"
echo "hello, $name"
"""

PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Assay sample page</title>
</head>
<body>
<h1>Assay sample page</h1>
<p>A benign HTML document from the Assay test corpus.</p>
</body>
</html>
"""

DATA = b"""{
  "name": "assay-sample",
  "description": "benign JSON document from the Assay test corpus",
  "version": 1,
  "tags": ["test", "benign", "json"],
  "nested": {"numbers": [1, 2, 3], "flag": true, "nothing": null}
}
"""


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (EPOCH, EPOCH))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def members(paths):
    return [(os.path.basename(p), read(p)) for p in paths]


def seeded(size, seed):
    return random.Random(seed).randbytes(size)


# ---------------------------------------------------------------------------------------------
def cmd_src(d):
    assert len(EICAR) == 68 and hashlib.sha256(EICAR).hexdigest() == EICAR_SHA256
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, "hello.txt"), HELLO)
    write(os.path.join(d, "random.bin"), seeded(64 * 1024, 42))
    write(os.path.join(d, "script.sh"), SCRIPT)
    os.chmod(os.path.join(d, "script.sh"), 0o755)
    write(os.path.join(d, "page.html"), PAGE)
    write(os.path.join(d, "data.json"), DATA)
    write(os.path.join(d, "eicar.com"), EICAR)


def cmd_random(out, size, seed):
    write(out, seeded(int(size), int(seed)))


def cmd_not_zip(out, seed):
    write(out, b"PK\x03\x04" + seeded(1020, int(seed)))


# ---------------------------------------------------------------------------------------------
# XAR: 28-byte big-endian header, zlib-compressed TOC (XML), then the heap. The heap starts with
# the sha1 of the compressed TOC (declared in the TOC at offset 0, size 20), then the file data.
def cmd_xar(out, *paths):
    files = members(paths)
    heap = bytearray(20)
    entries = []
    for i, (name, data) in enumerate(files, 1):
        offset = len(heap)
        heap += data
        sha = hashlib.sha1(data).hexdigest()
        entries.append(
            f"""  <file id="{i}">
   <data>
    <length>{len(data)}</length>
    <offset>{offset}</offset>
    <size>{len(data)}</size>
    <encoding style="application/octet-stream"/>
    <extracted-checksum style="sha1">{sha}</extracted-checksum>
    <archived-checksum style="sha1">{sha}</archived-checksum>
   </data>
   <ctime>{ISO_TIME}</ctime>
   <mtime>{ISO_TIME}</mtime>
   <atime>{ISO_TIME}</atime>
   <group>root</group>
   <gid>0</gid>
   <user>root</user>
   <uid>0</uid>
   <mode>0644</mode>
   <type>file</type>
   <name>{name}</name>
  </file>
""")
    toc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xar>\n <toc>\n'
        '  <checksum style="sha1">\n   <offset>0</offset>\n   <size>20</size>\n  </checksum>\n'
        f"  <creation-time>{ISO_TIME[:-1]}</creation-time>\n"
        + "".join(entries)
        + " </toc>\n</xar>\n"
    ).encode()
    ztoc = zlib.compress(toc, 9)
    heap[0:20] = hashlib.sha1(ztoc).digest()
    header = struct.pack(">4sHHQQI", b"xar!", 28, 1, len(ztoc), len(toc), 1)  # 1 = sha1
    write(out, header + ztoc + bytes(heap))


# ---------------------------------------------------------------------------------------------
# LHA level 0: [size][sum]['-lh0-'][packed][original][dos time][dos date][attr][level=0]
# [name len][name][crc16] then the data; the archive ends with a zero byte. size counts the
# header from its third byte on, sum is the byte sum of those bytes, crc16 is CRC-16/ARC.
def crc16_arc(data):
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table.append(c)
    crc = 0
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


def cmd_lzh(out, *paths):
    blob = bytearray()
    for name, data in members(paths):
        raw = name.encode()
        body = (b"-lh0-" + struct.pack("<IIHHBBB", len(data), len(data), DOS_TIME, DOS_DATE, 0x20, 0, len(raw))
                + raw + struct.pack("<H", crc16_arc(data)))
        assert len(body) < 256
        blob += bytes([len(body), sum(body) & 0xFF]) + body + data
    blob += b"\0"
    write(out, bytes(blob))


# ---------------------------------------------------------------------------------------------
# RAR 4.x: every block is HEAD_CRC(2) HEAD_TYPE(1) HEAD_FLAGS(2) HEAD_SIZE(2) ...; HEAD_CRC is the
# low 16 bits of the CRC32 of the header from HEAD_TYPE on. Marker block, archive header (0x73),
# one file header (0x74, LONG_BLOCK flag, PACK_SIZE acts as ADD_SIZE) plus data per member,
# end-of-archive block (0x7B).
def rar4_block(htype, flags, body):
    head = struct.pack("<BHH", htype, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head


def cmd_rar4(out, *paths):
    blob = bytearray(b"Rar!\x1a\x07\x00")
    blob += rar4_block(0x73, 0x0000, b"\0" * 6)
    for name, data in members(paths):
        raw = name.encode()
        dos = (DOS_DATE << 16) | DOS_TIME
        body = struct.pack("<IIBIIBBHI", len(data), len(data), 3, zlib.crc32(data), dos, 20, 0x30,
                           len(raw), 0o100644) + raw
        blob += rar4_block(0x74, 0x8000, body) + data
    end = rar4_block(0x7B, 0x4000, b"")
    assert end == bytes.fromhex("c43d7b00400700")  # what WinRAR itself writes
    blob += end
    write(out, bytes(blob))


# RAR 5.0: signature, then headers CRC32(4) + vint size + (type, flags, ...); CRC32 covers the
# size field and the header data. Main header (1), file headers (2) followed by data, end (5).
def vint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def rar5_header(fields):
    size = vint(len(fields))
    return struct.pack("<I", zlib.crc32(size + fields)) + size + fields


def cmd_rar5(out, *paths):
    blob = bytearray(b"Rar!\x1a\x07\x01\x00")
    blob += rar5_header(vint(1) + vint(0) + vint(0))  # main: type 1, flags 0, archive flags 0
    for name, data in members(paths):
        raw = name.encode()
        fields = (vint(2)                  # file header
                  + vint(0x0002)           # header flags: data area present
                  + vint(len(data))        # data size
                  + vint(0x0002 | 0x0004)  # file flags: unix mtime, CRC32 present
                  + vint(len(data))        # unpacked size
                  + vint(0o100644)         # attributes (unix mode)
                  + struct.pack("<I", EPOCH)
                  + struct.pack("<I", zlib.crc32(data))
                  + vint(0)                # compression: version 0, method 0 (store), 128 KiB dict
                  + vint(1)                # host OS: unix
                  + vint(len(raw)) + raw)
        blob += rar5_header(fields) + data
    blob += rar5_header(vint(5) + vint(0x0004) + vint(0))  # end of archive (skip-if-unknown flag)
    write(out, bytes(blob))


# ---------------------------------------------------------------------------------------------
def cmd_flip_zip(src, out):
    data = bytearray(read(src))
    assert data[:4] == b"PK\x03\x04"
    method, = struct.unpack_from("<H", data, 8)
    csize, = struct.unpack_from("<I", data, 18)
    nlen, elen = struct.unpack_from("<HH", data, 26)
    assert method == 0 and csize > 0, "flip-zip wants a stored member"
    data[30 + nlen + elen + csize // 2] ^= 0x01
    write(out, bytes(data))


def cmd_empty_zip(out):
    write(out, b"PK\x05\x06" + b"\0" * 18)


def zinfo(name, compress=zipfile.ZIP_DEFLATED):
    zi = zipfile.ZipInfo(name, date_time=DATE_TIME)
    zi.compress_type = compress
    zi.external_attr = 0o100644 << 16
    zi.create_system = 3
    return zi


def cmd_longname_zip(out, path):
    name = "a" * 3996 + ".txt"
    assert len(name) == 4000
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zinfo(name), read(path))
    os.utime(out, (EPOCH, EPOCH))


def cmd_longname_tar(out, path):
    base = os.path.basename(path)
    segs = []
    while sum(len(x) + 1 for x in segs) + len(base) < 250:
        segs.append(f"long-directory-{len(segs):02d}-" + "x" * 30)
    prefix = "/".join(segs) + "/"
    name = prefix + "y" * (300 - len(prefix) - len(base) - 1) + "/" + base
    assert len(name) == 300
    data = read(path)
    ti = tarfile.TarInfo(name)
    ti.size, ti.mtime, ti.mode = len(data), EPOCH, 0o644
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tf:
        tf.addfile(ti, io.BytesIO(data))
    os.utime(out, (EPOCH, EPOCH))


def cmd_names_zip(out):
    names = [
        "../../etc/passwd",
        "/abs/path.txt",
        "dir/../x.txt",
        "ctrl-\x1b[31mred\x07.txt",        # ESC sequence and BEL: terminal injection
        "unicod\u00e9-\u65e5\u672c\u8a9e-\u00fc.txt",  # UTF-8 (the zip sets the UTF-8 flag)
    ]
    with zipfile.ZipFile(out, "w") as zf:
        for n in names:
            zf.writestr(zinfo(n), f"benign member named {n!r}\n".encode("utf-8", "backslashreplace"))
    os.utime(out, (EPOCH, EPOCH))


def cmd_zeros_zip(out, size, name):
    size = int(size)
    chunk = bytes(1 << 20)
    zi = zinfo(name)
    zi.file_size = size
    with zipfile.ZipFile(out, "w", compresslevel=9) as zf, zf.open(zi, "w") as w:
        left = size
        while left:
            n = min(left, len(chunk))
            w.write(chunk if n == len(chunk) else chunk[:n])
            left -= n
    os.utime(out, (EPOCH, EPOCH))


# ---------------------------------------------------------------------------------------------
# Overlapping-file zip bomb after David Fifield, "A better zip bomb" (2019), quoted-overlap
# variant. Layout: LFH_0 Q_0 LFH_1 Q_1 ... LFH_{n-1} KERNEL, then a central directory of n
# entries. Q_i is a 5-byte non-final stored deflate block header whose payload is exactly
# LFH_{i+1}; KERNEL is one raw deflate stream (final) of KERNEL_SIZE zeros. Inflating file i
# therefore yields LFH_{i+1} .. LFH_{n-1} + the kernel's output: every file reuses the kernel.
# CRCs are built from the last file backwards with crc32(A || B) = shift(crc32(A), |B|) ^ crc32(B).
def crc_shift(crc, nbytes, matrix=None):
    """Advance a CRC32 register by nbytes zero bytes (the linear part of crc32_combine)."""
    if matrix is not None:
        out, bit = 0, 0
        while crc:
            if crc & 1:
                out ^= matrix[bit]
            crc >>= 1
            bit += 1
        return out
    f = 0xFFFFFFFF
    return zlib.crc32(bytes(nbytes), crc ^ f) ^ f


def cmd_overlap_zip(out, nfiles="256", kernel_size=str(8 << 20)):
    nfiles, kernel_size = int(nfiles), int(kernel_size)
    zeros = bytes(kernel_size)
    kernel = zlib.compressobj(9, zlib.DEFLATED, -15)
    kernel = kernel.compress(zeros) + kernel.flush()
    kernel_crc = zlib.crc32(zeros)
    # shift-by-kernel_size as a 32x32 GF(2) matrix: column k is the register e_k advanced.
    shift_k = [crc_shift(1 << k, kernel_size) for k in range(32)]
    del zeros

    names = [f"{i:03d}".encode() for i in range(nfiles)]

    def lfh(name, crc, csize, usize):
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, DOS_TIME, DOS_DATE, crc, csize, usize,
                           len(name), 0) + name

    # backwards: file i's uncompressed data = LFH_{i+1} .. LFH_{n-1} + zeros(kernel_size)
    headers = [None] * nfiles
    info = [None] * nfiles  # (crc, csize, usize)
    crc, csize, usize = kernel_crc, len(kernel), kernel_size
    quoted = 0  # bytes of quoted headers in front of the kernel output
    for i in range(nfiles - 1, -1, -1):
        info[i] = (crc, csize, usize)
        headers[i] = lfh(names[i], crc, csize, usize)
        h = headers[i]
        # data of file i-1: h followed by the data of file i
        # crc32(h || data_i) = shift(crc32(h), |data_i|) ^ crc32(data_i), |data_i| = quoted + kernel
        c_h = zlib.crc32(h)
        c_h = crc_shift(c_h, quoted)                 # through the quoted headers (small)
        c_h = crc_shift(c_h, kernel_size, shift_k)  # through the kernel output (matrix)
        crc = c_h ^ crc
        csize = 5 + len(h) + csize
        usize = len(h) + usize
        quoted += len(h)
        assert usize < 0xFFFFFFFF and csize < 0xFFFFFFFF

    blob = bytearray()
    offsets = []
    for i in range(nfiles):
        offsets.append(len(blob))
        blob += headers[i]
        if i + 1 < nfiles:
            n = len(headers[i + 1])
            blob += struct.pack("<BHH", 0x00, n, n ^ 0xFFFF)  # BFINAL=0, BTYPE=00 (stored), LEN, NLEN
    blob += kernel
    cd_start = len(blob)
    for i in range(nfiles):
        crc, csize, usize = info[i]
        blob += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, 8, DOS_TIME, DOS_DATE,
                            crc, csize, usize, len(names[i]), 0, 0, 0, 0, 0o100644 << 16,
                            offsets[i]) + names[i]
    cd_size = len(blob) - cd_start
    blob += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, nfiles, nfiles, cd_size, cd_start, 0)
    write(out, bytes(blob))


COMMANDS = {
    "src": cmd_src, "random": cmd_random, "not-zip": cmd_not_zip,
    "xar": cmd_xar, "lzh": cmd_lzh, "rar4": cmd_rar4, "rar5": cmd_rar5,
    "flip-zip": cmd_flip_zip, "empty-zip": cmd_empty_zip,
    "longname-zip": cmd_longname_zip, "longname-tar": cmd_longname_tar, "names-zip": cmd_names_zip,
    "zeros-zip": cmd_zeros_zip, "overlap-zip": cmd_overlap_zip,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
