#!/usr/bin/env bash
# Runs the whole system on this machine: RabbitMQ and PostgreSQL (installed and started if needed), the Twilio emulator,
# and the four services. Ctrl-C stops everything this script started. Logs go to .run/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/infra.sh

# The environment fallback account (used by domains with no credentials of their own), known to the emulator.
export TWILIO_ACCOUNT_SID="${TWILIO_ACCOUNT_SID:-AC00000000000000000000000000000001}"
export TWILIO_AUTH_TOKEN="${TWILIO_AUTH_TOKEN:-local-emulator-token}"
export TWILIO_SMS_NUMBER="${TWILIO_SMS_NUMBER:-+14155550100}"
export TWILIO_PHONE_NUMBER="${TWILIO_PHONE_NUMBER:-+14155550101}"
export TWILIO_WHATSAPP_NUMBER="${TWILIO_WHATSAPP_NUMBER:-+14155550102}"
# One key ring for every service: what Ingress encrypts (auth tokens, mailbox passwords) the workers must decrypt. Back it up.
export DataProtection__KeysFolder="${DataProtection__KeysFolder:-$PWD/.run/keys}"
export Admin__ApiKey="${Admin__ApiKey:-local-admin-key-change-me}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mkdir -p .run/logs
dotnet build Aventora.sln -c Release -nologo -v quiet

pids=()
stop() { echo; echo "stopping"; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

start() { # name project url [args...]
  local name=$1 project=$2 url=$3; shift 3
  dotnet "src/$project/bin/Release/net10.0/Aventora.${project}.dll" --urls "$url" --contentRoot "$PWD/src/$project" "$@" >".run/logs/$name.log" 2>&1 &
  pids+=($!)
}
start twilio-emulator TwilioEmulator http://localhost:5100 \
  --Emulator:Accounts:0:Sid "$TWILIO_ACCOUNT_SID" --Emulator:Accounts:0:AuthToken "$TWILIO_AUTH_TOKEN"
start ingress Ingress.Api http://localhost:5000
sleep 3 # Ingress applies the migrations; the workers then find them done.
start dispatcher Dispatcher.Worker http://localhost:5001
start messaging Messaging.Worker http://localhost:5002
start voice Voice.Worker http://localhost:5003
start admin-web Admin.Web http://localhost:5200 --IngressApi:BaseUrl http://localhost:5000/

for url in http://localhost:5000 http://localhost:5001 http://localhost:5002 http://localhost:5003 http://localhost:5200; do
  for _ in $(seq 1 60); do curl -fs "$url/health/ready" >/dev/null && break; sleep 1; done
  curl -fs "$url/health/ready" >/dev/null || { echo "$url did not become ready; see .run/logs/"; exit 1; }
done

cat <<INFO

Aventora is running.
  Ingress.Api        http://localhost:5000   (POST /start, GET /requests/{id}, /admin/domains, webhooks)
  Dispatcher.Worker  http://localhost:5001/health/ready
  Messaging.Worker   http://localhost:5002/health/ready
  Voice.Worker       http://localhost:5003/health/ready
  Admin console      http://localhost:5200   (sign in with the admin key: $Admin__ApiKey)
  Twilio emulator    http://localhost:5100   (GET /_emulator/messages, /_emulator/calls, /_emulator/requests)
  RabbitMQ           amqp://localhost:5672/aventora (management http://localhost:15672)
  PostgreSQL         Host=localhost;Database=aventora
  Logs               .run/logs/

Try it:
  curl -s -X POST http://localhost:5000/start -H 'X-Api-Key: $Admin__ApiKey' -H 'Content-Type: application/json' \\
    -d '{"phone_number":"+14155552671","channel":"sms","type":"informational","instruction":"Send appointment reminder"}'
  curl -s http://localhost:5000/requests/<request_id> -H 'X-Api-Key: $Admin__ApiKey'
  curl -s 'http://localhost:5100/_emulator/messages?to=%2B14155552671'

Ctrl-C stops everything.
INFO
wait
