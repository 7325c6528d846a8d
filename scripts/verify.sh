#!/usr/bin/env bash
# Every check the project has, in the order a failure is cheapest to read:
# lint, types, build, all tests with coverage (the Docker and Swarm drivers'
# tests are required when CI is set), the package as users get it, the
# conformance report.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp

step() { printf '\n== %s\n' "$*"; }

step "lint (biome)"
npm run lint

step "typecheck (tsc, strict, exactOptionalPropertyTypes)"
npm run typecheck

step "build (rollup: ESM + CJS + declarations)"
npm run build

step "tests with coverage (vitest: unit, type-level, property, model-based, demos, conformance, Docker, Swarm)"
set +e
npx vitest run --coverage --reporter=default --reporter=json --outputFile=.tmp/vitest-results.json
tests_status=$?
set -e
node scripts/test-summary.mjs .tmp/vitest-results.json coverage/coverage-summary.json | tee .tmp/test-summary.txt || true
if [ "$tests_status" -ne 0 ]; then
  echo "tests failed (vitest exit code $tests_status)" >&2
  exit "$tests_status"
fi

step "package as users get it (npm pack, ESM + CJS consumers, publint, attw)"
bash scripts/check-package.sh

step "conformance report against the built-in drivers"
node dist/cli.js mock-docker mock-local

step "summary"
# The test counts again as the last line, where CI reads a run's result.
cat .tmp/test-summary.txt
