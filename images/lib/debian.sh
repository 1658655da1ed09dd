# Sourced by recipes that build a Debian rootfs. Reads the Debian mirror from this host's apt configuration
# (or DEBIAN_MIRROR), so recipes work wherever apt works, behind whatever mirror or proxy apt is set up with.
: "${DEBIAN_SUITE:=bookworm}"
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/host-packages.sh"

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(
    { awk '/^URIs:/ {u=$2} /^Suites:/ && / '"$DEBIAN_SUITE"'( |$)/ && u !~ /security/ {print u; exit}' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null
      awk '$1 == "deb" && $3 == "'"$DEBIAN_SUITE"'" {print $2; exit}' /etc/apt/sources.list 2>/dev/null
    } | head -n 1
  )
  if [ -z "$uri" ]; then
    echo "no Debian mirror for '$DEBIAN_SUITE' in /etc/apt/sources.list*: set DEBIAN_MIRROR=<mirror URL>" >&2
    return 1
  fi
  echo "$uri"
}

require_host_tools() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "    installing host tools from Debian: ${missing[*]}"
    install_host_packages "${missing[@]}"
  else
    echo "the image recipe needs these tools on the host: ${missing[*]} (Debian: apt-get install ${missing[*]})" >&2
    return 1
  fi
}

# debian_rootfs DIR PACKAGES...: a minbase rootfs with the packages, .debs cached across builds in CACHE_DIR.
debian_rootfs() {
  local dir=$1; shift
  local includes; includes=$(IFS=,; echo "$*")
  local mirror; mirror=$(debian_mirror)
  mkdir -p "$CACHE_DIR/debs"
  rm -rf "$dir"
  debootstrap --variant=minbase --cache-dir="$CACHE_DIR/debs" ${includes:+--include="$includes"} \
    "$DEBIAN_SUITE" "$dir" "$mirror"
}

# slim_rootfs DIR: drop what a container never reads (docs, man pages, locales, apt lists and caches).
slim_rootfs() {
  local dir=$1
  rm -rf "$dir"/usr/share/{doc,man,info,locale,lintian,linda} "$dir"/var/cache/apt/* "$dir"/var/lib/apt/lists/* \
    "$dir"/var/cache/debconf/*-old "$dir"/var/log/*
  mkdir -p "$dir/usr/share/locale"
}

# import_rootfs DIR TAG CHANGES...: turn a rootfs folder into a local image (docker import with Dockerfile changes).
import_rootfs() {
  local dir=$1 tag=$2; shift 2
  local changes=()
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
}
