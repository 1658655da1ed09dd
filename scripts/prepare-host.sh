#!/usr/bin/env bash
# Host preparation, run before `npm test` and `npm run up`: makes sure a Docker engine answers and can start the
# privileged containers a Kubernetes node needs. Quiet when all is well.
#
# As root on Debian it installs and starts what is missing (Debian's docker.io). Anywhere else it says what to do.
# Set KMS_SKIP_HOST_PREP=1 to skip it (e.g. when DOCKER_HOST points at a remote engine you manage yourself).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/host-packages.sh"
log() { echo "prepare-host: $*"; }
[ "${KMS_SKIP_HOST_PREP:-}" = 1 ] && exit 0

can_fix() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

explain_and_exit() {
  log "$1"
  cat >&2 <<'TXT'
prepare-host: the suite needs a running Docker engine (any recent Docker Engine, Docker Desktop, Colima or
prepare-host: Rancher Desktop) that can start privileged containers. Start it, check `docker info` works for this
prepare-host: user, then run the command again. On Debian as root this script installs it itself (docker.io).
TXT
  exit 1
}

# On some hosts (ours among them) the capability bounding set lacks CAP_SYS_RESOURCE, and plain runc then refuses
# every privileged container. Docker gets a runtime wrapper that drops that one capability from the OCI specs.
needs_runc_wrapper() {
  local capbnd; capbnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
  ! (( (16#$capbnd >> 24) & 1 ))
}

install_runc_wrapper() {
  cat > /usr/local/bin/runc-nosysres <<'WRAP'
#!/bin/sh
# runc wrapper: drop CAP_SYS_RESOURCE (missing from this host's bounding set) from OCI specs, then run runc.
strip() { jq "if $2 then $2 |= with_entries(.value |= map(select(. != \"CAP_SYS_RESOURCE\"))) else . end" "$1" > "$1.tmp" && mv "$1.tmp" "$1"; }
prev=""
for a in "$@"; do
  case "$prev" in
    --bundle|-b) [ -f "$a/config.json" ] && strip "$a/config.json" .process.capabilities ;;
    --process|-p) [ -f "$a" ] && strip "$a" .capabilities ;;
  esac
  case "$a" in
    --bundle=*) b="${a#--bundle=}"; [ -f "$b/config.json" ] && strip "$b/config.json" .process.capabilities ;;
    --process=*) p="${a#--process=}"; [ -f "$p" ] && strip "$p" .capabilities ;;
  esac
  prev="$a"
done
exec runc "$@"
WRAP
  chmod +x /usr/local/bin/runc-nosysres
}

configure_daemon() {
  # Published ports listen on loopback only: the suite's traffic stays on this machine.
  local want='{"ip":"127.0.0.1"}'
  if needs_runc_wrapper; then
    install_runc_wrapper
    want='{"ip":"127.0.0.1","runtimes":{"nosysres":{"path":"/usr/local/bin/runc-nosysres"}},"default-runtime":"nosysres"}'
  fi
  mkdir -p /etc/docker
  [ -f /etc/docker/daemon.json ] || echo '{}' > /etc/docker/daemon.json
  local merged; merged=$(jq -S -s '.[0] * .[1]' /etc/docker/daemon.json <(echo "$want"))
  if [ "$merged" != "$(jq -S . /etc/docker/daemon.json)" ]; then
    echo "$merged" > /etc/docker/daemon.json
    log "wrote /etc/docker/daemon.json: $(echo "$want" | jq -c .)"
    return 0
  fi
  return 1
}

start_dockerd() {
  log "starting dockerd (log: /var/log/dockerd.log)"
  # In a session of its own: Ctrl-C on the command that started it (npm run up, npm test) must not reach the engine,
  # which the cleanup after that Ctrl-C still needs.
  setsid -f dockerd >/var/log/dockerd.log 2>&1 </dev/null
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  log "dockerd did not come up; last lines of /var/log/dockerd.log:"; tail -n 20 /var/log/dockerd.log >&2
  exit 1
}

daemon_ready() { docker info >/dev/null 2>&1; }
wrapper_in_place() { ! needs_runc_wrapper || [ "$(docker info --format '{{.DefaultRuntime}}' 2>/dev/null)" = nosysres ]; }

# The browser test drives the system's Chromium (playwright-core never downloads one).
ensure_chromium() {
  [ -n "${KMS_CHROMIUM:-}" ] && return 0
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 && return 0
  if can_fix; then
    log "installing Debian's chromium for the browser test"
    install_host_packages chromium
  else
    log "no Chromium found: the browser test will fail; install Chromium or set KMS_CHROMIUM to a Chromium/Chrome executable"
  fi
}

if command -v docker >/dev/null 2>&1 && daemon_ready && wrapper_in_place; then
  [ "${KMS_PREPARE:-all}" = docker ] || ensure_chromium
  exit 0
fi

can_fix || explain_and_exit "no usable Docker engine (docker info failed, or privileged containers cannot start here) and this is not root on Debian, so nothing was changed."

if ! command -v dockerd >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  log "installing Debian's docker.io and jq"
  install_host_packages docker.io jq
fi
if configure_daemon && pid=$(pgrep -x dockerd); then
  log "restarting dockerd ($pid) to apply the configuration"
  kill "$pid"; for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
fi
daemon_ready || start_dockerd
[ "${KMS_PREPARE:-all}" = docker ] || ensure_chromium
log "docker ready: $(docker info --format '{{.ServerVersion}}, runtime {{.DefaultRuntime}}, cgroup v{{.CgroupVersion}}')"
