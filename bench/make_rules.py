#!/usr/bin/env python3
"""Writes a large synthetic YARA rule set shaped like community sets (signature-base style): many
rules of 3-6 strings each, ascii/wide/nocase/fullword text, hex strings with jumps, some regular
expressions, conditions mixing counts, magic checks and filesize. Deterministic (seeded).

usage: make_rules.py OUT_DIR [RULES] [FILES]"""
import os
import random
import string
import sys

out, count, files = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4000, int(sys.argv[3]) if len(sys.argv) > 3 else 20
rng = random.Random(7)
os.makedirs(out, exist_ok=True)


def word(low=8, high=24):
    return "".join(rng.choice(string.ascii_letters + string.digits + "_.-") for _ in range(rng.randint(low, high)))


def text_string(i):
    modifiers = rng.choice(["ascii", "wide", "ascii wide", "nocase", "fullword ascii", "wide nocase"])
    return f'$s{i} = "{word()}" {modifiers}'


def hex_string(i):
    a = " ".join(f"{rng.randrange(256):02X}" for _ in range(rng.randint(4, 8)))
    b = " ".join(f"{rng.randrange(256):02X}" for _ in range(rng.randint(3, 6)))
    return f"$h{i} = {{ {a} [{rng.randint(0, 4)}-{rng.randint(5, 16)}] {b} }}"


def regex_string(i):
    return f"$r{i} = /{word(5, 8)}[0-9]{{2,4}}{word(4, 6)}/"


conditions = [
    "any of them",
    "2 of them",
    "all of them",
    "uint16(0) == 0x5a4d and filesize < 2MB and 2 of them",
    "filesize < 500KB and 1 of them",
    "uint32(0) == 0x464c457f and 1 of them",
]
per_file = max(1, count // files)
for f in range(files):
    with open(os.path.join(out, f"synthetic_{f:02d}.yar"), "w") as handle:
        for r in range(per_file):
            strings = [text_string(i) for i in range(rng.randint(2, 5))]
            if rng.random() < 0.5:
                strings.append(hex_string(len(strings)))
            if rng.random() < 0.1:
                strings.append(regex_string(len(strings)))
            body = "\n    ".join(strings)
            handle.write(
                f"rule Synthetic_{f:02d}_{r:05d}\n{{\n  meta:\n    author = \"assay bench\"\n    score = {rng.randint(40, 90)}\n"
                f"  strings:\n    {body}\n  condition:\n    {rng.choice(conditions)}\n}}\n\n")
print(f"{per_file * files} rules in {files} files under {out}")
