#!/usr/bin/env bash
# Installs what is missing (apt-get), builds, and starts the reference Worker (assay-worker) in the
# foreground on 127.0.0.1:8080 with the bundled rules (rules/), keeping its tasks and reports in
# build/worker-data. It prints a curl example first; Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
# Settings: ASSAY_BUILD_DIR (build), ASSAY_LISTEN (127.0.0.1:8080), ASSAY_DATA_DIR, ASSAY_CONFIG (a JSON
# file, server/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
build=${ASSAY_BUILD_DIR:-build}
listen=${ASSAY_LISTEN:-127.0.0.1:8080}
data=${ASSAY_DATA_DIR:-$build/worker-data}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target assay_worker
bash samples/generate.sh "$build/samples" >&2
url="http://$listen"
cat >&2 <<EXAMPLE

assay-worker: starting on $url (data in $data, rules in rules/). In another terminal:

  curl -s -F file=@$build/samples/nested/nested.7z $url/api/tiscale/v1/upload
      # -> {"task_url":"$url/api/tiscale/v1/task/1"}
  curl -s '$url/api/tiscale/v1/task/1?report_type=small'
  curl -s $url/api/tiscale/v1/task          # list;  curl -X DELETE $url/api/tiscale/v1/task/1

Stop with Ctrl-C.
EXAMPLE
args=(--listen "$listen" --data-dir "$data" --rules rules)
if [ -n "${ASSAY_CONFIG:-}" ]; then args=(--config "$ASSAY_CONFIG" "${args[@]}"); fi
exec "$build/server/assay-worker" "${args[@]}"
