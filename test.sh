#!/usr/bin/env bash
# Runs the whole test suite: unit tests, contract tests and integration tests against real
# servers. The integration tests start their own redis-server and rabbitmq-server on 127.0.0.1
# (temporary ports and data folders) and stop them afterwards; this script only makes sure the
# Debian packages are installed. Ends with one line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)  # the dashboard's browser tests (Playwright drives it)
if ((${#missing[@]})); then
  echo "Installing ${missing[*]} (Debian packages) for the integration and browser tests..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Integration tests fail loudly (never skip) when their server cannot be started.
export ERGATE_REQUIRE_SERVERS=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build Ergate.sln -c Release -nologo -v quiet

log=$(mktemp)
status=0
# One test project at a time (-m:1): the integration tests start brokers and worker processes,
# and two such projects side by side on a small machine only slow each other down.
# A test that hangs fails the run (naming the test) instead of running into the CI time limit.
dotnet test Ergate.sln -c Release --no-build -nologo -m:1 --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee "$log" || status=$?

# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 18, Skipped: 0, ..."
read -r passed failed skipped < <(awk '
  match($0, /Failed: *[0-9]+, Passed: *[0-9]+, Skipped: *[0-9]+/) {
    split(substr($0, RSTART, RLENGTH), f, /[^0-9]+/); failed += f[2]; passed += f[3]; skipped += f[4]
  }
  END { print passed + 0, failed + 0, skipped + 0 }' "$log")
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # a test host crashed or the run broke before it could report
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
