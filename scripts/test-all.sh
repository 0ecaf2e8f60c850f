#!/usr/bin/env bash
# The whole test suite, as the README's test command: schema check, types, unit + contract +
# integration tests (both backends when DATABASE_URL / REDIS_URL are set), then the console
# build and its browser tests. Prints a plain closing line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
npx drizzle-kit check || status=1
npx tsc --noEmit || status=1
npx vitest run --reporter=default --reporter=json --outputFile=.vitest.json || status=1
# Browser tests: next build into .next-e2e, next start on PGlite, headless chromium (scripts/e2e).
# A fresh machine has no browser: Debian's chromium is installed when we may (playwright's own
# download cannot reach its servers here).
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "could not install chromium: the browser tests will fail" >&2
fi
npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile=.vitest-e2e.json || status=1
node scripts/test-summary.mjs .vitest.json .vitest-e2e.json || status=1
exit $status
