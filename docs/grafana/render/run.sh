#!/usr/bin/env bash
# Makes docs/grafana/switchboard-panels.png: a 3-node demo cluster (its embedded Redis), a Prometheus that
# scrapes the nodes' /switchboard/api/metrics every 5 s, traffic.mjs for SECONDS, then render.mjs draws the
# dashboard's panels from that Prometheus and headless Chromium takes the picture. Ends everything it started.
#
# Needs: a built demo jar (./mvnw -q -DskipTests package), java, node 20+, prometheus, chromium on the PATH.
#   docs/grafana/render/run.sh [SECONDS]
set -euo pipefail
SECONDS_OF_TRAFFIC=${1:-480}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api_token=$(openssl rand -hex 32)
token_secret=$(openssl rand -hex 32)
base_port=$((20000 + RANDOM % 10000))
prometheus_port=$(free_port)

java -jar "$root/sample-webapp/target/switchboard-demo.jar" --nodes 3 --port "$base_port" \
  --api-token "$api_token" --token-secret "$token_secret" > "$work/demo.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q '^READY' "$work/demo.log" && break; sleep 1; done
grep '^READY' "$work/demo.log" || { cat "$work/demo.log"; exit 1; }
read -r -a bases <<< "$(grep '^READY' "$work/demo.log" | cut -d' ' -f2-)"

cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 5s, evaluation_interval: 5s}
scrape_configs:
  - job_name: switchboard
    metrics_path: /switchboard/api/metrics
    authorization: {credentials: "$api_token"}
    static_configs:
      - targets: [$(printf '"%s",' "${bases[@]#http://}" | sed 's/,$//')]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)

start=$(date +%s)
# Traffic goes on a little past the picture's window, so the window ends with it running.
node --experimental-websocket --no-warnings "$here/traffic.mjs" "$((SECONDS_OF_TRAFFIC + 20))" "$api_token" \
  "$token_secret" "${bases[@]}" &
traffic=$!
pids+=($traffic)
sleep "$SECONDS_OF_TRAFFIC"
end=$(date +%s)
node "$here/render.mjs" "$root/docs/grafana/switchboard.json" "http://127.0.0.1:$prometheus_port" "$start" "$end" "$work/panels.html"
height=$(grep -o 'height:[0-9]*px;position:relative' "$work/panels.html" | grep -o '[0-9]*' | head -1)
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="1600,$height" \
  --screenshot="$root/docs/grafana/switchboard-panels.png" "file://$work/panels.html" 2>/dev/null
wait "$traffic" || true
echo "wrote docs/grafana/switchboard-panels.png"
