#!/usr/bin/env bash
# Assay's corpus benchmark: `assay scan` against md5sum + sha1sum + sha256sum on one core.
#
#   bench/corpus_bench.sh [BUILD_DIR] [CORPUS_DIR]
#
# BUILD_DIR (default: build) holds the `assay` binary. CORPUS_DIR is scanned as given; without it a
# corpus of real files is built in a temporary directory: regular files from /usr/bin and
# /usr/lib/x86_64-linux-gnu (each at most 32 MiB, half the budget from each tree, in path order) up
# to ~300 MB, plus the generated samples (samples/generate.sh) minus their bombs/ folder.
#
# Part 1 (throughput), on CPU 0 only (taskset), page cache warmed first, every tool 5 times in
# interleaved rounds over the same NUL-separated file list, medians reported:
#   (a) assay scan -j 1 FILES > /dev/null
#   (b) md5sum FILES, sha1sum FILES, sha256sum FILES (the reference is the sum of the three medians)
#   target: assay_time / (md5 + sha1 + sha256 time) <= 2.0
# Part 2 (small objects): a zip of 20,000 members of 1 KiB built with python3, scanned 5 times with
# `assay scan -j 1 --max-objects 1000000` (the default max_objects, 10,000, would stop the scan half
# way); objects = entries in the report ("index" keys), objects/s = objects / median time.
#   target: >= 10,000 objects/s
#   Two member kinds: text (settled by the built-in sniffer) and random binary (which the sniffer
#   does not know, so every member also goes through libmagic).
#
# Environment: RUNS (5), CPU (0), CORPUS_MB (300), SMALL_MEMBERS (20000), SMALL_KINDS ("text binary"),
# ASSAY_SAMPLES (default BUILD_DIR/samples, then build/samples). Needs no root; everything temporary
# lives in one mktemp directory that is removed on exit. Exit status: 0 when every target is met,
# 1 when a target is missed, 2 on a usage or setup error.
set -euo pipefail
export LC_ALL=C

die() { echo "corpus_bench.sh: $*" >&2; exit 2; }
[ $# -le 2 ] || die "usage: bench/corpus_bench.sh [BUILD_DIR] [CORPUS_DIR]"

BUILD=${1:-build}
CORPUS_GIVEN=${2:-}
RUNS=${RUNS:-5}
CPU=${CPU:-0}
CORPUS_MB=${CORPUS_MB:-300}
SMALL_MEMBERS=${SMALL_MEMBERS:-20000}
SMALL_KINDS=${SMALL_KINDS:-text binary}
RATIO_TARGET=2.0
OBJECTS_TARGET=10000

ASSAY=$(cd -- "$BUILD" 2>/dev/null && pwd -P)/assay || true
[ -x "$ASSAY" ] || die "no assay binary in '$BUILD' (build it: cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD -j2)"
for tool in taskset md5sum sha1sum sha256sum python3 xargs find sort awk; do
  command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
taskset -c "$CPU" true 2>/dev/null || die "cannot pin to CPU $CPU"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/assay-corpus-bench.XXXXXX")
cleanup() { rm -rf -- "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Seconds (with microseconds) that "$@" takes, its output going to /dev/null and its stderr to
# $TMP/stderr; its status is ignored (assay exits 1 when something is detected, xargs 123 then).
elapsed() {
  local start=$EPOCHREALTIME end
  "$@" > /dev/null 2>>"$TMP/stderr" || true
  end=$EPOCHREALTIME
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f\n", e - s }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
on_cpu() { taskset -c "$CPU" "$@"; }

# --- the corpus ------------------------------------------------------------------------------------
if [ -n "$CORPUS_GIVEN" ]; then
  CORPUS=$(cd -- "$CORPUS_GIVEN" && pwd -P) || die "no such directory: $CORPUS_GIVEN"
  echo "corpus: $CORPUS (given)"
else
  CORPUS=$TMP/corpus
  mkdir -p "$CORPUS"
  budget=$((CORPUS_MB * 1000 * 1000 / 2))
  for tree in /usr/bin /usr/lib/x86_64-linux-gnu; do
    [ -d "$tree" ] || continue
    # Regular, readable files up to 32 MiB, in path order, until half the budget is reached.
    find "$tree" -type f -readable -size -32M -printf '%s\t%p\n' 2>/dev/null | sort -t$'\t' -k2 |
      awk -F'\t' -v budget="$budget" '{ if (total >= budget) exit; total += $1; printf "%s%c", $2, 0 }' |
      xargs -0 -r cp --parents --no-dereference --preserve=mode -t "$CORPUS" 2>/dev/null || true
  done
  SAMPLES=${ASSAY_SAMPLES:-}
  if [ -z "$SAMPLES" ]; then
    for candidate in "$BUILD/samples" build/samples; do
      if [ -d "$candidate/formats" ]; then SAMPLES=$candidate; break; fi
    done
  fi
  if [ -n "$SAMPLES" ] && [ -d "$SAMPLES" ]; then
    mkdir -p "$CORPUS/samples"
    (cd -- "$SAMPLES" && find . -path ./bombs -prune -o -type f -print0 | xargs -0 -r cp --parents -t "$CORPUS/samples")
    echo "corpus: /usr/bin + /usr/lib/x86_64-linux-gnu (~$CORPUS_MB MB) + $SAMPLES without bombs/, copied to $CORPUS"
  else
    echo "corpus: /usr/bin + /usr/lib/x86_64-linux-gnu (~$CORPUS_MB MB), copied to $CORPUS"
    echo "note: no generated samples found (bash samples/generate.sh build/samples, or set ASSAY_SAMPLES): not included"
  fi
fi

LIST=$TMP/files.list
find "$CORPUS" -type f -print0 | sort -z > "$LIST"
FILES=$(tr -cd '\0' < "$LIST" | wc -c)
BYTES=$(xargs -0 -r stat -c %s < "$LIST" | awk '{ s += $1 } END { printf "%d\n", s }')
[ "$FILES" -gt 0 ] || die "the corpus holds no files"

# Warm the page cache, and look at one full report (not timed): objects, limits, errors.
xargs -0 -r cat < "$LIST" > /dev/null
: > "$TMP/stderr"
xargs -0 -r "$ASSAY" scan -j 1 -- < "$LIST" > "$TMP/report.jsonl" 2>>"$TMP/stderr" || true
OBJECTS=$(grep -o '"index":' "$TMP/report.jsonl" | wc -l)
HASHED=$(python3 -c '
import json, sys
total = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    for entry in json.loads(line)["tc_report"]:
        total += entry["info"]["file"]["size"]
print(total)' "$TMP/report.jsonl")
LIMITS=$(grep -o 'limit [a-z_]* reached' "$TMP/report.jsonl" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $3, $1; sep = ", " }')
ERRORS=$(grep -c '^assay:' "$TMP/stderr" || true)
rm -f "$TMP/report.jsonl"

# --- part 1: throughput ----------------------------------------------------------------------------
declare -a T_ASSAY=() T_MD5=() T_SHA1=() T_SHA256=()
for ((run = 1; run <= RUNS; run++)); do
  T_ASSAY+=("$(elapsed on_cpu xargs -0 -r "$ASSAY" scan -j 1 -- < "$LIST")")
  T_MD5+=("$(elapsed on_cpu xargs -0 -r md5sum -- < "$LIST")")
  T_SHA1+=("$(elapsed on_cpu xargs -0 -r sha1sum -- < "$LIST")")
  T_SHA256+=("$(elapsed on_cpu xargs -0 -r sha256sum -- < "$LIST")")
done
M_ASSAY=$(median "${T_ASSAY[@]}")
M_MD5=$(median "${T_MD5[@]}")
M_SHA1=$(median "${T_SHA1[@]}")
M_SHA256=$(median "${T_SHA256[@]}")

echo
echo "== Part 1: throughput on CPU $CPU, $RUNS runs each, medians =="
printf 'files: %d   bytes: %d (%.1f MB)   objects in one assay report: %d (%d bytes hashed, %.2fx the input)\n' \
  "$FILES" "$BYTES" "$(awk -v b="$BYTES" 'BEGIN { print (b / 1e6) }')" "$OBJECTS" "$HASHED" \
  "$(awk -v h="$HASHED" -v b="$BYTES" 'BEGIN { print (b > 0 ? h / b : 0) }')"
[ -n "$LIMITS" ] && echo "limits named in the reports: $LIMITS"
[ "${ERRORS:-0}" -gt 0 ] && echo "assay reported $ERRORS error line(s) on stderr (first: $(grep -m1 '^assay:' "$TMP/stderr"))"
awk -v bytes="$BYTES" -v a="$M_ASSAY" -v m5="$M_MD5" -v s1="$M_SHA1" -v s256="$M_SHA256" \
    -v ra="${T_ASSAY[*]}" -v r5="${T_MD5[*]}" -v r1="${T_SHA1[*]}" -v r256="${T_SHA256[*]}" \
    -v target="$RATIO_TARGET" 'BEGIN {
  ref = m5 + s1 + s256
  fmt = "%-24s %10s %10s   %s\n"
  printf fmt, "tool", "median s", "MB/s", "runs (s)"
  printf "%-24s %10.3f %10.1f   %s\n", "assay scan -j 1", a, bytes / a / 1e6, ra
  printf "%-24s %10.3f %10.1f   %s\n", "md5sum", m5, bytes / m5 / 1e6, r5
  printf "%-24s %10.3f %10.1f   %s\n", "sha1sum", s1, bytes / s1 / 1e6, r1
  printf "%-24s %10.3f %10.1f   %s\n", "sha256sum", s256, bytes / s256 / 1e6, r256
  printf "%-24s %10.3f %10.1f   %s\n", "md5+sha1+sha256 (sum)", ref, bytes / ref / 1e6, "sum of the three medians"
  ratio = a / ref
  printf "ratio assay / (md5sum + sha1sum + sha256sum) = %.3f   (target <= %.1f: %s)\n", ratio, target, (ratio <= target ? "PASS" : "FAIL")
}' | tee "$TMP/part1"
PART1_OK=$(grep -q 'PASS' "$TMP/part1" && echo 1 || echo 0)

# --- part 2: many small objects --------------------------------------------------------------------
echo
echo "== Part 2: small objects on CPU $CPU, $RUNS runs each, medians =="
SMALL_OK=1
for kind in $SMALL_KINDS; do
  zip=$TMP/small-$kind.zip
  python3 - "$zip" "$SMALL_MEMBERS" "$kind" <<'PY'
import random, sys, zipfile
out, count, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(20231114)
words = ("the of and to in is that for it as with was on be by this are from or have an they which one you "
         "were her all she there would their we him been has when who will more no if out so said what up its "
         "about into than them can only other new some could time these two may then do first any my now such "
         "like our over man me even most made after also did many before must through back years where much").split()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(count):
        if kind == "text":
            lines, length = [], 0
            while length < 1024:
                line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) + "\n"
                lines.append(line)
                length += len(line)
            data, name = "".join(lines).encode()[:1024], "docs/%03d/note%05d.txt" % (i // 200, i)
        elif kind == "binary":
            data, name = rng.randbytes(1024), "blobs/%03d/blob%05d.bin" % (i // 200, i)
        else:
            sys.exit("unknown SMALL_KINDS entry: " + kind)
        info = zipfile.ZipInfo(name, date_time=(2023, 11, 14, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
PY
  flags=(scan -j 1 --max-objects 1000000)
  on_cpu "$ASSAY" "${flags[@]}" "$zip" > "$TMP/small.json" 2>>"$TMP/stderr" || true
  objects=$(grep -o '"index":' "$TMP/small.json" | wc -l)
  limits=$(grep -o 'limit [a-z_]* reached' "$TMP/small.json" | sort -u | paste -sd, - || true)
  rm -f "$TMP/small.json"
  times=()
  for ((run = 1; run <= RUNS; run++)); do
    times+=("$(elapsed on_cpu "$ASSAY" "${flags[@]}" "$zip")")
  done
  m=$(median "${times[@]}")
  awk -v kind="$kind" -v members="$SMALL_MEMBERS" -v size="$(stat -c %s "$zip")" -v objects="$objects" -v m="$m" \
      -v runs="${times[*]}" -v target="$OBJECTS_TARGET" -v limits="${limits:-none}" 'BEGIN {
    rate = objects / m
    printf "%-6s zip: %d members of 1 KiB (%d bytes), objects %d, limits: %s\n", kind, members, size, objects, limits
    printf "       median %.3f s (runs: %s)  ->  %.0f objects/s   (target >= %d: %s)\n", m, runs, rate, target, (rate >= target ? "PASS" : "FAIL")
  }' | tee "$TMP/part2"
  grep -q PASS "$TMP/part2" || SMALL_OK=0
  rm -f "$zip"
done

[ "$PART1_OK" = 1 ] && [ "$SMALL_OK" = 1 ] && exit 0
exit 1
