#!/usr/bin/env bash
# A fuzzing campaign: every libFuzzer target of a fuzzer build for SECONDS each, JOBS at a time.
#
#   fuzz/campaign.sh BUILD_DIR OUT_DIR SECONDS JOBS [TARGET...]
#
# BUILD_DIR is a clang build with -DASSAY_BUILD_FUZZERS=ON (and, for findings that mean something,
# -DASSAY_SANITIZE=address,undefined); TARGETs default to every *_fuzzer in BUILD_DIR/fuzz. Each target
# starts from a copy of its committed seeds (fuzz/corpus/NAME) in OUT_DIR/corpus/NAME, which grows as
# libFuzzer finds new coverage; the seeds themselves are never written. Crashes, leaks, timeouts and
# out-of-memory inputs land in OUT_DIR/artifacts/NAME/; each target's log is OUT_DIR/NAME.log. The
# campaign runs at nice 19 so that builds and tests on the same machine keep their priority.
# At the end it prints one line per target: executions, coverage (cov/ft as libFuzzer counts them),
# corpus size, and the number of findings (artifacts other than slow units); it exits 1 when any target
# left one, or did not run.
set -euo pipefail
die() { echo "campaign.sh: $*" >&2; exit 2; }
[ $# -ge 4 ] || die "usage: fuzz/campaign.sh BUILD_DIR OUT_DIR SECONDS JOBS [TARGET...]"
build=$(cd -- "$1" && pwd -P) || die "no build dir $1"
out=$2 seconds=$3 jobs=$4
shift 4
here=$(cd -- "$(dirname "$0")" && pwd -P)
if [ $# -eq 0 ]; then
  set -- $(cd "$build/fuzz" && ls *_fuzzer | sed 's/_fuzzer$//')
fi
mkdir -p "$out"
out=$(cd -- "$out" && pwd -P)

# UBSan findings must stop the run like ASan's do (the build also passes -fno-sanitize-recover).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"

run_one() {
  local name=$1
  mkdir -p "$out/corpus/$name" "$out/artifacts/$name"
  cp -n "$here/corpus/$name"/* "$out/corpus/$name/" 2>/dev/null || true
  # -rss_limit_mb: a scan's budgets are far below 2 GiB, so more is a finding, not noise.
  nice -n 19 "$build/fuzz/${name}_fuzzer" "$out/corpus/$name" \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$name/" > "$out/$name.log" 2>&1 || true
}

running=0
for name in "$@"; do
  [ -x "$build/fuzz/${name}_fuzzer" ] || die "no fuzzer $build/fuzz/${name}_fuzzer"
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

status=0
printf '%-12s %14s %8s %8s %8s %9s\n' target executions cov ft corpus findings
for name in "$@"; do
  log=$out/$name.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corpus=$(ls "$out/corpus/$name" | wc -l)
  # slow-unit-* files only say a unit took over 10 s on a busy machine; the rest are findings.
  artifacts=$(ls "$out/artifacts/$name" | grep -Evc '^slow-unit-' || true)
  printf '%-12s %14s %8s %8s %8s %9s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$artifacts"
  if [ "$artifacts" -ne 0 ] || [ -z "$execs" ]; then
    status=1
    echo "--- $name: $(ls "$out/artifacts/$name" | grep -Ev '^slow-unit-' | tr '\n' ' ')(end of $log follows)"
    tail -n 60 "$log"
  fi
done
exit $status
