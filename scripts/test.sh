#!/usr/bin/env bash
# Installs what is missing (apt-get), builds, and runs every test with ctest, twice:
#   1. the ordinary build (gcc, warnings as errors): every test;
#   2. a clang build with AddressSanitizer + UndefinedBehaviorSanitizer (any finding ends the process,
#      so the test fails): every test again, plus each libFuzzer target for ASSAY_FUZZ_SECONDS (60) on
#      top of its committed seeds (the fuzz_NAME_run tests; fuzz/README.md says what to do with a crash).
# Settings: ASSAY_BUILD_DIR (build; the sanitizer build goes to BUILD_DIR-asan), ASSAY_FUZZ_SECONDS,
# ASSAY_SANITIZER_STAGE=0 to stop after stage 1 on a developer machine (CI always runs both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
build=${ASSAY_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSAY_WERROR=ON >/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900
[ "${ASSAY_SANITIZER_STAGE:-1}" != 0 ] || exit 0

echo "=== stage 2: the whole suite under ASan+UBSan, and every fuzz target for ${ASSAY_FUZZ_SECONDS:-60} s"
sanitized="$build-asan"
# Debug keeps assert() on; -O1 with line tables only is what the sanitizers' documentation suggests:
# fast enough to run the suite, readable stacks, and a build half as long as -O2 -g.
CC=clang CXX=clang++ cmake -S . -B "$sanitized" -DCMAKE_BUILD_TYPE=Debug -DASSAY_WERROR=ON \
  -DCMAKE_C_FLAGS_DEBUG="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
  -DASSAY_SANITIZE=address,undefined -DASSAY_BUILD_FUZZERS=ON -DASSAY_BUILD_BENCHMARKS=OFF \
  -DASSAY_FUZZ_SECONDS="${ASSAY_FUZZ_SECONDS:-60}" >/dev/null
cmake --build "$sanitized" -j2
# ASSAY_SANITIZED tells tests that bound memory that ASan's shadow and quarantine inflate it.
export ASSAY_SANITIZED=1 UBSAN_OPTIONS=print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
ctest --test-dir "$sanitized" --output-on-failure -j2 --timeout 900
