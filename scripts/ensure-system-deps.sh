#!/usr/bin/env bash
# Makes sure the Debian packages the tests need are present (TESTING.md). As root it installs
# what is missing; otherwise it names the exact apt-get line to run and fails.
#   bash scripts/ensure-system-deps.sh [COMMAND...]   only the packages of these commands (npm start
#                                                      with BLIXARD_RUNTIME=qemu: qemu-system-x86_64 busybox)
set -euo pipefail
declare -A need=(
  [etcd]=etcd-server            # a real etcd for the daemons' multi-node store
  [chromium]=chromium           # Playwright drives the workbench in it
  [rg]=ripgrep                  # code-server's search, and its build
  [pkg-config]=pkg-config       # code-server's native modules
  [krb5-config]=libkrb5-dev     # code-server's kerberos module
  [kubectl]=kubernetes-client   # checks the local KubeVirt API server against a real client
  [qemu-system-x86_64]=qemu-system-x86  # the daemon's qemu runtime boots real guests in it
  [busybox]=busybox-static      # /bin/busybox, static: the built-in test guest's whole userland
  [prometheus]=prometheus       # a real Prometheus (2.42) scrapes the KubeVirt stand-in's and the daemons' metrics
)
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=("${!need[@]}")
missing=()
for cmd in "${wanted[@]}"; do
  [ -n "${need[$cmd]:-}" ] || { echo "[deps] unknown command \"$cmd\" (known: ${!need[*]})" >&2; exit 2; }
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "[deps] installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The etcd-server package may start a system service; tests run their own members.
  (systemctl stop etcd 2>/dev/null || service etcd stop 2>/dev/null || true) >/dev/null 2>&1
  # So may prometheus (and its node exporter); tests run their own on their own ports and dirs.
  for unit in prometheus prometheus-node-exporter; do
    (systemctl stop "$unit" 2>/dev/null || service "$unit" stop 2>/dev/null || true) >/dev/null 2>&1
  done
else
  echo "Missing system packages. Run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
