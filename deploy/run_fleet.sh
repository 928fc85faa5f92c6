#!/usr/bin/env bash
# Runs a Hub on one machine: N assay-workers (default 3) on 127.0.0.1:8081.. and HAProxy in front on
# 127.0.0.1:8080, configured by deploy/haproxy_config.py. Installs what is missing (apt-get, HAProxy
# included) and builds first. Foreground; Ctrl-C or SIGTERM stops HAProxy and every Worker.
#
#   bash deploy/run_fleet.sh [N]
#
# Settings: ASSAY_BUILD_DIR (build), ASSAY_FLEET_DIR (build/fleet: each Worker's data and config),
# ASSAY_HUB (127.0.0.1:8080), ASSAY_FLEET_BASE_PORT (8081). To spread the same fleet over machines,
# see deploy/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-3}
build=${ASSAY_BUILD_DIR:-build}
fleet=${ASSAY_FLEET_DIR:-$build/fleet}
hub=${ASSAY_HUB:-127.0.0.1:8080}
base=${ASSAY_FLEET_BASE_PORT:-8081}
bash scripts/bootstrap.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target assay_worker

mkdir -p "$fleet"
workers=()
pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT
for k in $(seq 1 "$count"); do
  port=$((base + k - 1))
  name="w$k"
  workers+=(--worker "$name=127.0.0.1:$port")
  mkdir -p "$fleet/$name"
  # task_id_start and public_url: what --print-worker-settings says for this Worker.
  settings=$(python3 deploy/haproxy_config.py "${workers[@]}" --print-worker-settings | sed -n "${k}p" | cut -d' ' -f2-)
  echo "$settings" > "$fleet/$name/config.json"
  "$build/server/assay-worker" --config "$fleet/$name/config.json" --listen "127.0.0.1:$port" \
    --data-dir "$fleet/$name/data" --rules rules 2>"$fleet/$name/worker.log" &
  pids+=($!)
done
python3 deploy/haproxy_config.py --hub "$hub" "${workers[@]}" > "$fleet/haproxy.cfg"
haproxy -c -q -f "$fleet/haproxy.cfg"
echo "Hub on http://$hub in front of $count Worker(s) on 127.0.0.1:$base..; logs in $fleet. Try:" >&2
echo "  curl -s -F file=@README.md http://$hub/api/tiscale/v1/upload" >&2
haproxy -db -f "$fleet/haproxy.cfg" &
pids+=($!)
wait -n "${pids[@]}"
