#!/usr/bin/env bash
# The Kubernetes node image: a drop-in for rancher/k3s under @testcontainers/k3s, built with no image registry.
#   - Kubernetes (upstream k8s.io/kubernetes from the Go module proxy), all components in one binary;
#   - containerd, runc, CNI plugins, etcd, iptables, ipset from Debian (debootstrap);
#   - kube-router's network-policy controller (Go module proxy), as k3s embeds it;
#   - CoreDNS, metrics-server (Go module proxy), pause (C, static) and a busybox test image (Debian's
#     busybox-static) as FROM-scratch images saved into the node and imported into containerd at boot;
#   - entrypoint.sh, which speaks k3s's command line.
# Env (images/resolve.ts): IMAGE_TAG, WORK_DIR (scratch), CACHE_DIR (compiled binaries, .deb files and the base
# rootfs, reused across builds), LOG_DIR, IMAGE_NAME. Pinned versions: versions.env.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/steps.sh"
source "$here/versions.env"
source "$here/../lib/debian.sh"

rootfs="$WORK_DIR/rootfs"
images="$WORK_DIR/cluster-images"
bin="$WORK_DIR/bin"
node_packages=(containerd runc containernetworking-plugins etcd-server iptables ipset conntrack tini iproute2 procps zstd)
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

# cached_build NAME KEY FUNCTION: runs FUNCTION (which writes "$out/NAME") unless CACHE_DIR has NAME for KEY.
cached_build() {
  local name=$1 key=$2 build=$3
  local dir="$CACHE_DIR/bin/$name-$key"
  mkdir -p "$bin"
  if [ -x "$dir/$name" ]; then
    echo "reusing $dir/$name"
  else
    local out="$dir.partial"
    rm -rf "$out" && mkdir -p "$out"
    "$build" "$out"
    local old # older builds of NAME are stale (the glob also matches $out, NAME-KEY.partial: spare it)
    for old in "$CACHE_DIR/bin/$name"-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
    mv "$out" "$dir"
  fi
  cp "$dir/$name" "$bin/$name"
  ls -l "$bin/$name"
}

# The base rootfs (debootstrap: network and disk) is made in the background while the compiles use the CPU.
# start_background NAME FUNCTION: output to LOG_DIR/NAME.log, exit status to WORK_DIR/NAME.rc.
start_background() {
  local name=$1
  shift
  mkdir -p "$WORK_DIR" && rm -f "$WORK_DIR/$name.rc"
  (
    set +e
    (set -e && "$@")
    echo $? >"$WORK_DIR/$name.rc"
  ) >"$LOG_DIR/$name.log" 2>&1 &
  background_pid=$!
}

# await_background NAME: waits for it, shows its log; fails if it failed.
await_background() {
  while [ ! -f "$WORK_DIR/$1.rc" ]; do sleep 1; done
  cat "$LOG_DIR/$1.log"
  [ "$(cat "$WORK_DIR/$1.rc")" = 0 ]
}

# If a step fails while the background work runs, end it (its whole process tree) with the build.
kill_tree() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap '[ -z "${background_pid:-}" ] || kill_tree "$background_pid"' EXIT

# key_of FUNCTION VERSIONS [FILE...]: a content key for a cached binary: the Go toolchain, the build function's
# own code, the versions it builds and its source files.
key_of() {
  local function=$1 versions=$2
  shift 2
  { go version; declare -f "$function"; echo "$versions"; cat "$@"; } | sha256sum | cut -c1-16
}

check_versions() {
  local recipe_version
  recipe_version=$(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "$here/recipe.json")
  if [ "$recipe_version" != "$KUBERNETES_VERSION" ]; then
    echo "recipe.json version ($recipe_version) differs from versions.env KUBERNETES_VERSION ($KUBERNETES_VERSION)" >&2
    return 1
  fi
}

# --- Kubernetes: the module's go.mod points the staging modules at ./staging (absent from the module zip);
# point them at the published modules instead, then build cmd/kms-kubernetes (kubernetes/main.go).
compile_kubernetes() {
  local out=$1 src="$WORK_DIR/kubernetes-src" module
  module=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$module" ] || { echo "go mod download k8s.io/kubernetes@$KUBERNETES_VERSION gave no module dir" >&2; return 1; }
  rm -rf "$src" && mkdir -p "$src"
  cp -r "$module"/. "$src"/ && chmod -R u+w "$src"
  rm -f "$src/go.work" "$src/go.work.sum"
  sed -i -E "s#^(\s*)(k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+\$#\1\2 => \2 $KUBERNETES_STAGING_VERSION#" "$src/go.mod"
  if grep -q '=> \./staging' "$src/go.mod"; then echo "unrewritten staging replaces left in go.mod" >&2; return 1; fi
  mkdir -p "$src/cmd/kms-kubernetes" && cp "$here"/kubernetes/*.go "$src/cmd/kms-kubernetes/"
  local v=${KUBERNETES_VERSION#v} pkg ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=${v%%.*} -X $pkg.gitMinor=$(cut -d. -f2 <<<"$v")"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$src" && go build -trimpath -tags providerless -ldflags "$ldflags" -o "$out/kms-kubernetes" ./cmd/kms-kubernetes)
  "$out/kms-kubernetes" kubectl version --client
}

# --- CoreDNS with only the plugins the Corefile uses (coredns/main.go).
compile_coredns() {
  local out=$1 src="$WORK_DIR/coredns-src"
  rm -rf "$src" && mkdir -p "$src" && cp "$here/coredns/main.go" "$src/"
  (
    cd "$src"
    go mod init kms/coredns
    go get "github.com/coredns/coredns@$COREDNS_VERSION"
    go mod tidy
    go build -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" -o "$out/coredns" .
  )
  "$out/coredns" -plugins | tr '\n' ' '
}

compile_metrics_server() {
  local out=$1 pkg=sigs.k8s.io/metrics-server
  GOBIN="$out" go install -trimpath \
    -ldflags "-s -w -X $pkg/pkg/version.gitVersion=$METRICS_SERVER_VERSION" \
    "$pkg/cmd/metrics-server@$METRICS_SERVER_VERSION"
}

# --- kube-router's network-policy controller alone (kube-router/main.go), on a Go toolchain with the standard
# library's fixes and with the dependencies govulncheck flagged raised (versions.env; README: what remains).
compile_kube_router() {
  local out=$1 src="$WORK_DIR/kube-router-src" module=github.com/cloudnativelabs/kube-router/v2
  rm -rf "$src" && mkdir -p "$src" && cp "$here/kube-router/main.go" "$src/"
  (
    cd "$src"
    export GOTOOLCHAIN=$KUBE_ROUTER_GO
    go mod init kms/kube-router
    # shellcheck disable=SC2086 # a list of module@version
    go get "$module@$KUBE_ROUTER_VERSION" $KUBE_ROUTER_RAISED
    go mod tidy
    go build -trimpath -ldflags "-s -w -X $module/pkg/version.Version=$KUBE_ROUTER_VERSION" -o "$out/kube-router" .
    go version -m "$out/kube-router" | grep -E "^\s(go|dep)\s" | grep -E "go1|kube-router|x/net|x/text"
  )
}

compile_pause() { gcc -static -Os -s -Wall -o "$bin/pause" "$here/pause/pause.c" && ls -l "$bin/pause"; }

# busybox (static) from Debian, for a test image: sh, httpd, nslookup, wget, nc...
fetch_busybox() {
  local debs="$CACHE_DIR/debs-extra"
  mkdir -p "$debs"
  if ! ls "$debs"/busybox-static_*.deb >/dev/null 2>&1; then
    download_host_package "$debs" busybox-static
  fi
  rm -rf "$WORK_DIR/busybox-deb" && dpkg-deb -x "$(ls "$debs"/busybox-static_*.deb | tail -n 1)" "$WORK_DIR/busybox-deb"
  cp "$WORK_DIR/busybox-deb/bin/busybox" "$bin/busybox"
  "$bin/busybox" | sed -n 1p # not head: busybox would die of SIGPIPE (exit 141 under pipefail)
}

# --- The images baked into the node, each FROM scratch (docker import of a tiny rootfs), saved in one tarball.
image_dir() {
  local dir="$images/$1"
  rm -rf "$dir" && mkdir -p "$dir/tmp" && chmod 1777 "$dir/tmp" && echo "$dir"
}

busybox_image() {
  local dir applet
  dir=$(image_dir busybox)
  mkdir -p "$dir/bin" "$dir/etc" "$dir/root"
  install -m 755 "$bin/busybox" "$dir/bin/busybox"
  for applet in $("$bin/busybox" --list); do [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  docker rmi "$BUSYBOX_IMAGE" >/dev/null 2>&1 || true
  import_rootfs "$dir" "$BUSYBOX_IMAGE" 'ENV PATH=/bin' 'CMD ["sh"]'
}

# binary_image TAG BINARY: an image holding one static binary as /NAME, its entrypoint.
binary_image() {
  local tag=$1 binary=$2 name dir
  name=$(basename "$binary")
  dir=$(image_dir "$name")
  install -m 755 "$binary" "$dir/$name"
  docker rmi "$tag" >/dev/null 2>&1 || true # a leftover of a failed build would stay behind untagged
  import_rootfs "$dir" "$tag" "ENTRYPOINT [\"/$name\"]"
}

build_cluster_images() {
  local tags=("$PAUSE_IMAGE" "$COREDNS_IMAGE" "$METRICS_SERVER_IMAGE" "$BUSYBOX_IMAGE")
  binary_image "$PAUSE_IMAGE" "$bin/pause"
  binary_image "$COREDNS_IMAGE" "$bin/coredns"
  binary_image "$METRICS_SERVER_IMAGE" "$bin/metrics-server"
  busybox_image
  docker save "${tags[@]}" -o "$images/kms-cluster-images.tar"
  docker rmi "${tags[@]}" >/dev/null
  ls -l "$images/kms-cluster-images.tar"
}

# --- The node's rootfs. The debootstrapped base is cached (keyed by suite and packages); Debian updates reach
# it when versions.env or the package list changes, or after `npm run images -- clean`.
base_rootfs() {
  local key cached
  key=$( (echo "$DEBIAN_SUITE ${node_packages[*]}"; cat "$here/../lib/debian.sh") | sha256sum | cut -c1-16)
  cached="$CACHE_DIR/rootfs/base-$DEBIAN_SUITE-$key.tar"
  if [ ! -f "$cached" ]; then
    debian_rootfs "$WORK_DIR/base" "${node_packages[@]}"
    mkdir -p "$CACHE_DIR/rootfs" && rm -f "$CACHE_DIR"/rootfs/base-*.tar
    tar -C "$WORK_DIR/base" -cf "$cached.partial" . && mv "$cached.partial" "$cached"
    rm -rf "$WORK_DIR/base"
  else
    echo "reusing $cached"
  fi
  rm -rf "$rootfs" && mkdir -p "$rootfs" && tar -C "$rootfs" -xf "$cached"
}

install_node() {
  local component
  install -m 755 "$bin/kms-kubernetes" "$rootfs/usr/local/bin/kms-kubernetes"
  for component in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl kubeadm kms-wait kms-join; do
    ln -sf kms-kubernetes "$rootfs/usr/local/bin/$component"
  done
  install -m 755 "$bin/kube-router" "$rootfs/usr/local/bin/kube-router"
  install -m 755 "$here/entrypoint.sh" "$rootfs/usr/local/bin/entrypoint"
  mkdir -p "$rootfs/etc/kms/addons" "$rootfs/var/lib/rancher/k3s/agent/images" "$rootfs/etc/rancher/k3s"
  install -m 644 "$here/versions.env" "$rootfs/etc/kms/versions.env"
  install -m 644 "$here/cgroup-root.sh" "$rootfs/etc/kms/cgroup-root.sh"
  sed "s|@PAUSE_IMAGE@|$PAUSE_IMAGE|g" "$here/config/containerd.toml" >"$rootfs/etc/kms/containerd.toml"
  for manifest in "$here"/addons/*.yaml; do
    sed -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@METRICS_SERVER_IMAGE@|$METRICS_SERVER_IMAGE|g" \
      -e "s|@METRIC_RESOLUTION@|$METRIC_RESOLUTION|g" "$manifest" >"$rootfs/etc/kms/addons/$(basename "$manifest")"
  done
  : >"$rootfs/etc/machine-id" # generated per container at boot
}

# The cluster images go straight into containerd's content store (not unpacked): nothing to import at boot.
# containerd runs in a chroot of the rootfs, in a private mount namespace (its /proc mount goes with it).
preload_images() {
  local state=/run/kms-build-containerd
  install -m 644 "$here/config/containerd-build.toml" "$rootfs/tmp/containerd-build.toml"
  ln "$images/kms-cluster-images.tar" "$rootfs/tmp/kms-cluster-images.tar" 2>/dev/null ||
    cp "$images/kms-cluster-images.tar" "$rootfs/tmp/kms-cluster-images.tar"
  rm -rf "$rootfs/var/lib/containerd" "$rootfs$state"
  unshare -m -- sh -euc '
    rootfs=$1 state=$2
    mount -t proc proc "$rootfs/proc"
    chroot "$rootfs" /usr/bin/containerd --config /tmp/containerd-build.toml >"$rootfs/tmp/containerd.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [ -S "$rootfs$state/containerd.sock" ] && break; sleep 0.1; done
    ctr() { chroot "$rootfs" /usr/bin/ctr --address "$state/containerd.sock" -n k8s.io "$@"; }
    ctr images import --no-unpack /tmp/kms-cluster-images.tar
    ctr images ls
    kill "$pid" && wait "$pid" || true
  ' preload "$rootfs" "$state"
  rm -rf "$rootfs"/tmp/* "$rootfs$state" "$rootfs/var/lib/containerd/tmpmounts"
  du -sh "$rootfs/var/lib/containerd"
}

# Beyond slim_rootfs: CNI plugins the bridge network does not use, containerd's v1 shims, the static tini.
slim_node() {
  slim_rootfs "$rootfs"
  find "$rootfs/usr/lib/cni" -type f ! -name bridge ! -name host-local ! -name loopback ! -name portmap -delete
  rm -f "$rootfs"/usr/bin/{containerd-shim,containerd-shim-runc-v1,tini-static,containerd-stress}
  rm -rf "$rootfs"/usr/share/{bash-completion,zsh,zoneinfo} "$rootfs"/var/lib/dpkg/info/*.md5sums
}

import_node() {
  local old
  old=$(docker image inspect -f '{{.Id}}' "$IMAGE_TAG" 2>/dev/null || true)
  import_rootfs "$rootfs" "$IMAGE_TAG" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'ENV KUBECONFIG=/etc/rancher/k3s/k3s.yaml' \
    'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/entrypoint"]' \
    'CMD ["server"]'
  # A rebuild of the same tag would leave the previous image behind, untagged.
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$IMAGE_TAG")" ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
  echo "$IMAGE_TAG: $(docker image inspect -f '{{.Size}}' "$IMAGE_TAG" | awk '{printf "%.0f MB", $1 / 1e6}')"
}

step "check versions" check_versions
step "check host tools" require_host_tools debootstrap go gcc docker apt-get dpkg-deb unshare chroot
echo "==> [$IMAGE_NAME] node rootfs: debootstrap $DEBIAN_SUITE with ${node_packages[*]} (in the background)"
start_background base-rootfs base_rootfs
step "Kubernetes $KUBERNETES_VERSION: all components in one binary (cold: 10-25 min)" \
  cached_build kms-kubernetes \
  "$(key_of compile_kubernetes "$KUBERNETES_VERSION $KUBERNETES_STAGING_VERSION" "$here"/kubernetes/*.go)" compile_kubernetes
step "CoreDNS $COREDNS_VERSION (cold: ~2 min)" cached_build coredns \
  "$(key_of compile_coredns "$COREDNS_VERSION" "$here/coredns/main.go")" compile_coredns
step "metrics-server $METRICS_SERVER_VERSION (cold: ~3 min)" cached_build metrics-server \
  "$(key_of compile_metrics_server "$METRICS_SERVER_VERSION")" compile_metrics_server
step "kube-router $KUBE_ROUTER_VERSION network-policy controller (cold: ~5 min)" cached_build kube-router \
  "$(key_of compile_kube_router "$KUBE_ROUTER_VERSION $KUBE_ROUTER_RAISED $KUBE_ROUTER_GO" "$here/kube-router/main.go")" compile_kube_router
step "pause (static C)" compile_pause
step "busybox-static from Debian" fetch_busybox
step "cluster images (pause, CoreDNS, metrics-server, busybox) from scratch" build_cluster_images
step "node rootfs: wait for the background debootstrap" await_background base-rootfs
step "install Kubernetes, entrypoint and configs" install_node
step "preload the cluster images into containerd's content store" preload_images
step "slim the rootfs" slim_node
step "import as $IMAGE_TAG" import_node
steps_summary
