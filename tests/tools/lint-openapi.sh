#!/usr/bin/env bash
# Lints docs/openapi.yaml with Redocly's linter (rules: tests/tools/redocly.yaml). Fails on
# any error or warning, and when the tools are not installed (scripts/install-test-tools.sh).
set -euo pipefail
tools="$(cd "$(dirname "$0")" && pwd)"
spec="${1:-$tools/../../docs/openapi.yaml}"
redocly="$tools/node_modules/.bin/redocly"
if [ ! -x "$redocly" ]; then
  echo "lint-openapi: $redocly is missing; run scripts/install-test-tools.sh" >&2
  exit 1
fi
# No telemetry, no update checks: the test command must not talk to the network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
report=$("$redocly" lint --config "$tools/redocly.yaml" --format=json "$spec" 2>/dev/null) || true
if ! printf '%s' "$report" | node -e '
  let text = ""; process.stdin.on("data", d => text += d).on("end", () => {
    let report;
    try { report = JSON.parse(text); } catch (e) { console.error("lint-openapi: the linter printed no report"); process.exit(1); }
    for (const p of report.problems)
      console.error(`${p.severity} ${p.ruleId}: ${p.message} at ${(p.location || []).map(l => l.pointer).join(", ")}`);
    const { errors, warnings } = report.totals;
    console.log(`lint-openapi: ${errors} error(s), ${warnings} warning(s)`);
    process.exit(errors + warnings === 0 ? 0 : 1);
  });'; then
  # Show the linter's own, readable output too.
  "$redocly" lint --config "$tools/redocly.yaml" "$spec" >&2 || true
  exit 1
fi
