#!/usr/bin/env bash
# MIME unpacking throughput: `assay scan` against ripmime and munpack (mpack) on the same mails.
#
#   bash bench/mime_bench.sh [BUILD_DIR] [MAILS]     # BUILD_DIR defaults to build, MAILS to 100
#
# Generates MAILS mails with Python's email package (seed fixed): each has a text and an HTML body,
# a 512 KiB and a 256 KiB base64 attachment (random bytes), a 64 KiB quoted-printable text
# attachment and a nested message/rfc822 carrying a 16 KiB base64 attachment; about 1.2 MB each.
# Then, on one core (taskset -c 0), five interleaved rounds of:
#   assay    `assay scan -j 1 DIR` (report to /dev/null): decodes every part, and also hashes (md5, sha1,
#            sha256, sha512), identifies and scans for interesting strings every mail and part
#   ripmime  `ripmime -i MAIL -d OUT` per mail: decodes and writes every part to disk
#   munpack  `munpack -q -t -f -C OUT MAIL` per mail: decodes and writes every part (-t: text ones too)
# and prints the median seconds, MB/s over the mails' bytes, and assay's time divided by each peer's.
# The peers write files (to a directory under /tmp) and start one process per mail; assay writes
# nothing and runs once: the ratio compares whole jobs as a user would run them, not decoders alone.
set -euo pipefail

BUILD=${1:-build}
MAILS=${2:-100}
ASSAY=$BUILD/assay
[ -x "$ASSAY" ] || { echo "mime_bench: $ASSAY not found (build assay_cli first)" >&2; exit 2; }
for tool in ripmime munpack python3 taskset; do
  command -v "$tool" >/dev/null || { echo "mime_bench: $tool is missing (scripts/bootstrap.sh installs it)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/assay-mime-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/mails"

python3 - "$WORK/mails" "$MAILS" <<'EOF'
import random, sys
from email.message import EmailMessage
out, count = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
text = ("Quarterly figures for the board; café, naïve, Grüße = equals sign, long lines wrap here. " * 8 + "\n")
for i in range(count):
    inner = EmailMessage()
    inner["From"] = f"inner{i}@example.net"
    inner["Subject"] = f"forwarded {i}"
    inner.set_content("forwarded body\n")
    inner.add_attachment(rnd.randbytes(16 << 10), "application", "octet-stream", filename="inner.bin")
    m = EmailMessage()
    m["From"] = f"Sender {i} <sender{i}@example.com>"
    m["To"] = "Team <team@example.org>"
    m["Subject"] = f"Report {i}"
    m.set_content("Hello,\nplease find the files attached.\n" * 20)
    m.add_alternative("<html><body>" + "<p>Hello, please find the files attached.</p>" * 20 + "</body></html>\n",
                      subtype="html")
    m.add_attachment(rnd.randbytes(512 << 10), "application", "octet-stream", filename="data.bin")
    m.add_attachment(rnd.randbytes(256 << 10), "application", "pdf", filename="report.pdf")
    m.add_attachment((text * 100)[: 64 << 10].encode(), "text", "plain", cte="quoted-printable", filename="notes.txt")
    m.add_attachment(inner)
    with open(f"{out}/mail{i:04d}.eml", "wb") as f:
        f.write(m.as_bytes())
EOF

BYTES=$(cat "$WORK"/mails/*.eml | wc -c)
cat "$WORK"/mails/*.eml > /dev/null  # warm the page cache
echo "mails: $MAILS, bytes: $BYTES"

now() { date +%s.%N; }
run_assay() {
  taskset -c 0 "$ASSAY" scan -j 1 "$WORK/mails" > /dev/null || [ $? -eq 1 ]
}
run_ripmime() {
  rm -rf "$WORK/out" && mkdir -p "$WORK/out"
  taskset -c 0 bash -c 'for f in "$1"/mails/*.eml; do d="$1/out/$(basename "$f")"; mkdir -p "$d"; ripmime -i "$f" -d "$d"; done' _ "$WORK"
}
run_munpack() {
  rm -rf "$WORK/out" && mkdir -p "$WORK/out"
  taskset -c 0 bash -c 'for f in "$1"/mails/*.eml; do d="$1/out/$(basename "$f")"; mkdir -p "$d"; munpack -q -t -f -C "$d" "$f" > /dev/null; done' _ "$WORK"
}

# Sanity: every tool extracts the 512 KiB attachment of the first mail intact.
run_ripmime
cmp -s <(python3 -c "import email,sys; m=email.message_from_binary_file(open(sys.argv[1],'rb')); print([p.get_payload(decode=True) for p in m.walk() if p.get_filename()=='data.bin'][0].hex())" "$WORK/mails/mail0000.eml") \
       <(python3 -c "import sys; print(open(sys.argv[1],'rb').read().hex())" "$WORK/out/mail0000.eml/data.bin") ||
  { echo "mime_bench: ripmime did not extract data.bin intact" >&2; exit 1; }

declare -A T
for round in 1 2 3 4 5; do
  for tool in assay ripmime munpack; do
    start=$(now)
    "run_$tool"
    end=$(now)
    T[$tool]+="$(echo "$end - $start" | bc) "
  done
done

python3 - "$BYTES" "${T[assay]}" "${T[ripmime]}" "${T[munpack]}" <<'EOF'
import statistics, sys
size = int(sys.argv[1])
rows = {name: statistics.median(float(x) for x in times.split()) for name, times in zip(("assay", "ripmime", "munpack"), sys.argv[2:])}
for name, seconds in rows.items():
    print(f"{name:8s} median {seconds:7.3f} s  {size / seconds / 1e6:8.1f} MB/s")
for peer in ("ripmime", "munpack"):
    print(f"assay / {peer}: {rows['assay'] / rows[peer]:.3f}")
EOF
