#!/usr/bin/env bash
# The benchmark (not part of the test suite). One run on this machine measures the broker's own ceiling, Ingress
# under fixed concurrency, N requests end to end with an integrity check against the Twilio emulator's records, and one
# CSV batch with every process's peak memory; it prints a Markdown table and writes .run/bench/bench-<time>.json.
# It runs its own copies of the emulator and the services (ports 5500-5539) with a database and broker vhost of their
# own, dropped at the end, so it neither disturbs nor is disturbed by a running system. Needs scripts/infra.sh first.
#
#   bash scripts/bench.sh                                   # full size
#   BENCH_N=2000 BENCH_ROWS=5000 BENCH_SECONDS=10 bash scripts/bench.sh
#   BENCH_INSTANCES=2 bash scripts/bench.sh                 # two of every worker: scale-out, same integrity
#   BENCH_SKIP=broker,csv bash scripts/bench.sh             # only some phases (broker, ingress, e2e, csv)
#   BENCH_FLOOD=1 BENCH_SKIP=broker,ingress,e2e,csv bash scripts/bench.sh   # the flood phase alone (left out by default)
#
# Knobs: BENCH_N (20000), BENCH_SECONDS (20), BENCH_CONCURRENCY (64), BENCH_ROWS (100000), BENCH_INSTANCES (1),
# BENCH_SKIP, BENCH_MIX (sms:60,wmsg:15,phone:15,wvoice:10), BENCH_CSV_CHANNELS (sms), BENCH_EMULATOR_STEP_MS (10),
# BENCH_PG_POOL (20, lowered to fit max_connections), BENCH_MAX_WAIT_SECONDS (900), BENCH_STALL_SECONDS (60),
# BENCH_PORT_BASE (5500), BENCH_FLOOD (0), BENCH_FLOOD_SECONDS (10), BENCH_FLOOD_CONCURRENCY (16), BENCH_FLOOD_SOURCE
# (127.0.0.2). Exit 0 when every integrity check held, 1 when one failed (or the flood got a 5xx), 2 when the run could not be made.
set -euo pipefail
cd "$(dirname "$0")/.."

INSTANCES="${BENCH_INSTANCES:-1}"
PORT="${BENCH_PORT_BASE:-5500}"
STEP_MS="${BENCH_EMULATOR_STEP_MS:-10}"
ROWS="${BENCH_ROWS:-100000}"
PG_USER="${AVENTORA_PG_USER:-aventora}" PG_PASSWORD="${AVENTORA_PG_PASSWORD:-aventora}"
MQ_USER="${AVENTORA_MQ_USER:-aventora}" MQ_PASSWORD="${AVENTORA_MQ_PASSWORD:-aventora}"
RUN_ID="$(date +%s)$$"
DB="aventora_bench_$RUN_ID" VHOST="aventora-bench-$RUN_ID"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT=".run/bench" LOGS=".run/bench/logs-$STAMP"
ADMIN_KEY="bench-admin-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '[bench] %s\n' "$*" >&2; }
psql_admin() { PGPASSWORD="$PG_PASSWORD" psql -h localhost -U "$PG_USER" -d postgres -Atqc "$1"; }
mq() { curl -fsS -u "$MQ_USER:$MQ_PASSWORD" -H 'content-type: application/json' "$@"; }

[[ "$INSTANCES" =~ ^[1-8]$ ]] || { log "BENCH_INSTANCES must be 1 to 8 (got '$INSTANCES')"; exit 2; }
psql_admin 'SELECT 1' >/dev/null 2>&1 || { log "PostgreSQL is not reachable as $PG_USER@localhost: run scripts/infra.sh first"; exit 2; }
mq http://localhost:15672/api/overview >/dev/null 2>&1 || { log "RabbitMQ's management API is not reachable at localhost:15672: run scripts/infra.sh first"; exit 2; }
for p in "$PORT" $((PORT + 4)) $(for i in $(seq 1 "$INSTANCES"); do echo $((PORT + 10 + i)) $((PORT + 20 + i)) $((PORT + 30 + i)); done); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then log "port $p is in use: set BENCH_PORT_BASE to the start of a free range of 40 ports"; exit 2; fi
done

# Connection budget: every process's pool together must stay below max_connections, with room for the superuser's
# reserved slots, the connections already open (other databases on the same server), this benchmark's own reader
# and a margin. (Npgsql's default pool is 100 per process: five processes could ask for 500.)
PROCESSES=$((1 + 3 * INSTANCES))
MAX_CONNECTIONS=$(psql_admin 'SHOW max_connections')
RESERVED=$(psql_admin 'SHOW superuser_reserved_connections')
IN_USE=$(psql_admin "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
BUDGET=$(( (MAX_CONNECTIONS - RESERVED - IN_USE - 4 - 10) / PROCESSES ))
POOL="${BENCH_PG_POOL:-20}"
if (( BUDGET < POOL )); then
  log "max_connections=$MAX_CONNECTIONS with $IN_USE in use leaves $BUDGET for each of $PROCESSES processes: Maximum Pool Size lowered from $POOL to $BUDGET"
  POOL=$BUDGET
fi
(( POOL >= 2 )) || { log "max_connections=$MAX_CONNECTIONS is too small for $PROCESSES processes: raise it in postgresql.conf"; exit 2; }

pids=() names=()
cleanup() {
  local code=$?
  kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
  psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  mq -X DELETE "http://localhost:15672/api/vhosts/$VHOST" >/dev/null 2>&1 || true
  rm -rf "$PWD/.run/bench/keys-$STAMP"
  log "service logs kept in $LOGS"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building (Release)"
for p in TwilioEmulator Ingress.Api Dispatcher.Worker Messaging.Worker Voice.Worker; do
  dotnet build "src/$p" -c Release -nologo -v quiet >/dev/null || { log "building $p failed"; exit 2; }
done
dotnet build tests/Aventora.Bench -c Release -nologo -v quiet >/dev/null || { log "building the load generator failed"; exit 2; }

mkdir -p "$LOGS"
psql_admin "CREATE DATABASE $DB" >/dev/null
mq -X PUT -d '{}' "http://localhost:15672/api/vhosts/$VHOST" >/dev/null
mq -X PUT -d '{"configure":".*","write":".*","read":".*"}' "http://localhost:15672/api/permissions/$VHOST/$MQ_USER" >/dev/null

# What every service reads; nothing a user would run with is turned off. Logs at Warning so logging is not what is measured.
# BENCH_PG_SSL: Npgsql's SSL Mode for the services' connections (Prefer, the default, takes TLS when the server offers it, as
# Debian's does; Disable measures the loopback connection without it).
export Postgres__ConnectionString="Host=localhost;Port=5432;Database=$DB;Username=$PG_USER;Password=$PG_PASSWORD;Maximum Pool Size=$POOL;SSL Mode=${BENCH_PG_SSL:-Prefer}"
export RabbitMq__VirtualHost="$VHOST" RabbitMq__Username="$MQ_USER" RabbitMq__Password="$MQ_PASSWORD"
export Ingress__PublicBaseUrl="http://localhost:$PORT" Twilio__ApiBaseUrl="http://localhost:$((PORT + 4))" Admin__ApiKey="$ADMIN_KEY"
export Serilog__MinimumLevel__Default=Warning
# Sender pacing (README, "Campaign controls") would hold the emulator to Twilio's per-number rates; the benchmark measures the pipeline.
export Pacing__Enabled=false
# One Data Protection key ring for every process of the run (secrets at rest), removed with the run's database.
export DataProtection__KeysFolder="$PWD/.run/bench/keys-$STAMP"
mkdir -p "$DataProtection__KeysFolder"
# A CSV file is about 75 bytes a row: let a batch larger than the 50 MiB default through.
(( ROWS > 500000 )) && export Batches__MaxFileBytes=$(( ROWS * 100 ))

start() { # name project port [args...]
  local name=$1 project=$2 port=$3; shift 3
  dotnet "src/$project/bin/Release/net10.0/Aventora.${project}.dll" --urls "http://localhost:$port" --contentRoot "$PWD/src/$project" "$@" \
    >"$LOGS/$name.log" 2>&1 &
  pids+=($!) names+=("$name=$!")
}
ready() { # port
  for _ in $(seq 1 90); do curl -fs "http://localhost:$1/health/ready" >/dev/null && return 0; sleep 1; done
  log "the service on port $1 did not become ready; its log:"; tail -n 30 "$LOGS"/*.log >&2; exit 2
}

log "starting the emulator (step delay $STEP_MS ms), Ingress and $INSTANCES instance(s) of each worker; Maximum Pool Size=$POOL for each"
start emulator TwilioEmulator $((PORT + 4)) --Emulator:StepDelayMs "$STEP_MS" --Logging:LogLevel:Default Warning
start ingress Ingress.Api "$PORT"
ready "$PORT" # Ingress has applied the migrations; the workers find them done
for i in $(seq 1 "$INSTANCES"); do
  start "dispatcher-$i" Dispatcher.Worker $((PORT + 10 + i))
  start "messaging-$i" Messaging.Worker $((PORT + 20 + i))
  start "voice-$i" Voice.Worker $((PORT + 30 + i))
done
for i in $(seq 1 "$INSTANCES"); do ready $((PORT + 10 + i)); ready $((PORT + 20 + i)); ready $((PORT + 30 + i)); done
for _ in $(seq 1 30); do curl -fs "http://localhost:$((PORT + 4))/_emulator/accounts" >/dev/null && break; sleep 1; done

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo)
set +e
BENCH_INGRESS_URL="http://localhost:$PORT/" BENCH_EMULATOR_URL="http://localhost:$((PORT + 4))/" BENCH_ADMIN_KEY="$ADMIN_KEY" \
BENCH_POSTGRES="Host=localhost;Port=5432;Database=$DB;Username=$PG_USER;Password=$PG_PASSWORD" \
BENCH_RABBITMQ="amqp://$MQ_USER:$MQ_PASSWORD@localhost:5672/$VHOST" \
BENCH_RUN_ID="$RUN_ID" BENCH_OUTPUT="$OUT/bench-$STAMP.json" BENCH_INSTANCES="$INSTANCES" BENCH_PG_POOL="$POOL" \
BENCH_MACHINE="$(nproc) cores (${cpu:-unknown CPU}), $mem, $(uname -sr); PostgreSQL, RabbitMQ, the emulator, the services and the load generator on the same machine" \
BENCH_PROCESSES="$(IFS=,; echo "${names[*]}")" \
  dotnet tests/Aventora.Bench/bin/Release/net10.0/Aventora.Bench.dll
code=$?
set -e
exit "$code"
