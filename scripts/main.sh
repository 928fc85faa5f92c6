#!/usr/bin/env bash
# Installs what is missing (apt-get), builds, generates the benign sample corpus and scans it,
# printing one tc_report JSON line per sample, classified with the bundled rules (rules/).
# (The Worker becomes the main job once it exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
build=${ASSAY_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target assay_cli
bash samples/generate.sh "$build/samples" >&2
status=0
"$build/assay" scan --rules rules "$build/samples/formats" "$build/samples/nested" "$build/samples/encrypted" \
  "$build/samples/corrupt" "$build/samples/edge" "$build/samples/bombs" || status=$?
echo "assay scan finished with exit status $status (0 clean, 1 detected, 2 error)" >&2
[ "$status" -le 1 ]
