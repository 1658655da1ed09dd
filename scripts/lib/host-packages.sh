# Sourced by scripts/prepare-host.sh and images/lib/debian.sh: Debian packages installed on the host.
# Image builds run side by side (the node and redis recipes both want debootstrap), so every install takes one lock
# of ours around apt (update and install), and waits for dpkg's own lock (another apt, unattended-upgrades) instead
# of failing on it.
: "${KMS_APT_LOCK:=/var/lock/kube-microservices-suite-apt.lock}"
: "${KMS_APT_LOCK_TIMEOUT:=1200}"

_apt() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$KMS_APT_LOCK_TIMEOUT" "$@"; }

# with_apt_lock COMMAND ARGS...: runs the command while holding the suite's apt lock.
with_apt_lock() {
  (
    if ! flock -w "$KMS_APT_LOCK_TIMEOUT" 9; then
      echo "host-packages: waited ${KMS_APT_LOCK_TIMEOUT}s for $KMS_APT_LOCK (another install of the suite's still running?)" >&2
      exit 1
    fi
    "$@"
  ) 9>"$KMS_APT_LOCK"
}

_install_missing() {
  local missing=() pkg
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0 # installed meanwhile by whoever held the lock before us
  _apt update -qq >/dev/null
  _apt install -y -qq "${missing[@]}" >/dev/null
}

# install_host_packages PACKAGE...: installs those not installed yet. Safe to call from several processes at once.
install_host_packages() { with_apt_lock _install_missing "$@"; }

# download_host_package DIR PACKAGE: the package's .deb into DIR (apt-get download), refreshing the lists once if needed.
download_host_package() {
  local dir=$1 pkg=$2
  with_apt_lock bash -c 'cd "$1" && { apt-get download "$2" 2>/dev/null || { apt-get update -qq && apt-get download "$2"; }; }' _ "$dir" "$pkg"
}
