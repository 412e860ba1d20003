#!/usr/bin/env bash
# Runs every test against the real local stack: brings the stack up if it is not (scripts/infra.sh,
# needs root for the first install), builds with warnings as errors, then runs the tests.
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Storage]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! scripts/infra.sh status >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then scripts/infra.sh up >/dev/null; else sudo scripts/infra.sh up >/dev/null; fi
fi
# A nearly full disk or a broker alarm makes publishers wait forever; fail now, saying which.
scripts/infra.sh check
# Queues left by earlier runs would collect copies of this run's messages: start from an empty test
# virtual host, and leave one behind.
scripts/infra.sh reset-test-vhost
# The tests' own settings (a test database and a test virtual host); nothing of a running stack's.
eval "$(scripts/infra.sh env | grep -E '^export BREWCLIP_TEST_')"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build BrewClip.Pipeline.sln -c Release -nologo -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A test that hangs is killed after BREWCLIP_TEST_HANG_TIMEOUT (no test takes more than a few minutes)
# and named in the output, instead of the run waiting until CI's limit with nothing said; the whole
# run is bounded the same way.
set +e
timeout --kill-after=60s "${BREWCLIP_TEST_RUN_TIMEOUT:-75m}" \
  dotnet test BrewClip.Pipeline.sln -c Release --no-build -nologo \
    --blame-hang-timeout "${BREWCLIP_TEST_HANG_TIMEOUT:-15m}" --blame-hang-dump-type none "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
[ "$status" -eq 124 ] && echo "test.sh: the test run did not finish within ${BREWCLIP_TEST_RUN_TIMEOUT:-75m}; stopped" 
set -e
scripts/infra.sh reset-test-vhost || true

# One closing line over all test assemblies.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
