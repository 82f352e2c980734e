#!/usr/bin/env bash
# The fault suite (issue 10): N mixed requests (sms, wmsg, phone, wvoice) through Ingress, two instances of every worker,
# and during the run: each worker instance killed with kill -9 once (and restarted), PostgreSQL restarted, RabbitMQ stopped
# and started, and the emulator creating a slice of messages and calls and then timing out, dropping the connection or
# answering 500. At the end it sets the emulator's records against the database and prints: requests accepted, sends per
# request, unresolved, mismatched statuses, credits charged against what was really sent, reservations still held.
# Exit 0 only when duplicates, unresolved, mismatched, unbilled, over-billed, double-billed and held are all 0; 1 when one
# is not; 2 when the run could not be made.
#
#   bash scripts/faults.sh                       # N = 5,000
#   FAULTS_N=300 FAULTS_SUBMIT_SECONDS=40 bash scripts/faults.sh   # the small version CI runs (.ci/run)
#
# It runs its own copies of the emulator and the services (ports FAULTS_PORT_BASE.. +32, default 5600) with a broker vhost
# of their own, and its own PostgreSQL cluster (FAULTS_PG_CLUSTER, default "faults", port FAULTS_PG_PORT 5442, created
# with pg_createcluster on first use and stopped at the end), so restarting PostgreSQL does not cut off anything else on
# the machine. FAULTS_PG_CLUSTER=main restarts the machine's own cluster instead. RabbitMQ has one node per machine:
# stop_app/start_app takes it away from everyone for FAULTS_BROKER_DOWN_SECONDS (default 8). Needs root (or sudo) for
# pg_ctlcluster and rabbitmqctl, and scripts/infra.sh first.
#
# When: the RabbitMQ outage falls in the middle of the submit window (Ingress answers 503 to requests being sent; the driver
# retries them with the same body and Idempotency-Key); the kills and the PostgreSQL restart fall at 10%, 20%, ... 80% of N
# created at the emulator, so each meets work in flight however slow the machine is.
#
# Knobs: FAULTS_N (5000), FAULTS_SUBMIT_SECONDS (requests are paced evenly over this window; default N/25, at least 30), FAULTS_MIX (sms:40,wmsg:20,phone:25,wvoice:15), FAULTS_CONCURRENCY (16),
# FAULTS_TIMEOUT_EVERY / FAULTS_DROP_EVERY / FAULTS_500_EVERY (40 each: every 40th create of each resource per rule),
# FAULTS_TIMEOUT_HOLD_MS (5000), FAULTS_TWILIO_TIMEOUT (00:00:02, the workers' Twilio timeout), FAULTS_BROKER_DOWN_SECONDS
# (8), FAULTS_MAX_WAIT_SECONDS (900), FAULTS_STALL_SECONDS (120), FAULTS_EMULATOR_STEP_MS (20), FAULTS_PG_POOL (20).
set -euo pipefail
cd "$(dirname "$0")/.."

N="${FAULTS_N:-5000}"
SUBMIT_SECONDS="${FAULTS_SUBMIT_SECONDS:-$(( N / 25 > 30 ? N / 25 : 30 ))}"
PORT="${FAULTS_PORT_BASE:-5600}"
PG_CLUSTER="${FAULTS_PG_CLUSTER:-faults}"
PG_USER="${AVENTORA_PG_USER:-aventora}" PG_PASSWORD="${AVENTORA_PG_PASSWORD:-aventora}"
MQ_USER="${AVENTORA_MQ_USER:-aventora}" MQ_PASSWORD="${AVENTORA_MQ_PASSWORD:-aventora}"
BROKER_DOWN="${FAULTS_BROKER_DOWN_SECONDS:-8}"
RUN_ID="$(date +%s)$$"
DB="aventora_faults_$RUN_ID" VHOST="aventora-faults-$RUN_ID"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
LOGS=".run/faults/logs-$STAMP"
ADMIN_KEY="faults-admin-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '[faults] %s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
mq() { curl -fsS -u "$MQ_USER:$MQ_PASSWORD" -H 'content-type: application/json' "$@"; }

[[ "$N" =~ ^[0-9]+$ ]] && (( N > 0 )) || { log "FAULTS_N must be a positive whole number (got '$N')"; exit 2; }
pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
[ -n "$pg_version" ] || { log "PostgreSQL is not installed: run scripts/infra.sh first"; exit 2; }
mq http://localhost:15672/api/overview >/dev/null 2>&1 || { log "RabbitMQ's management API is not reachable at localhost:15672: run scripts/infra.sh first"; exit 2; }
for p in "$PORT" $((PORT + 4)) $((PORT + 11)) $((PORT + 12)) $((PORT + 21)) $((PORT + 22)) $((PORT + 31)) $((PORT + 32)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then log "port $p is in use: set FAULTS_PORT_BASE to the start of a free range of 33 ports"; exit 2; fi
done

# --- PostgreSQL: a cluster of the suite's own, so its restart cuts off nobody else ------------------------------------
if [ "$PG_CLUSTER" = "main" ]; then
  PG_PORT=5432
else
  PG_PORT="${FAULTS_PG_PORT:-5442}"
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$pg_version $PG_CLUSTER"; then
    log "creating PostgreSQL cluster $pg_version/$PG_CLUSTER on port $PG_PORT"
    as_root pg_createcluster "$pg_version" "$PG_CLUSTER" --port "$PG_PORT" -o max_connections=300 >/dev/null
  fi
  PG_PORT=$(pg_lsclusters -h | awk -v v="$pg_version" -v c="$PG_CLUSTER" '$1==v && $2==c {print $3}')
  if ! pg_lsclusters -h | awk -v v="$pg_version" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
    as_root pg_ctlcluster "$pg_version" "$PG_CLUSTER" start
  fi
fi
for _ in $(seq 1 30); do as_root su postgres -c "pg_isready -q -p $PG_PORT" && break; sleep 1; done
psql_su() { as_root su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -qtA -c \"$1\""; }
if [ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" != "1" ]; then
  psql_su "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" >/dev/null
fi
psql_admin() { PGPASSWORD="$PG_PASSWORD" psql -h localhost -p "$PG_PORT" -U "$PG_USER" -d postgres -Atqc "$1"; }
restart_postgres() { as_root pg_ctlcluster "$pg_version" "$PG_CLUSTER" restart; }

# --- processes -------------------------------------------------------------------------------------------------------
declare -A pid_of port_of project_of
cleanup() {
  local code=$?
  # Interrupted during the broker outage: give the machine its broker back.
  [ -f "${broker_marker:-/nonexistent}" ] && { as_root rabbitmqctl -q start_app >/dev/null 2>&1 || true; }
  [ -n "${driver_pid:-}" ] && kill "$driver_pid" 2>/dev/null || true
  for name in "${!pid_of[@]}"; do kill "${pid_of[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  mq -X DELETE "http://localhost:15672/api/vhosts/$VHOST" >/dev/null 2>&1 || true
  [ "$PG_CLUSTER" != "main" ] && { as_root pg_ctlcluster "$pg_version" "$PG_CLUSTER" stop >/dev/null 2>&1 || true; }
  log "service logs kept in $LOGS"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building (Release)"
for p in TwilioEmulator Ingress.Api Dispatcher.Worker Messaging.Worker Voice.Worker; do
  dotnet build "src/$p" -c Release -nologo -v quiet >/dev/null
done
dotnet build tests/Aventora.Faults -c Release -nologo -v quiet >/dev/null

mkdir -p "$LOGS"
psql_admin "CREATE DATABASE $DB" >/dev/null
mq -X PUT -d '{}' "http://localhost:15672/api/vhosts/$VHOST" >/dev/null
mq -X PUT -d '{"configure":".*","write":".*","read":".*"}' "http://localhost:15672/api/permissions/$VHOST/$MQ_USER" >/dev/null

export Postgres__ConnectionString="Host=localhost;Port=$PG_PORT;Database=$DB;Username=$PG_USER;Password=$PG_PASSWORD;Maximum Pool Size=${FAULTS_PG_POOL:-20}"
export RabbitMq__VirtualHost="$VHOST" RabbitMq__Username="$MQ_USER" RabbitMq__Password="$MQ_PASSWORD"
export Ingress__PublicBaseUrl="http://localhost:$PORT" Twilio__ApiBaseUrl="http://localhost:$((PORT + 4))" Admin__ApiKey="$ADMIN_KEY"
export EmailPull__Enabled=false Serilog__MinimumLevel__Default=Warning
# The data-protection keys every service of this run shares (auth tokens are encrypted at rest); dropped with the logs' run.
export DataProtection__KeysFolder="$PWD/$LOGS/keys"
mkdir -p "$DataProtection__KeysFolder"
# Sender pacing would hold the emulator to Twilio's per-number rates; the fault suite measures integrity, not pace.
export Pacing__Enabled=false
# Short reconciler times, so what faults leave open is settled within the run (production defaults are minutes).
export Reconciler__Interval=00:00:01 Reconciler__UnconfirmedAfter=00:00:02 Reconciler__StuckSendingAfter=00:00:10 \
  Reconciler__GiveUpAfter=00:01:00 Reconciler__QuietAfter=00:00:20 Reconciler__ReservationSweepAfter=00:00:10
export Twilio__Timeout="${FAULTS_TWILIO_TIMEOUT:-00:00:02}"

start() { # name project port [args...]   (restarting a name appends to its log)
  local name=$1 project=$2 port=$3; shift 3
  # Outbound's decisions (recorded, left to the reconciler, settled) at Information: the evidence if a count is not 0.
  env 'Serilog__MinimumLevel__Override__Aventora.Outbound=Information' \
    dotnet "src/$project/bin/Release/net10.0/Aventora.${project}.dll" --urls "http://localhost:$port" --contentRoot "$PWD/src/$project" "$@" \
    >>"$LOGS/$name.log" 2>&1 &
  pid_of[$name]=$! port_of[$name]=$port project_of[$name]=$project
}
ready() { # port
  for _ in $(seq 1 120); do curl -fs "http://localhost:$1/health/ready" >/dev/null && return 0; sleep 1; done
  log "the service on port $1 did not become ready; the logs:"; tail -n 30 "$LOGS"/*.log >&2; exit 2
}
# The suite stands in for a supervisor (systemd, a container's restart policy): an instance that exits on its own, such as one
# starting while PostgreSQL restarts, is started again and the fact is logged, as an operator would see it.
declare -A killing
supervise() {
  local name
  for name in "${!pid_of[@]}"; do
    [ -n "${killing[$name]:-}" ] && continue
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
      log "$name (pid ${pid_of[$name]}) exited on its own (see $LOGS/$name.log); starting it again"
      echo "---- exited on its own at $(date -u +%H:%M:%S), restarted ----" >>"$LOGS/$name.log"
      start "$name" "${project_of[$name]}" "${port_of[$name]}"
    fi
  done
}
kill_and_restart() { # name
  local name=$1
  log "kill -9 $name (pid ${pid_of[$name]}), then start it again"
  killing[$name]=1
  kill -9 "${pid_of[$name]}" 2>/dev/null || true
  wait "${pid_of[$name]}" 2>/dev/null || true
  unset 'killing[$name]'
  echo "---- killed with kill -9 at $(date -u +%H:%M:%S), restarted ----" >>"$LOGS/$name.log"
  start "$name" "${project_of[$name]}" "${port_of[$name]}"
}

log "starting the emulator, Ingress and two instances of each worker (database $DB on cluster $pg_version/$PG_CLUSTER, vhost $VHOST)"
start emulator TwilioEmulator $((PORT + 4)) --Emulator:StepDelayMs "${FAULTS_EMULATOR_STEP_MS:-20}" --Logging:LogLevel:Default Warning
start ingress Ingress.Api "$PORT"
ready "$PORT" # Ingress has applied the migrations; the workers find them done
for i in 1 2; do
  start "dispatcher-$i" Dispatcher.Worker $((PORT + 10 + i))
  start "messaging-$i" Messaging.Worker $((PORT + 20 + i))
  start "voice-$i" Voice.Worker $((PORT + 30 + i))
done
for i in 1 2; do ready $((PORT + 10 + i)); ready $((PORT + 20 + i)); ready $((PORT + 30 + i)); done
for _ in $(seq 1 30); do curl -fs "http://localhost:$((PORT + 4))/_emulator/accounts" >/dev/null && break; sleep 1; done

submitting="$LOGS/submitting" chaos_done="$LOGS/chaos-done"
FAULTS_INGRESS_URL="http://localhost:$PORT/" FAULTS_EMULATOR_URL="http://localhost:$((PORT + 4))/" FAULTS_ADMIN_KEY="$ADMIN_KEY" \
FAULTS_POSTGRES="Host=localhost;Port=$PG_PORT;Database=$DB;Username=$PG_USER;Password=$PG_PASSWORD;Maximum Pool Size=4" \
FAULTS_RUN_ID="$RUN_ID" FAULTS_N="$N" FAULTS_SUBMIT_SECONDS="$SUBMIT_SECONDS" FAULTS_TIMEOUT_HOLD_MS="${FAULTS_TIMEOUT_HOLD_MS:-5000}" \
FAULTS_SUBMITTING_FILE="$submitting" FAULTS_CHAOS_DONE_FILE="$chaos_done" FAULTS_MAX_WAIT_SECONDS="${FAULTS_MAX_WAIT_SECONDS:-900}" \
FAULTS_BILLING_SETTINGS="src/Dispatcher.Worker/appsettings.json" \
  dotnet tests/Aventora.Faults/bin/Release/net10.0/Aventora.Faults.dll &
driver_pid=$!

# --- the faults -----------------------------------------------------------------------------------------------------
# The broker outage falls in the middle of the submit window, so Ingress answers 503 to requests being sent and the workers
# lose their connections mid-flow. The kills and the PostgreSQL restart fall by progress (creations at the emulator as a
# share of N), so each meets work in flight however slowly the machine runs; a stalled run falls back to the clock.
for _ in $(seq 1 120); do [ -f "$submitting" ] && break; kill -0 "$driver_pid" 2>/dev/null || break; sleep 1; done
[ -f "$submitting" ] || { log "the driver did not start sending"; wait "$driver_pid" || true; exit 2; }
t0=$(date +%s)
broker_marker="$LOGS/broker-stopped"
(
  while [ "$(date +%s)" -lt $(( t0 + SUBMIT_SECONDS / 2 )) ]; do sleep 0.5; done
  log "stopping RabbitMQ for $BROKER_DOWN s (rabbitmqctl stop_app)"
  touch "$broker_marker"; as_root rabbitmqctl -q stop_app >/dev/null
  sleep "$BROKER_DOWN"
  as_root rabbitmqctl -q start_app >/dev/null; rm -f "$broker_marker"
  as_root rabbitmqctl -q await_startup --timeout 120 >/dev/null || true
  log "RabbitMQ is back"
) &
broker_job=$!
created() {
  curl -fs "http://localhost:$((PORT + 4))/_emulator/stats?duplicates=0" 2>/dev/null \
    | grep -oE '"created": ?[0-9]+' | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}'
}
at() { # percent of N created, or the clock's fallback
  local want=$(( N * $1 / 100 )) deadline=$(( t0 + 2 * SUBMIT_SECONDS * $1 / 100 + 60 ))
  while [ "$(created)" -lt "$want" ] && [ "$(date +%s)" -lt "$deadline" ]; do supervise; sleep 1; done
  log "at $(created) of $N created:"
}
at 10; kill_and_restart dispatcher-1
at 20; kill_and_restart messaging-1
at 30; kill_and_restart voice-1
at 45; log "restarting PostgreSQL ($pg_version/$PG_CLUSTER)"; restart_postgres; log "PostgreSQL is back"
at 60; kill_and_restart dispatcher-2
at 70; kill_and_restart messaging-2
at 80; kill_and_restart voice-2
wait "$broker_job" || true
log "every fault injected"
touch "$chaos_done"

while kill -0 "$driver_pid" 2>/dev/null; do supervise; sleep 2; done
set +e
wait "$driver_pid"
code=$?
driver_pid=""
set -e

# MassTransit's own meters as an operator scrapes them from each worker process (in-process test hosts cannot show them: MassTransit
# binds its meters to a process's first bus). Messages consumed must be counted; retries and faults are shown. A kill resets a
# process's counters, so the figure is what the current processes counted since they started.
mt_sum() { # metric: its samples summed over the six workers
  local port total=0 value
  for port in $((PORT + 11)) $((PORT + 12)) $((PORT + 21)) $((PORT + 22)) $((PORT + 31)) $((PORT + 32)); do
    value=$(curl -fs "http://localhost:$port/metrics" 2>/dev/null \
      | awk -v m="$1" 'index($0, m "{") == 1 { v = $0; sub(/^.*\} /, "", v); split(v, a, " "); s += a[1] }
                       index($0, m " ") == 1 { s += $2 } END { printf "%d", s }')   # name{labels} value [timestamp]
    total=$(( total + ${value:-0} ))
  done
  echo "$total"
}
consumed=$(mt_sum messaging_masstransit_consume_ea_total)
log "MassTransit meters on the workers: consumed $consumed, retries $(mt_sum messaging_masstransit_consume_retries_ea_total), faults $(mt_sum messaging_masstransit_consume_errors_ea_total)"
if [ "$consumed" -eq 0 ]; then
  log "FAIL: the workers' /metrics count no consumed message (messaging_masstransit_consume_ea_total): MassTransit's meters are not exported"
  [ "$code" -eq 0 ] && code=1
fi
exit "$code"
