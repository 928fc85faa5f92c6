#!/usr/bin/env bash
# Per-call overhead of the Python and Go bindings beside the C ABI called directly, on one small
# object (default 256 bytes of text, default engine: no rules), through an installed library.
#
#   bash bench/bindings_bench.sh [BUILD_DIR]          # BUILD_DIR defaults to build; ~1 minute
#
# Installs BUILD_DIR into a scratch prefix, builds bench/bindings_bench.c against it (pkg-config),
# pip-installs bindings/python into a target directory (offline), builds bench/bindings_bench.go in a
# scratch module pointing at bindings/go, then runs the three programs in interleaved rounds, pinned
# to one core (taskset -c $CPU) when taskset exists. Each program prints the median ns per scan over
# its batches; the table shows, per mode, the median of those over the rounds, and the overhead
# against c_scan_buffer (scan + report free from C, the same work every binding mode does).
# Exit status 0 when the Python binding adds at most 20 us per scan, 1 otherwise.
# Settings (environment): ROUNDS (5), SCANS (2000 per batch), BATCHES (7), CPU (0), PAYLOAD_BYTES (256).
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$source_dir/build}" && pwd)
rounds=${ROUNDS:-5} scans=${SCANS:-2000} batches=${BATCHES:-7} cpu=${CPU:-0} payload_bytes=${PAYLOAD_BYTES:-256}
python=/usr/bin/python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export LD_LIBRARY_PATH="$prefix/lib"

"$python" - "$work/payload" "$payload_bytes" <<'EOF'
import sys
path, size = sys.argv[1], int(sys.argv[2])
text = "".join(f"assay binding benchmark line {i}\n" for i in range(size // 20 + 1)).encode()
open(path, "wb").write(text[:size])
EOF

# shellcheck disable=SC2046
cc -O2 -std=c99 -Wall -Wextra -pedantic "$source_dir/bench/bindings_bench.c" $(pkg-config --cflags --libs assay) \
   -o "$work/bench_c"

cp -r "$source_dir/bindings/python" "$work/python-package"
"$python" -m pip install --quiet --no-index --no-build-isolation --no-deps --disable-pip-version-check --no-cache-dir \
  --root-user-action=ignore --target "$work/site" "$work/python-package"

mkdir -p "$work/go-bench"
cp "$source_dir/bench/bindings_bench.go" "$work/go-bench/main.go"
cat >"$work/go-bench/go.mod" <<EOF
module bindingsbench

go 1.19

require assay/bindings/go v0.0.0

replace assay/bindings/go => $source_dir/bindings/go
EOF
(cd "$work/go-bench" && GOPATH="$work/gopath" GOCACHE="$work/gocache" GOFLAGS=-mod=mod GOPROXY=off \
   go build -o "$work/bench_go" .)

pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "$cpu"); fi
echo "payload $payload_bytes bytes, $rounds rounds x $batches batches x $scans scans, ${pin[*]:-unpinned}" >&2
for round in $(seq "$rounds"); do
  "${pin[@]}" "$work/bench_c" "$work/payload" "$scans" "$batches"
  PYTHONPATH="$work/site" "${pin[@]}" "$python" "$source_dir/bench/bindings_bench.py" "$work/payload" "$scans" "$batches"
  "${pin[@]}" "$work/bench_go" "$work/payload" "$scans" "$batches"
  echo "round $round done" >&2
done >"$work/results"

"$python" - "$work/results" <<'EOF'
import statistics, sys
medians = {}
for line in open(sys.argv[1]):
    name, median, _best = line.split()
    medians.setdefault(name, []).append(float(median))
base = statistics.median(medians["c_scan_buffer"])
print(f"{'mode':<28} {'median us/scan':>15} {'overhead us':>12}   (rounds' medians)")
for name, values in medians.items():
    value = statistics.median(values)
    rounds = " ".join(f"{v / 1000:.1f}" for v in values)
    print(f"{name:<28} {value / 1000:>15.2f} {(value - base) / 1000:>12.2f}   {rounds}")
python_overhead = (statistics.median(medians["python_scan_bytes"]) - base) / 1000
go_overhead = (statistics.median(medians["go_scan_bytes"]) - base) / 1000
print(f"python binding overhead {python_overhead:.2f} us per scan (target <= 20): "
      f"{'met' if python_overhead <= 20 else 'MISSED'}; go binding overhead {go_overhead:.2f} us")
sys.exit(0 if python_overhead <= 20 else 1)
EOF
