#!/usr/bin/env bash
# Assay's full scan against YARA alone, same rules, same already-unpacked files, one core.
#
#   bash bench/yara_bench.sh [BUILD_DIR] [RULES]
#
# RULES is a folder of .yar files (a real community set, e.g. signature-base's yara/ folder, when
# you have one); without it a 4,000-rule synthetic set shaped like signature-base is generated.
# Both tools load the same precompiled rules (yarac), so compile time is out of the comparison.
# Prints medians of 5 runs: (1) ~100 MB of real executables and libraries, Assay's time over yara's
# (target <= 1.3), and yara's time plus that of the four digests every report carries, which no
# single-core scan can go below; (2) 2,000 small files, the per-object cost of each and the
# difference (target <= 50 us).
set -euo pipefail
build=${1:-build}
rules_in=${2:-}
assay="$build/assay"
[ -x "$assay" ] || { echo "no $assay: build first" >&2; exit 2; }
command -v yara >/dev/null && command -v yarac >/dev/null || { echo "needs yara and yarac (apt-get install yara)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "needs openssl (apt-get install openssl)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$rules_in" ]; then
  python3 "$(dirname "$0")/make_rules.py" "$work/rules" 4000 20 >&2
  rules_in="$work/rules"
fi
# One compiled file for both tools (yarac takes many sources; each keeps its own namespace).
mapfile -t sources < <(find "$rules_in" -name '*.yar' -o -name '*.yara' | sort)
args=()
for s in "${sources[@]}"; do args+=("$(basename "${s%.*}"):$s"); done
yarac -d filename= -d filepath= -d extension= -d filetype= -d filesubtype= -d owner= "${args[@]}" "$work/rules.yarc" 2>"$work/yarac.log" ||
  { echo "yarac failed:" >&2; tail -5 "$work/yarac.log" >&2; exit 2; }
rule_count=$(grep -ch '^ *\(private \|global \)*rule ' "${sources[@]}" | awk '{s+=$1} END {print s}')

# (1) real executables and libraries, plain (nothing to unpack), about 100 MB.
mkdir -p "$work/big"
total=0
while IFS= read -r f; do
  size=$(stat -c %s "$f")
  [ $((total + size)) -gt 100000000 ] && break
  cp "$f" "$work/big/$(basename "$f").$total"
  total=$((total + size))
done < <(find /usr/bin /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -size +20k -size -8M 2>/dev/null | sort)
# (2) 2,000 small text files.
mkdir -p "$work/small"
python3 - "$work/small" <<'PY'
import os, random, sys
rng = random.Random(3)
words = "the quick brown fox jumps over a lazy dog while mail gateways scan every attachment".split()
for i in range(2000):
    with open(os.path.join(sys.argv[1], f"note{i:04d}.txt"), "w") as f:
        f.write(" ".join(rng.choice(words) for _ in range(90)) + "\n")
PY

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Runs "$@" once to warm the page cache, then 5 times; sets $wall and $cpu (user + system) to the
# medians, in seconds.
time_it() {
  local walls=() cpus=() line
  "$@" >/dev/null 2>&1 || true
  for _ in 1 2 3 4 5; do
    /usr/bin/time -o "$work/time.txt" -f '%e %U %S' "$@" >/dev/null 2>&1 || true
    line=$(tail -1 "$work/time.txt")
    walls+=("$(echo "$line" | awk '{print $1}')")
    cpus+=("$(echo "$line" | awk '{print $2 + $3}')")
  done
  wall=$(printf '%s\n' "${walls[@]}" | median)
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
}
one=(taskset -c 0)
two=(taskset -c 0,1)
command -v taskset >/dev/null || { one=(); two=(); }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "rules: $rule_count in ${#sources[@]} files ($rules_in)"
echo "yara -p 1 and assay -j 1 on one core; 'assay 2 cores' lets the engine hash large objects on a helper"
echo "thread beside YARA (parallel_hash_bytes), which lowers latency but not CPU time."
for set in big small; do
  files=$(find "$work/$set" -type f | wc -l)
  bytes=$(du -sb "$work/$set" | cut -f1)
  time_it "${one[@]}" yara -p 1 -C -r "$work/rules.yarc" "$work/$set"; t_yara=$wall
  time_it "${one[@]}" "$assay" scan -j 1 --rules "$work/rules.yarc" "$work/$set"; t_assay=$wall; c_assay=$cpu
  time_it "${two[@]}" "$assay" scan -j 1 --rules "$work/rules.yarc" "$work/$set"; t_two=$wall; c_two=$cpu
  time_it "${one[@]}" "$assay" scan -j 1 "$work/$set"; t_bare=$wall
  printf '%-6s %5d files %11d bytes | yara -p 1: %7.3f s | assay: %7.3f s (ratio %5.2f) | assay 2 cores: %7.3f s wall (ratio %5.2f), %7.3f s cpu | assay without rules: %7.3f s\n' \
    "$set" "$files" "$bytes" "$t_yara" "$t_assay" "$(echo "$t_assay / $t_yara" | bc -l)" \
    "$t_two" "$(echo "$t_two / $t_yara" | bc -l)" "$c_two" "$t_bare"
  if [ "$set" = big ]; then
    # The four digests every object's report carries (spec/tc-report.md 2.1), by the OpenSSL the
    # engine hashes with, on the same core: a cost no single-core scan that reports them avoids.
    time_it "${one[@]}" sh -c 'for d in md5 sha1 sha256 sha512; do find "$1" -type f -exec openssl dgst -"$d" {} + >/dev/null; done' _ "$work/$set"
    printf '       md5+sha1+sha256+sha512 alone (openssl dgst, one core): %.3f s cpu; YARA plus these digests: at least %.2f x yara\n' \
      "$cpu" "$(echo "($t_yara + $cpu) / $t_yara" | bc -l)"
  fi
  if [ "$set" = small ]; then
    printf '       per object: yara %.1f us, assay %.1f us, difference %.1f us (target <= 50)\n' \
      "$(echo "$t_yara * 1000000 / $files" | bc -l)" "$(echo "$t_assay * 1000000 / $files" | bc -l)" \
      "$(echo "($t_assay - $t_yara) * 1000000 / $files" | bc -l)"
  fi
done
