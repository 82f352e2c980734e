#!/usr/bin/env bash
# Installs (from Debian's packages) and starts RabbitMQ and PostgreSQL on this machine, idempotently,
# and creates the database, user and broker account Aventora uses. Safe to run again and again.
# Where a Docker engine is present, `docker compose up` is the other way (see README).
set -euo pipefail

PG_USER="${AVENTORA_PG_USER:-aventora}"
PG_PASSWORD="${AVENTORA_PG_PASSWORD:-aventora}"
PG_DB="${AVENTORA_PG_DB:-aventora}"
MQ_USER="${AVENTORA_MQ_USER:-aventora}"
MQ_PASSWORD="${AVENTORA_MQ_PASSWORD:-aventora}"
MQ_VHOST="${AVENTORA_MQ_VHOST:-aventora}"

log() { printf '[infra] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
if [ "${AVENTORA_WITH_IMAP:-0}" = "1" ] && ! command -v dovecot >/dev/null 2>&1; then need+=(dovecot-imapd); fi
# Debian's Chromium, for the admin console's browser tests (Playwright drives it; its own browser download is never used).
if [ "${AVENTORA_WITH_BROWSER:-0}" = "1" ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} from Debian's packages"
  as_root apt-get update -qq
  # policy-rc.d may forbid starting services from the package scripts; we start them ourselves below.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- PostgreSQL -------------------------------------------------------------------------------
pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$pg_version main"; then
  log "creating PostgreSQL $pg_version cluster"
  as_root pg_createcluster "$pg_version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  log "starting PostgreSQL $pg_version"
  as_root pg_ctlcluster "$pg_version" main start
fi
for _ in $(seq 1 30); do as_root su postgres -c "cd / && pg_isready -q" && break; sleep 1; done
psql_su() { as_root su postgres -c "cd / && psql -v ON_ERROR_STOP=1 -qtA -c \"$1\""; }
# The connection budget (README): every process's pool (Postgres:MaxPoolSize, 20 by default) must fit under max_connections with
# headroom. PostgreSQL's default of 100 is too small for the system plus a test run or a benchmark with two instances of every worker.
PG_MAX_CONNECTIONS="${AVENTORA_PG_MAX_CONNECTIONS:-400}"
if [ "$(psql_su "SHOW max_connections")" -lt "$PG_MAX_CONNECTIONS" ]; then
  log "raising PostgreSQL max_connections to $PG_MAX_CONNECTIONS (restart)"
  psql_su "ALTER SYSTEM SET max_connections = $PG_MAX_CONNECTIONS"
  as_root pg_ctlcluster "$pg_version" main restart
  for _ in $(seq 1 30); do as_root su postgres -c "cd / && pg_isready -q" && break; sleep 1; done
fi
if [ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" != "1" ]; then
  log "creating PostgreSQL role $PG_USER"
  psql_su "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_su "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" != "1" ]; then
  log "creating database $PG_DB"
  psql_su "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi

# --- RabbitMQ ---------------------------------------------------------------------------------
if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
  log "starting RabbitMQ"
  as_root rabbitmq-plugins --offline enable rabbitmq_management >/dev/null
  as_root rabbitmq-server -detached >/dev/null 2>&1 || true
fi
# -detached returns before the node answers: wait for it to come up, then for its apps to boot.
for _ in $(seq 1 90); do as_root rabbitmqctl -q ping >/dev/null 2>&1 && break; sleep 1; done
as_root rabbitmqctl -q await_startup --timeout 120 >/dev/null
as_root rabbitmq-plugins -q enable rabbitmq_management >/dev/null
if ! as_root rabbitmqctl -q list_users | awk '{print $1}' | grep -qx "$MQ_USER"; then
  log "creating RabbitMQ user $MQ_USER"
  as_root rabbitmqctl -q add_user "$MQ_USER" "$MQ_PASSWORD" >/dev/null
  as_root rabbitmqctl -q set_user_tags "$MQ_USER" administrator >/dev/null
fi
if ! as_root rabbitmqctl -q list_vhosts | grep -qx "$MQ_VHOST"; then
  as_root rabbitmqctl -q add_vhost "$MQ_VHOST" >/dev/null
fi
as_root rabbitmqctl -q set_permissions -p "$MQ_VHOST" "$MQ_USER" '.*' '.*' '.*' >/dev/null
for _ in $(seq 1 60); do curl -fsS -u "$MQ_USER:$MQ_PASSWORD" http://localhost:15672/api/overview >/dev/null 2>&1 && break; sleep 1; done

# --- Dovecot (IMAP, for the email-pull tests; only with AVENTORA_WITH_IMAP=1) ----------------------
# A config of its own under $IMAP_DIR (the system's /etc/dovecot is left alone), on loopback only, plaintext login allowed
# there, users in a passwd-file, maildirs under $IMAP_DIR/mail owned by nobody. Started directly (no systemd here).
IMAP_DIR="${AVENTORA_IMAP_DIR:-/var/tmp/aventora-dovecot}"
IMAP_PORT="${AVENTORA_IMAP_PORT:-1143}"
IMAP_USER="${AVENTORA_IMAP_USER:-aventora-test}"
IMAP_PASSWORD="${AVENTORA_IMAP_PASSWORD:-aventora-test}"
if [ "${AVENTORA_WITH_IMAP:-0}" = "1" ]; then
  as_root mkdir -p "$IMAP_DIR/run" "$IMAP_DIR/state" "$IMAP_DIR/mail"
  as_root chown nobody:nogroup "$IMAP_DIR/mail"
  as_root tee "$IMAP_DIR/users" >/dev/null <<USERS
$IMAP_USER:{PLAIN}$IMAP_PASSWORD::::::
$IMAP_USER-2:{PLAIN}$IMAP_PASSWORD::::::
USERS
  as_root chown root:dovecot "$IMAP_DIR/users" && as_root chmod 640 "$IMAP_DIR/users"
  as_root tee "$IMAP_DIR/dovecot.conf" >/dev/null <<CONF
# Written by scripts/infra.sh for Aventora's tests: loopback only, not for real mail.
protocols = imap
listen = 127.0.0.1
base_dir = $IMAP_DIR/run
state_dir = $IMAP_DIR/state
log_path = $IMAP_DIR/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $IMAP_DIR/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$IMAP_DIR/mail/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
CONF
  if [ -f "$IMAP_DIR/run/master.pid" ] && as_root kill -0 "$(cat "$IMAP_DIR/run/master.pid")" 2>/dev/null; then
    as_root dovecot -c "$IMAP_DIR/dovecot.conf" reload
  else
    log "starting Dovecot on 127.0.0.1:$IMAP_PORT"
    # Its own stdio closed, so a caller's pipe is not held open by the daemon; config errors land in startup.log.
    as_root dovecot -c "$IMAP_DIR/dovecot.conf" </dev/null >/dev/null 2>"$IMAP_DIR/startup.log" || { cat "$IMAP_DIR/startup.log" >&2; exit 1; }
  fi
  for _ in $(seq 1 30); do (exec 3<>"/dev/tcp/127.0.0.1/$IMAP_PORT") 2>/dev/null && break; sleep 0.5; done
  log "IMAP:       127.0.0.1:$IMAP_PORT users $IMAP_USER, $IMAP_USER-2 (AVENTORA_TEST_IMAP=127.0.0.1:$IMAP_PORT)"
fi

log "PostgreSQL: Host=localhost;Port=5432;Database=$PG_DB;Username=$PG_USER"
log "RabbitMQ:   amqp://$MQ_USER@localhost:5672/$MQ_VHOST (management on http://localhost:15672)"
