#!/usr/bin/env python3
"""Writes a small but real ClamAV signature set for bench/compare when no database is given (there is
no network here for freshclam, and Debian ships no signatures): an MD5 hash database (.hdb) and an
extended body-signature database (.ndb), both in ClamAV's documented formats, deterministic (seeded).

usage: make_clamav_sigs.py OUT_DIR [CORPUS_DIR] [SYNTHETIC]

OUT_DIR/assay-bench.hdb   MD5:size:name. The EICAR test file's MD5, the MD5 of every 100th file of
                          CORPUS_DIR (path order; so clamscan has real hash hits to report), and
                          SYNTHETIC/2 seeded random MD5s with plausible sizes (the shape of a hash feed).
OUT_DIR/assay-bench.ndb   Name:TargetType:Offset:HexSignature. EICAR's body; 16 bytes from the middle
                          of every 100th corpus file of at least 4 KiB (real body hits, so the matcher
                          does the work of a hit); and SYNTHETIC signatures shaped like ClamAV's body
                          signatures: ASCII and UTF-16LE strings, hex with {n-m} jumps, ?? wildcards
                          and (aa|bb) alternatives, for any file (0), PE (1) or ELF (6).

Not an anti-virus database: the synthetic signatures match nothing on purpose. They make clamscan's
Aho-Corasick and Boyer-Moore matchers carry a few thousand patterns, as a real feed makes them carry
millions; pass a real database to bench/compare --database for the real thing.
"""
import hashlib
import os
import random
import string
import sys

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EVERY = 100          # one corpus file in this many gives a hash and a body signature
BODY_MIN_FILE = 4096  # files smaller than this give no body signature (too likely to be all headers)


def corpus_files(root):
    files = []
    for top, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(top, name)
            if os.path.isfile(path) and not os.path.islink(path):
                files.append(path)
    return files


def corpus_signatures(root):
    """(hdb lines, ndb lines) taken from every EVERY-th file of the corpus."""
    hdb, ndb = [], []
    for i, path in enumerate(corpus_files(root)[::EVERY]):
        with open(path, "rb") as f:
            data = f.read()
        if not data:
            continue
        hdb.append(f"{hashlib.md5(data).hexdigest()}:{len(data)}:Assay.Bench.CorpusHash-{i:04d}")
        if len(data) >= BODY_MIN_FILE:
            window = data[len(data) // 2:len(data) // 2 + 16]
            if len(set(window)) >= 8:  # a run of zeros or padding would match far too often
                ndb.append(f"Assay.Bench.CorpusBody-{i:04d}:0:*:{window.hex()}")
    return hdb, ndb


def synthetic_body(rng, i):
    def text(low=8, high=24):
        return "".join(rng.choice(string.ascii_letters + string.digits + "_.-") for _ in range(rng.randint(low, high)))

    def hex_bytes(low, high):
        return "".join(f"{rng.randrange(256):02x}" for _ in range(rng.randint(low, high)))

    kind = rng.randrange(5)
    if kind == 0:
        body = text().encode().hex()
    elif kind == 1:
        body = text().encode("utf-16-le").hex()
    elif kind == 2:
        body = f"{hex_bytes(4, 8)}{{{rng.randint(0, 4)}-{rng.randint(5, 32)}}}{hex_bytes(3, 6)}"
    elif kind == 3:
        body = f"{hex_bytes(4, 6)}??{hex_bytes(2, 4)}??{hex_bytes(3, 5)}"
    else:
        body = f"{hex_bytes(4, 6)}({hex_bytes(2, 2)}|{hex_bytes(2, 2)}){hex_bytes(3, 6)}"
    target = rng.choice([0, 0, 0, 1, 6])
    return f"Assay.Bench.Synthetic-{i:05d}:{target}:*:{body}"


def main():
    if not 2 <= len(sys.argv) <= 4:
        sys.exit(__doc__)
    out = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
    synthetic = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rng = random.Random(11)
    os.makedirs(out, exist_ok=True)

    hdb = [f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Assay.Bench.Eicar-Hash"]
    ndb = [f"Assay.Bench.Eicar-Body:0:*:{EICAR[:-6].hex()}"]
    from_corpus = corpus_signatures(corpus) if corpus else ([], [])
    hdb += from_corpus[0]
    ndb += from_corpus[1]
    for i in range(synthetic // 2):
        hdb.append(f"{rng.randbytes(16).hex()}:{rng.randint(1000, 5_000_000)}:Assay.Bench.SyntheticHash-{i:05d}")
    ndb += [synthetic_body(rng, i) for i in range(synthetic)]

    with open(os.path.join(out, "assay-bench.hdb"), "w") as f:
        f.write("\n".join(hdb) + "\n")
    with open(os.path.join(out, "assay-bench.ndb"), "w") as f:
        f.write("\n".join(ndb) + "\n")
    print(f"{len(hdb)} hash signatures (EICAR, {len(from_corpus[0])} corpus files, {synthetic // 2} synthetic) and "
          f"{len(ndb)} body signatures (EICAR, {len(from_corpus[1])} corpus windows, {synthetic} synthetic) under {out}")


if __name__ == "__main__":
    main()
