#!/usr/bin/env bash
# The ingress controller for the offline cluster: Traefik, built from the Go module proxy, in a FROM-scratch image.
#   - `go build ./cmd/traefik` in a writable copy of github.com/traefik/traefik/v3 at recipe.json's version, with
#     the ldflags of Traefik's own release (version, codename, date);
#   - the binary is cached in CACHE_DIR, keyed by the Go toolchain, this build function and the version: a recipe
#     change that does not touch them (or a lost image) rebuilds the image in seconds;
#   - the image holds /traefik (its entrypoint, as in the upstream image, so `args:` work with both) and /tmp.
# Env (images/resolve.ts): IMAGE_TAG, WORK_DIR, CACHE_DIR, LOG_DIR, IMAGE_NAME.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/steps.sh"
source "$here/../lib/debian.sh"

recipe_field() { sed -n "s/.*\"$1\": \"\([^\"]*\)\".*/\1/p" "$here/recipe.json"; }
TRAEFIK_VERSION=$(recipe_field version)
TRAEFIK_CODENAME=$(recipe_field codename)
module=github.com/traefik/traefik/v3
bin="$WORK_DIR/bin"
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

# Cold: ~6.5 min on 2 idle cores, ~3 GB peak RSS (downloads included); the module's go.mod needs no rewrite.
compile_traefik() {
  local out=$1 src="$WORK_DIR/traefik-src" dir pkg="$module/pkg/version"
  dir=$(go mod download -json "$module@$TRAEFIK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "go mod download $module@$TRAEFIK_VERSION gave no module dir" >&2; return 1; }
  rm -rf "$src" && mkdir -p "$src" && cp -r "$dir"/. "$src"/ && chmod -R u+w "$src"
  (cd "$src" && go build -trimpath \
    -ldflags "-s -w -X $pkg.Version=$TRAEFIK_VERSION -X $pkg.Codename=$TRAEFIK_CODENAME -X $pkg.BuildDate=1970-01-01T00:00:00Z" \
    -o "$out/traefik" ./cmd/traefik)
  rm -rf "$src"
}

# cached_build: reuse CACHE_DIR/bin/traefik-KEY/traefik when present, else compile it there (older keys removed).
cached_build() {
  local key dir out
  key=$({ go version; declare -f compile_traefik; echo "$TRAEFIK_VERSION $TRAEFIK_CODENAME"; } | sha256sum | cut -c1-16)
  dir="$CACHE_DIR/bin/traefik-$key"
  if [ -x "$dir/traefik" ]; then
    echo "reusing $dir/traefik"
  else
    out="$dir.partial"
    rm -rf "$out" && mkdir -p "$out"
    compile_traefik "$out"
    local old # older builds are stale (the glob also matches $out, traefik-KEY.partial: spare it)
    for old in "$CACHE_DIR"/bin/traefik-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
    mv "$out" "$dir"
  fi
  mkdir -p "$bin" && cp "$dir/traefik" "$bin/traefik"
  "$bin/traefik" version
  ls -l "$bin/traefik"
}

import_traefik() {
  local rootfs="$WORK_DIR/rootfs" old
  rm -rf "$rootfs" && mkdir -p "$rootfs/tmp" && chmod 1777 "$rootfs/tmp"
  install -m 755 "$bin/traefik" "$rootfs/traefik"
  old=$(docker image inspect -f '{{.Id}}' "$IMAGE_TAG" 2>/dev/null || true)
  import_rootfs "$rootfs" "$IMAGE_TAG" 'EXPOSE 80' 'ENTRYPOINT ["/traefik"]'
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$IMAGE_TAG")" ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
  echo "$IMAGE_TAG: $(docker image inspect -f '{{.Size}}' "$IMAGE_TAG" | awk '{printf "%.0f MB", $1 / 1e6}')"
}

step "check host tools" require_host_tools go docker
step "Traefik $TRAEFIK_VERSION from the Go module proxy (cold: ~6.5 min, ~3 GB RAM)" cached_build
step "import as $IMAGE_TAG (FROM scratch)" import_traefik
steps_summary
