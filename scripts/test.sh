#!/usr/bin/env bash
# `npm test`: installs what the tests need, builds, and runs every suite — unit and daemon
# tests in Node, integration tests inside a real VS Code extension host (code-server), and
# end-to-end tests in a real workbench driven by Playwright. Ends with one line
# "all suites: N passed, N failed, N skipped" (scripts/suite-totals.js).
set -uo pipefail
cd "$(dirname "$0")/.."
export MOCHA_SUMMARY_DIR="$(mktemp -d)"
trap 'rm -rf "$MOCHA_SUMMARY_DIR"' EXIT
status=0
started=()

bash scripts/ensure-system-deps.sh || exit 1
bash scripts/ensure-guest-kernel.sh >/dev/null || exit 1  # the qemu runtime's test guest kernel, into ~/.cache once
bash scripts/ensure-npm-deps.sh || exit 1
# code-server (a real VS Code 1.100.3 workbench) is built once into ~/.cache; a few minutes the first time.
bash scripts/ensure-code-server.sh >/dev/null || exit 1
npm run --silent build || exit 1
npx tsc -p . || { echo "typecheck failed" >&2; exit 1; }
# ESLint (typescript-eslint, eslint.config.mjs); the layering and cycle rules are tests (test/unit/architecture).
npx eslint . || { echo "lint failed: npx eslint . (npx eslint --fix . fixes some)" >&2; exit 1; }

run_suite() { # name, command...
  local name=$1; shift
  echo; echo "=== $name ==="
  started+=("$name")
  MOCHA_SUITE_NAME=$name MOCHA_SUMMARY_FILE="$MOCHA_SUMMARY_DIR/$name.json" "$@" || status=1
}

run_suite node npx mocha
if [ -f test/integration/launch.ts ]; then
  run_suite integration node --require tsx/cjs test/integration/launch.ts
fi
if [ -d test/e2e ]; then
  run_suite e2e npx mocha --config test/e2e/.mocharc.json
fi
if [ -d test/journeys ]; then
  # The installed-VSIX journeys build the release VSIX themselves when it is missing or stale.
  run_suite journeys npx mocha --config test/journeys/.mocharc.json
fi

echo
node scripts/suite-totals.js "$MOCHA_SUMMARY_DIR" "${started[@]}" || status=1
exit $status
