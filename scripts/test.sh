#!/usr/bin/env bash
# The whole test run: contract lint, build, lint, then every test file of every project in one
# node test run (its summary closes the output). Installs nats-server first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

npx buf lint proto
npx nx run-many -t build lint --output-style=static
node scripts/ensure-nats-server.js

mapfile -t files < <(find libs services deploy test -path '*/node_modules' -prune -o -path '*/dist/*' -name '*.test.js' -print | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files were built" >&2; exit 1; fi
# A test that hangs fails after 10 minutes instead of holding the run until CI's limit.
node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./scripts/summary-reporter.mjs --test-reporter-destination=stdout "${files[@]}"
