#!/usr/bin/env bash
# Builds code-server 4.100.3 (VS Code 1.100.3 on Node 20) once into a cache folder outside the
# repository, following ../shared/TESTING.md: its own postinstall downloads from GitHub, which
# these machines cannot reach, so we install with --ignore-scripts and rebuild natives by hand.
# Prints the path of the code-server entry point on success.
set -euo pipefail
# The one place the harness pins its workbench (test/e2e/support/code-server.ts reads these two
# lines; the integration suite asserts the extension host is exactly VSCODE_VERSION).
VERSION=4.100.3
VSCODE_VERSION=1.100.3
CACHE="${BLIXARD_CACHE:-$HOME/.cache/blixard-migrations}"
DEST="$CACHE/code-server-$VERSION"
ENTRY="$DEST/node_modules/code-server/out/node/entry.js"
if [ -f "$DEST/.complete" ]; then echo "$ENTRY"; exit 0; fi

for tool in rg pkg-config krb5-config; do
  if ! command -v "$tool" >/dev/null; then
    echo "code-server needs '$tool' to build: apt-get install -y ripgrep pkg-config libkrb5-dev" >&2
    exit 1
  fi
done

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/code-server-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
log() { echo "[code-server] $*" >&2; }
log "building code-server $VERSION in $WORK (one time, a few minutes)"
cd "$WORK"
echo '{"name":"code-server-host","private":true}' > package.json
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$VERSION" >&2
VS="$WORK/node_modules/code-server/lib/vscode"
cd "$VS"
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2
for mod in kerberos node-pty @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid; do
  if [ -d "node_modules/$mod" ]; then
    log "node-gyp rebuild $mod"
    (cd "node_modules/$mod" && npx --yes node-gyp rebuild >/dev/null 2>&1) || { log "failed to build $mod"; exit 1; }
  fi
done
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
BUILT_VSCODE="$(node -p "require('$VS/package.json').version")"
if [ "$BUILT_VSCODE" != "$VSCODE_VERSION" ]; then
  log "code-server $VERSION contains VS Code $BUILT_VSCODE, not the pinned $VSCODE_VERSION: update VSCODE_VERSION"
  exit 1
fi
cd "$WORK"
npm rebuild argon2 >&2
touch "$WORK/.complete"
rm -rf "$DEST"
mv "$WORK" "$DEST"
trap - EXIT
log "ready: $DEST"
echo "$ENTRY"
