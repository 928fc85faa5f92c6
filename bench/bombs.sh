#!/usr/bin/env bash
# Times `assay scan` on every decompression bomb of the generated corpus (SAMPLES/bombs).
#
#   bench/bombs.sh [BUILD_DIR] [SAMPLES_DIR]
#
# BUILD_DIR (default: build) holds the `assay` binary; SAMPLES_DIR defaults to $ASSAY_SAMPLES, then
# BUILD_DIR/samples, then build/samples (made by `bash samples/generate.sh build/samples`).
# For each bomb: the median wall time of RUNS (5) scans with the default limits, the peak RSS (the
# largest of the runs; from /usr/bin/time -f %M when available, else from python3's
# resource.getrusage(RUSAGE_CHILDREN)), and which limits the report names ("limit X reached").
# A bomb is handled when its scan ends quickly, with bounded memory, naming a limit. Needs no root;
# temporary files live in one mktemp directory that is removed on exit.
set -euo pipefail
export LC_ALL=C

die() { echo "bombs.sh: $*" >&2; exit 2; }
[ $# -le 2 ] || die "usage: bench/bombs.sh [BUILD_DIR] [SAMPLES_DIR]"
BUILD=${1:-build}
RUNS=${RUNS:-5}
ASSAY=$(cd -- "$BUILD" 2>/dev/null && pwd -P)/assay || true
[ -x "$ASSAY" ] || die "no assay binary in '$BUILD' (build it first)"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"

SAMPLES=${2:-${ASSAY_SAMPLES:-}}
if [ -z "$SAMPLES" ]; then
  for candidate in "$BUILD/samples" build/samples; do
    if [ -d "$candidate/bombs" ]; then SAMPLES=$candidate; break; fi
  done
fi
[ -n "$SAMPLES" ] && [ -d "$SAMPLES/bombs" ] ||
  die "no bombs/ folder in '${SAMPLES:-BUILD_DIR/samples}' (generate it: bash samples/generate.sh build/samples)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/assay-bombs.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
trap 'exit 130' INT TERM

if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$TMP/probe" true 2>/dev/null; then
  RSS_SOURCE="/usr/bin/time -f %M"
  # run OUT: scans once, report to OUT; prints "seconds peak_rss_kib"
  run() {
    local start=$EPOCHREALTIME end
    /usr/bin/time -f %M -o "$TMP/rss" "$ASSAY" scan "$BOMB" > "$1" 2>>"$TMP/stderr" || true
    end=$EPOCHREALTIME
    awk -v s="$start" -v e="$end" -v rss="$(tail -n1 "$TMP/rss")" 'BEGIN { printf "%.6f %d\n", e - s, rss }'
  }
else
  command -v python3 >/dev/null || die "needs /usr/bin/time or python3 to measure peak RSS"
  RSS_SOURCE="python3 resource.getrusage(RUSAGE_CHILDREN)"
  run() {
    python3 - "$ASSAY" "$BOMB" "$1" "$TMP/stderr" <<'PY'
import resource, subprocess, sys, time
assay, bomb, out, err = sys.argv[1:5]
with open(out, "wb") as o, open(err, "ab") as e:
    start = time.perf_counter()
    subprocess.run([assay, "scan", bomb], stdout=o, stderr=e)
    seconds = time.perf_counter() - start
print("%.6f %d" % (seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))  # KiB on Linux
PY
  }
fi

echo "assay: $ASSAY"
echo "bombs: $SAMPLES/bombs   ($RUNS runs each, default limits, peak RSS from $RSS_SOURCE)"
printf '%-18s %12s %10s %14s %-6s  %s\n' "bomb" "bytes" "median s" "peak RSS MiB" "exit" "limits named in the report"
shopt -s nullglob
for BOMB in "$SAMPLES"/bombs/*; do
  [ -f "$BOMB" ] || continue
  times=() peak=0 status=0
  for ((i = 1; i <= RUNS; i++)); do
    read -r seconds rss < <(run "$TMP/report.json")
    times+=("$seconds")
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  "$ASSAY" scan "$BOMB" > "$TMP/report.json" 2>/dev/null || status=$?
  limits=$(grep -o 'limit [a-z_]* reached' "$TMP/report.json" | sort | uniq -c |
           awk '{ printf "%s%s", sep, $3 ($1 > 1 ? " x" $1 : ""); sep = ", " }')
  median=$(printf '%s\n' "${times[@]}" | sort -g |
           awk '{ v[NR] = $1 } END { print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
  printf '%-18s %12d %10.3f %14.1f %-6s  %s\n' "$(basename "$BOMB")" "$(stat -c %s "$BOMB")" "$median" \
    "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')" "$status" "${limits:-(none)}"
done
if [ -s "$TMP/stderr" ]; then
  echo "stderr of the scans (first lines):"
  sort -u "$TMP/stderr" | head -n 5
fi
