# Sourced by every image recipe (images/<name>/build.sh). Gives progress and failure reporting:
#   step "what it does" command args...   runs the command with its output in a log file, prints
#                                          "==> [name] what it does" and a heartbeat with the elapsed time,
#                                          and on failure names the step and prints the log's tail.
# Expects IMAGE_NAME (for the prefix) and LOG_DIR (where step logs go) in the environment; both have defaults.
set -euo pipefail
: "${IMAGE_NAME:=image}"
: "${LOG_DIR:=$(mktemp -d)}"
mkdir -p "$LOG_DIR"
_steps_started=$(date +%s)
_step_no=0

_elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

step() {
  local title=$1; shift
  _step_no=$((_step_no + 1))
  local log="$LOG_DIR/$(printf '%02d' "$_step_no")-$(echo "$title" | tr -cs 'A-Za-z0-9' '-' | cut -c1-40).log"
  local started; started=$(date +%s)
  echo "==> [$IMAGE_NAME] $title"
  ( "$@" ) >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( ($(date +%s) - started) % 30 == 0 )); then
      echo "    [$IMAGE_NAME] still running: $title ($(_elapsed "$started"))"
    fi
  done
  if wait "$pid"; then
    echo "    [$IMAGE_NAME] done: $title ($(_elapsed "$started"))"
  else
    local rc=$?
    echo "!!! [$IMAGE_NAME] step failed (exit $rc): $title after $(_elapsed "$started")" >&2
    echo "!!! last lines of $log:" >&2
    tail -n 40 "$log" | sed 's/^/    /' >&2
    exit "$rc"
  fi
}

steps_summary() { echo "==> [$IMAGE_NAME] built in $(_elapsed "$_steps_started")"; }
