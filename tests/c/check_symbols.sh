#!/usr/bin/env bash
# Diffs the shared library's exported symbols against the committed list (capi/assay.symbols).
set -euo pipefail
library=$1 expected=$2
actual=$(nm -D --defined-only "$library" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
if ! diff -u "$expected" <(printf '%s\n' "$actual"); then
  echo "exported symbols differ from $expected (update it only for a deliberate ABI change)" >&2
  exit 1
fi
echo "exported symbols match: $(printf '%s\n' "$actual" | wc -l) symbols"
