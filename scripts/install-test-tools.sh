#!/usr/bin/env bash
# Installs the npm tools the test command uses — the OpenAPI linter (@redocly/cli), the
# response validator's libraries (ajv, ajv-formats, yaml) and the web console test's browser
# driver (puppeteer-core, which downloads no browser: it drives Debian's chromium) — into
# tests/tools/node_modules,
# exactly the versions pinned in tests/tools/package-lock.json (`npm ci`). Idempotent: when
# the installed tree matches the lock file it touches nothing (and needs no network).
# Needs Node.js >= 20.19 with npm (the nodesource `nodejs` package, or nodejs.org's build;
# Debian 12's own `npm` package conflicts with it and is too old).
set -euo pipefail
cd "$(dirname "$0")/../tests/tools"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-test-tools: node and npm are required (Node.js >= 20.19, e.g. the nodesource nodejs package)" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "install-test-tools: Node.js $(node --version) is too old; @redocly/cli needs >= 20.19" >&2
  exit 1
fi

# npm ci writes node_modules/.package-lock.json; equal to the lock file's packages: up to date.
stamp=node_modules/.orderhost-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "install-test-tools: tests/tools/node_modules is up to date"
  exit 0
fi
echo "install-test-tools: npm ci in tests/tools"
npm ci --no-audit --no-fund --loglevel=error
echo "$wanted" >"$stamp"
