#!/usr/bin/env bash
# Runs every test against the real RabbitMQ and PostgreSQL (installed and started by scripts/infra.sh) and
# ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

AVENTORA_WITH_IMAP=1 AVENTORA_WITH_BROWSER=1 bash scripts/infra.sh || { echo "infra failed"; echo "0 passed, 1 failed"; exit 1; }

export AVENTORA_TEST_POSTGRES="${AVENTORA_TEST_POSTGRES:-Host=localhost;Port=5432;Database=postgres;Username=${AVENTORA_PG_USER:-aventora};Password=${AVENTORA_PG_PASSWORD:-aventora}}"
export AVENTORA_TEST_RABBITMQ="${AVENTORA_TEST_RABBITMQ:-amqp://${AVENTORA_MQ_USER:-aventora}:${AVENTORA_MQ_PASSWORD:-aventora}@localhost:5672/${AVENTORA_MQ_VHOST:-aventora}}"
export AVENTORA_TEST_RABBITMQ_MANAGEMENT="${AVENTORA_TEST_RABBITMQ_MANAGEMENT:-http://localhost:15672}"
# The Dovecot that infra.sh started for the email-pull tests (see AVENTORA_IMAP_* there).
export AVENTORA_TEST_IMAP="${AVENTORA_TEST_IMAP:-127.0.0.1:${AVENTORA_IMAP_PORT:-1143}}"
export AVENTORA_TEST_IMAP_USER="${AVENTORA_TEST_IMAP_USER:-${AVENTORA_IMAP_USER:-aventora-test}}"
export AVENTORA_TEST_IMAP_PASSWORD="${AVENTORA_TEST_IMAP_PASSWORD:-${AVENTORA_IMAP_PASSWORD:-aventora-test}}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log=$(mktemp)
dotnet build Aventora.sln -c Release -nologo -v quiet 2>&1 | tail -n 20
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi
dotnet test Aventora.sln -c Release --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries ("Failed: 0, Passed: 12, Skipped: 0, ...") into the one closing line.
read -r passed failed skipped < <(grep -E 'Failed:\s+[0-9]+, Passed:\s+[0-9]+' "$log" \
  | sed -E 's/.*Failed:\s+([0-9]+), Passed:\s+([0-9]+), Skipped:\s+([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
rm -f "$log"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
