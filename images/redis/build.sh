#!/usr/bin/env bash
# Redis from Debian's redis-server package, for machines that cannot pull the upstream redis image.
# Runs as UID 1000 with its data in /data, like the upstream image; no config file, everything by flags.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/steps.sh"
source "$here/../lib/debian.sh"
rootfs="$WORK_DIR/rootfs"

# Like the upstream image's entrypoint: without a config file, Redis would run in protected mode and refuse
# every client that does not come from loopback (including port-mapped ones). The wrapper comes first on PATH,
# so `redis-server ARGS` (what testcontainers and the manifests run) gets the container defaults, then ARGS.
install_container_defaults() {
  mkdir -p "$rootfs/usr/local/etc/redis"
  cat > "$rootfs/usr/local/etc/redis/container.conf" <<'CONF'
bind * -::*
protected-mode no
dir /data
CONF
  cat > "$rootfs/usr/local/bin/redis-server" <<'WRAP'
#!/bin/sh
exec /usr/bin/redis-server /usr/local/etc/redis/container.conf "$@"
WRAP
  chmod 755 "$rootfs/usr/local/bin/redis-server"
  chmod 644 "$rootfs/usr/local/etc/redis/container.conf"
}

# The package created a system user "redis"; give it UID/GID 1000, what the manifests run as.
redis_user_1000() {
  local old_uid old_gid
  old_uid=$(awk -F: '$1 == "redis" {print $3}' "$rootfs/etc/passwd")
  old_gid=$(awk -F: '$1 == "redis" {print $3}' "$rootfs/etc/group")
  sed -i 's/^redis:x:[0-9]*:[0-9]*:/redis:x:1000:1000:/' "$rootfs/etc/passwd"
  sed -i 's/^redis:x:[0-9]*:/redis:x:1000:/' "$rootfs/etc/group"
  find "$rootfs" -xdev \( -uid "$old_uid" -o -gid "$old_gid" \) -exec chown -h 1000:1000 {} +
  mkdir -p "$rootfs/data" && chown 1000:1000 "$rootfs/data"
}

step "check host tools" require_host_tools debootstrap
step "debootstrap $DEBIAN_SUITE with redis-server" debian_rootfs "$rootfs" redis-server
step "give the redis user UID 1000, add /data" redis_user_1000
step "install container defaults" install_container_defaults
step "slim the rootfs" slim_rootfs "$rootfs"
step "import as $IMAGE_TAG" import_rootfs "$rootfs" "$IMAGE_TAG" \
  'WORKDIR /data' 'USER 1000:1000' 'EXPOSE 6379' 'VOLUME /data' \
  'ENV PATH=/usr/local/bin:/usr/bin:/bin' 'CMD ["redis-server"]'
steps_summary
