#!/bin/bash
# Like the upstream postgres image's docker-entrypoint.sh, for what this suite uses: on first start (no
# $PGDATA/PG_VERSION) initdb with POSTGRES_USER/POSTGRES_PASSWORD, create POSTGRES_DB on a server that listens on
# the Unix socket only, run /docker-entrypoint-initdb.d/*.sql|*.sh, stop it; then exec postgres listening on all
# addresses with password (scram-sha-256) authentication. Runs as whatever non-root user the container runs as.
# As upstream, each of POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB and POSTGRES_INITDB_ARGS may instead come from
# a file named by <VAR>_FILE (a mounted Secret); the password never reaches the server's environment.
set -Eeuo pipefail

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) entrypoint: $*"; }

# file_env VAR [DEFAULT]: VAR from the environment, or the content of the file $VAR_FILE (not both), else DEFAULT.
file_env() {
  local var=$1 file_var="$1_FILE" value=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    echo "entrypoint: both $var and $file_var are set; set one of them" >&2
    exit 1
  fi
  if [ -n "${!var:-}" ]; then
    value=${!var}
  elif [ -n "${!file_var:-}" ]; then
    [ -r "${!file_var}" ] || { echo "entrypoint: $file_var names ${!file_var}, which cannot be read" >&2; exit 1; }
    value=$(<"${!file_var}")
  fi
  unset "$file_var"
  printf -v "$var" '%s' "$value"
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi
shift

: "${PGDATA:=/var/lib/postgresql/data}"
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
file_env POSTGRES_PASSWORD
export PGDATA POSTGRES_USER POSTGRES_DB
export -n POSTGRES_PASSWORD

if [ "$(id -u)" = 0 ]; then
  echo "entrypoint: refusing to run PostgreSQL as root; run the container as a non-root user (the image's default is 1000)" >&2
  exit 1
fi

# A volume mounted at PGDATA's parent may be owned by another user: PGDATA itself must be ours, mode 0700.
mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || true

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "entrypoint: the database is uninitialized and neither POSTGRES_PASSWORD nor POSTGRES_PASSWORD_FILE is set" >&2
    exit 1
  fi
  log "initializing the database in $PGDATA for user $POSTGRES_USER"
  pwfile=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" ${POSTGRES_INITDB_ARGS:-}
  rm -f "$pwfile"
  printf '\n# Container default: any address, with a password.\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"

  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
      *.sql) log "running $file"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$file" ;;
      *.sh) log "running $file"; . "$file" ;;
      *) [ -e "$file" ] && log "ignoring $file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  log "PostgreSQL init process complete; ready for start up."
fi

unset POSTGRES_PASSWORD
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql "$@"
