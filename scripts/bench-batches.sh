#!/usr/bin/env bash
# Benchmark (not part of the test suite): pushes one CSV batch of BENCH_ROWS rows (default 100,000) end to end — POST /batches,
# broker, dispatcher, workers, Twilio emulator — and prints the time to the 202, to every row published (status `published`),
# to every row at Twilio, and each process's peak memory (VmHWM) plus Ingress's resident memory while it publishes.
# The domain is granted credits, so rows are really sent to the emulator.
# Runs its own copies of the services on ports 5400-5404 with a database and broker vhost of their own, dropped at the end,
# so it neither disturbs nor is disturbed by a running system. Needs RabbitMQ and PostgreSQL (scripts/infra.sh).
#   BENCH_ROWS=100000 BENCH_CHANNELS=sms,wmsg bash scripts/bench-batches.sh
# BENCH_UNTIL=published stops once every row is published (confirmed by the broker), without waiting for Twilio; Batches__*
# variables (e.g. Batches__PublishConcurrency=32) reach Ingress.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS="${BENCH_ROWS:-100000}"
CHANNELS="${BENCH_CHANNELS:-sms,wmsg}"
UNTIL="${BENCH_UNTIL:-twilio}"
PG_USER="${AVENTORA_PG_USER:-aventora}" PG_PASSWORD="${AVENTORA_PG_PASSWORD:-aventora}"
MQ_USER="${AVENTORA_MQ_USER:-aventora}" MQ_PASSWORD="${AVENTORA_MQ_PASSWORD:-aventora}"
RUN_ID="$(date +%s)$$"
DB="aventora_bench_$RUN_ID" VHOST="aventora-bench-$RUN_ID"
WORK="$(mktemp -d /tmp/aventora-bench.XXXXXX)"
ADMIN_KEY="bench-admin-key-0123456789abcdef"
ACCOUNT_SID="AC$(printf '%032d' "$RUN_ID" | tail -c 32)" ACCOUNT_TOKEN="bench-token-$RUN_ID"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '[bench] %s\n' "$*"; }
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
  PGPASSWORD="$PG_PASSWORD" psql -h localhost -U "$PG_USER" -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  curl -fs -u "$MQ_USER:$MQ_PASSWORD" -X DELETE "http://localhost:15672/api/vhosts/$VHOST" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

log "building (Release)"
for p in TwilioEmulator Ingress.Api Dispatcher.Worker Messaging.Worker Voice.Worker; do
  dotnet build "src/$p" -c Release -nologo -v quiet >/dev/null
done

PGPASSWORD="$PG_PASSWORD" psql -h localhost -U "$PG_USER" -d postgres -qc "CREATE DATABASE $DB" >/dev/null
curl -fs -u "$MQ_USER:$MQ_PASSWORD" -X PUT -H 'content-type: application/json' -d '{}' "http://localhost:15672/api/vhosts/$VHOST" >/dev/null
curl -fs -u "$MQ_USER:$MQ_PASSWORD" -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
  "http://localhost:15672/api/permissions/$VHOST/$MQ_USER" >/dev/null

export Postgres__ConnectionString="Host=localhost;Port=5432;Database=$DB;Username=$PG_USER;Password=$PG_PASSWORD"
export RabbitMq__VirtualHost="$VHOST" RabbitMq__Username="$MQ_USER" RabbitMq__Password="$MQ_PASSWORD"
export Ingress__PublicBaseUrl="http://localhost:5400" Twilio__ApiBaseUrl="http://localhost:5404" Admin__ApiKey="$ADMIN_KEY"
export Batches__MaxFileBytes=$((200 * 1024 * 1024)) EmailPull__Enabled=false Serilog__MinimumLevel__Default=Warning

start() { # name project url [args...]
  local name=$1 project=$2 url=$3; shift 3
  dotnet "src/$project/bin/Release/net10.0/Aventora.${project}.dll" --urls "$url" --contentRoot "$PWD/src/$project" "$@" >"$WORK/$name.log" 2>&1 &
  pids+=($!)
}
start emulator TwilioEmulator http://localhost:5404 --Emulator:Accounts:0:Sid "$ACCOUNT_SID" --Emulator:Accounts:0:AuthToken "$ACCOUNT_TOKEN"
export Batches__SpoolFolder="$WORK/spool"
start ingress Ingress.Api http://localhost:5400
INGRESS_PID=${pids[-1]}
for _ in $(seq 1 60); do curl -fs http://localhost:5400/health/ready >/dev/null && break; sleep 1; done
start dispatcher Dispatcher.Worker http://localhost:5401
start messaging Messaging.Worker http://localhost:5402
start voice Voice.Worker http://localhost:5403
for port in 5400 5401 5402 5403; do
  for _ in $(seq 1 60); do curl -fs "http://localhost:$port/health/ready" >/dev/null && break; sleep 1; done
  curl -fs "http://localhost:$port/health/ready" >/dev/null || { log "port $port did not become ready"; tail -n 20 "$WORK"/*.log; exit 1; }
done

DOMAIN="bench-$RUN_ID"
curl -fs -X POST http://localhost:5400/admin/domains -H "X-Api-Key: $ADMIN_KEY" -H 'content-type: application/json' -d "{
  \"domain_name\": \"$DOMAIN\", \"technical_json\": {\"twilio_account_sid\": \"$ACCOUNT_SID\", \"twilio_auth_token\": \"$ACCOUNT_TOKEN\",
  \"twilio_sms_number\": \"+14155550601\", \"twilio_phone_number\": \"+14155550602\", \"twilio_whatsapp_number\": \"+14155550603\"}}" >/dev/null
curl -fs -X POST "http://localhost:5400/admin/domains/$DOMAIN/credits" -H "X-Api-Key: $ADMIN_KEY" -H 'content-type: application/json' \
  -d "{\"credits\": $((ROWS * 10)), \"reason\": \"benchmark\"}" >/dev/null
# wmsg rows need the person to have written in the last 24 hours: every number of the file did, an hour ago.
PGPASSWORD="$PG_PASSWORD" psql -h localhost -U "$PG_USER" -d "$DB" -qc "
  INSERT INTO sms_sessions (id, domain_name, channel, phone_number, sender_number, type, instruction, last_inbound_at)
  SELECT gen_random_uuid(), '$DOMAIN', 'wmsg', '+1415' || (2 + (i / 1000000) % 8)::text || lpad((i % 1000000)::text, 6, '0'), '+10000000000',
         'inbound', 'wrote in', now() - interval '1 hour'
  FROM generate_series(0, $ROWS - 1) AS i ON CONFLICT DO NOTHING" >/dev/null

log "writing $ROWS rows ($CHANNELS)"
awk -v rows="$ROWS" -v channels="$CHANNELS" 'BEGIN {
  n = split(channels, c, ",");
  print "phone_number,name,email,instruction,call_type,channel";
  for (i = 0; i < rows; i++) printf "+1415%d%06d,Person %d,,\"Reminder %d, for tomorrow\",informational,%s\n", 2 + int(i / 1000000) % 8, i % 1000000, i, i, c[i % n + 1];
}' >"$WORK/batch.csv"
log "file: $(du -h "$WORK/batch.csv" | cut -f1); Ingress RSS before upload: $(awk '/VmRSS/ {print $2, $3}' /proc/$INGRESS_PID/status)"

start_ns=$(date +%s%N)
answer=$(curl -fsS -X POST "http://localhost:5400/batches?domain_name=$DOMAIN" -H "X-Api-Key: $ADMIN_KEY" -H 'content-type: text/csv' \
  --data-binary "@$WORK/batch.csv" --max-time 3600)
accepted_ns=$(date +%s%N)
batch_id=$(printf '%s' "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["batch_id"])')
log "202 after $(( (accepted_ns - start_ns) / 1000000 )) ms: $(printf '%s' "$answer" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["accepted_count"], "accepted,", a["rejected_count"], "rejected")')"

# Published when the batch reads `published` (every good row confirmed by the broker); done when every accepted row has
# reached Twilio (no row left received/routed/sending) or failed. Ingress's resident memory is sampled on the way.
published_ns="" rss_min="" rss_max=0
while true; do
  progress=$(curl -fs "http://localhost:5400/batches/$batch_id" -H "X-Api-Key: $ADMIN_KEY")
  rss=$(awk '/VmRSS/ {print $2}' /proc/$INGRESS_PID/status)
  [ -z "$rss_min" ] || [ "$rss" -lt "$rss_min" ] && rss_min=$rss
  [ "$rss" -gt "$rss_max" ] && rss_max=$rss
  if [ -z "$published_ns" ] && [ "$(printf '%s' "$progress" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" != publishing ]; then
    published_ns=$(date +%s%N)
    log "batch $(printf '%s' "$progress" | python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["status"], b["published_count"], "rows published", b["failure_reason"] or "")') after $(( (published_ns - start_ns) / 1000000 )) ms"
  fi
  left=$(printf '%s' "$progress" | python3 -c 'import json,sys; b=json.load(sys.stdin); s=b["statuses"]; print(b["pending_count"] + sum(v for k, v in s.items() if k in ("received", "routed", "sending")))')
  [ -n "$published_ns" ] && { [ "$UNTIL" = published ] || [ "$left" -eq 0 ]; } && break
  sleep 2
done
done_ns=$(date +%s%N)

log "statuses: $(printf '%s' "$progress" | python3 -c 'import json,sys; print(json.load(sys.stdin)["statuses"])')"
log "rows:                 $ROWS"
log "202 in:               $(( (accepted_ns - start_ns) / 1000000 )) ms"
log "all published in:     $(( (published_ns - start_ns) / 1000000 )) ms ($(( ROWS * 1000 / ((published_ns - accepted_ns) / 1000000 + 1) )) rows/s after the 202)"
[ "$UNTIL" = published ] || log "all at Twilio in:     $(( (done_ns - start_ns) / 1000000 )) ms"
log "Ingress RSS while publishing: $((rss_min / 1024))-$((rss_max / 1024)) MB (sampled every 2 s)"
names=(emulator ingress dispatcher messaging voice)
for i in "${!pids[@]}"; do
  log "peak memory ${names[$i]}: $(awk '/VmHWM/ {print $2, $3}' /proc/${pids[$i]}/status) (VmHWM, resident)"
done
