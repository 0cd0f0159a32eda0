#!/usr/bin/env bash
# `npm start`: installs what it needs, builds, starts a local Blixard dev cluster (3 nodes,
# 6 VMs) and a local KubeVirt-compatible API server, then opens the extension with both in
# its Clusters view — in VS Code when a `code` CLI is on PATH, otherwise in code-server at a
# printed URL. Ctrl-C stops everything it started.
#
#   BLIXARD_START_WITH=code-server   use code-server even when `code` exists
#   BLIXARD_PORT=8080                code-server's port (default: a free one)
#   BLIXARD_RUNTIME=qemu             real QEMU guests instead of simulated VMs: 3 nodes, 2 VMs of
#                                    96 MiB (vm-1 boots, vm-2 stays stopped); installs QEMU and
#                                    busybox as root (else prints the apt-get line) and fetches the
#                                    guest kernel into ~/.cache/blixard-migrations once
#
# code-server runs without a password (--auth none), so it listens on 127.0.0.1 only: there is
# no host setting, and code-server's own CODE_SERVER_HOST and PORT are not passed to it.
# Workspace trust stays on, as in any VS Code: the clusters this script configures are user
# settings of its own profile, so they show whether or not you trust the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
STATE="${BLIXARD_START_DIR:-$HOME/.cache/blixard-migrations/start}"
log() { echo "[start] $*"; }

if [ -n "${BLIXARD_PORT:-}" ] && ! [[ "$BLIXARD_PORT" =~ ^[0-9]{1,5}$ && "$BLIXARD_PORT" -le 65535 ]]; then
  echo "[start] BLIXARD_PORT must be a port number (0-65535), not \"$BLIXARD_PORT\"; code-server listens on 127.0.0.1 only" >&2
  exit 2
fi

# Which VMs the dev cluster runs: simulated ones (timers), or real QEMU guests under TCG (slow to
# boot, ~215 MiB of RSS each), hence fewer of them. Each guest's QEMU files go under the run folder.
case "${BLIXARD_RUNTIME:-simulated}" in
  simulated) CLUSTER_ARGS=(--nodes 3 --base-port 0 --vms 6) ; CLUSTER_WAIT_S=60 ;;
  qemu) CLUSTER_ARGS=(--runtime qemu --nodes 3 --base-port 0 --vms 2 --state-dir "$STATE/run/qemu") ; CLUSTER_WAIT_S=180 ;;
  *)
    echo "[start] BLIXARD_RUNTIME must be \"simulated\" (the default: simulated VMs) or \"qemu\" (real QEMU guests), not \"${BLIXARD_RUNTIME}\"" >&2
    exit 2
    ;;
esac
if [ "${BLIXARD_RUNTIME:-}" = qemu ]; then
  # As root these install what is missing; otherwise they print the exact commands and fail.
  bash scripts/ensure-system-deps.sh qemu-system-x86_64 busybox
  log "guest kernel: $(bash scripts/ensure-guest-kernel.sh)"
  # Guests of an earlier run that was killed outright (their QEMUs outlive a dead daemon): stop
  # them before their folders go. Only QEMUs whose command line names this run folder's pid file.
  for pidfile in "$STATE"/run/qemu/node-*/vms/*/qemu.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-pidfile $pidfile"; then
      log "stopping QEMU $pid left by an earlier run ($(basename "$(dirname "$pidfile")"))"
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
fi

bash scripts/ensure-npm-deps.sh
log "building"
npm run --silent build

rm -rf "$STATE/run"
mkdir -p "$STATE/run" "$STATE/user-data/User" "$STATE/extensions"
RUN="$STATE/run"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until FILE has a line matching REGEX (or PID dies / SECONDS pass, default 60) and prints that line.
wait_for_line() { # file regex pid what [seconds]
  local file=$1 regex=$2 pid=$3 what=$4 seconds=${5:-60} line
  for _ in $(seq 1 $((seconds * 10))); do
    line=$(grep -m1 -E "$regex" "$file" 2>/dev/null || true)
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$what exited:" >&2; tail -n 20 "$file" >&2; return 1; fi
    sleep 0.1
  done
  echo "$what did not become ready within $seconds s:" >&2; tail -n 20 "$file" >&2; return 1
}

log "starting the Blixard dev cluster (${BLIXARD_RUNTIME:-simulated} VMs)"
started_at=$SECONDS
node dist/companion/blixard-node.js dev-cluster "${CLUSTER_ARGS[@]}" >"$RUN/dev-cluster.log" 2>&1 &
pids+=($!)
ready=$(wait_for_line "$RUN/dev-cluster.log" '^blixard dev-cluster ready: ' "${pids[-1]}" "the dev cluster" "$CLUSTER_WAIT_S")
ENDPOINTS=${ready#blixard dev-cluster ready: }
log "dev cluster: $ENDPOINTS (ready in $((SECONDS - started_at)) s)"

log "starting the local KubeVirt API server"
node --import tsx test/support/kube-api-server/cli.ts --port 0 --kubeconfig "$RUN/kubeconfig" >"$RUN/kube-api-server.log" 2>&1 &
pids+=($!)
ready=$(wait_for_line "$RUN/kube-api-server.log" '^kubevirt api server ready: ' "${pids[-1]}" "the KubeVirt API server")
log "KubeVirt API server: $(echo "$ready" | sed -E 's/^kubevirt api server ready: ([^ ]+).*/\1/') (kubeconfig $RUN/kubeconfig)"

# A profile of its own, so the user's VS Code settings stay untouched.
ENDPOINTS="$ENDPOINTS" KUBECONFIG_FILE="$RUN/kubeconfig" node -e '
  const fs = require("fs");
  const settings = {
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "blixard.clusters": [{ name: "Dev cluster (npm start)", endpoints: process.env.ENDPOINTS.split(","), datacenter: "local" }],
    "blixard.kubevirt.kubeconfig": [process.env.KUBECONFIG_FILE],
    "blixard.refreshIntervalSeconds": 10,
  };
  fs.writeFileSync(process.argv[1], JSON.stringify(settings, null, 2));
' "$STATE/user-data/User/settings.json"

if command -v code >/dev/null 2>&1 && [ "${BLIXARD_START_WITH:-}" != "code-server" ]; then
  log "opening VS Code with the extension (close the window to stop)"
  code --wait --new-window --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions" \
    --extensionDevelopmentPath="$ROOT" "$ROOT"
  exit 0
fi

ENTRY=$(bash scripts/ensure-code-server.sh)
: >"$RUN/code-server.yaml"
# CODE_SERVER_HOST would override --bind-addr's host (and PORT its port): not for a server without a password.
if [ -n "${CODE_SERVER_HOST:-}" ]; then log "ignoring CODE_SERVER_HOST=$CODE_SERVER_HOST: without a password code-server listens on 127.0.0.1 only"; fi
env -u CODE_SERVER_HOST -u PORT node "$ENTRY" --config "$RUN/code-server.yaml" --auth none --bind-addr "127.0.0.1:${BLIXARD_PORT:-0}" \
  --disable-telemetry --disable-update-check \
  --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions" "$ROOT" >"$RUN/code-server.log" 2>&1 &
pids+=($!)
ready=$(wait_for_line "$RUN/code-server.log" 'HTTP server listening on http://' "${pids[-1]}" "code-server")
if ! [[ "$ready" =~ http://127\.0\.0\.1:[0-9]+ ]]; then
  echo "[start] code-server is not listening on 127.0.0.1 ($ready); stopping it: it has no password" >&2
  exit 1
fi
PORT=$(echo "$ready" | sed -E 's#.*http://127\.0\.0\.1:([0-9]+).*#\1#')
log "code-server on http://127.0.0.1:$PORT — no password, reachable only from this machine"
URL=$(PORT="$PORT" ROOT="$ROOT" node -e '
  const { PORT, ROOT } = process.env;
  const payload = JSON.stringify([["extensionDevelopmentPath", `vscode-remote://127.0.0.1:${PORT}${ROOT}`]]);
  console.log(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(ROOT)}&payload=${encodeURIComponent(payload)}`);
')
echo
echo "  Blixard Migrations is running in code-server. Open this URL in a browser:"
echo
echo "    $URL"
echo
echo "  (the Blixard icon in the activity bar shows the dev cluster and the KubeVirt cluster;"
echo "   VS Code asks whether you trust this folder: either answer shows them)"
echo "  Logs: $RUN   —   Ctrl-C stops everything."
echo
wait "${pids[-1]}"
