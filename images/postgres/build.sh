#!/usr/bin/env bash
# PostgreSQL from Debian's postgresql-15 package, for machines that cannot pull the upstream postgres image.
# Runs as UID 1000 (user postgres) with its data in $PGDATA (/var/lib/postgresql/data); the entrypoint, like the
# upstream one, reads POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB on first start. Works with
# @testcontainers/postgresql (pg_isready and psql on PATH, /bin/sh for its health check).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/steps.sh"
source "$here/../lib/debian.sh"
rootfs="$WORK_DIR/rootfs"
pg_major=15

# The package's postinst may have created a cluster "main" and its config: the container makes its own in PGDATA.
drop_package_cluster() {
  rm -rf "$rootfs/var/lib/postgresql/$pg_major" "$rootfs/etc/postgresql/$pg_major"
}

# The package created a system user "postgres"; give it UID/GID 1000, what the manifests run as.
postgres_user_1000() {
  local old_uid old_gid
  old_uid=$(awk -F: '$1 == "postgres" {print $3}' "$rootfs/etc/passwd")
  old_gid=$(awk -F: '$1 == "postgres" {print $3}' "$rootfs/etc/group")
  sed -i 's/^postgres:x:[0-9]*:[0-9]*:/postgres:x:1000:1000:/' "$rootfs/etc/passwd"
  sed -i 's/^postgres:x:[0-9]*:/postgres:x:1000:/' "$rootfs/etc/group"
  find "$rootfs" -xdev \( -uid "$old_uid" -o -gid "$old_gid" \) -exec chown -h 1000:1000 {} +
  mkdir -p "$rootfs/var/lib/postgresql/data" "$rootfs/var/run/postgresql" "$rootfs/docker-entrypoint-initdb.d"
  chown 1000:1000 "$rootfs/var/lib/postgresql" "$rootfs/var/lib/postgresql/data" "$rootfs/var/run/postgresql"
  chmod 700 "$rootfs/var/lib/postgresql/data"
  chmod 2775 "$rootfs/var/run/postgresql"
}

# JIT compilation (llvmjit.so with its bitcode, LLVM and LLVM's z3): 154 of the image's 366 MB, for a feature small
# test databases never use. Without the provider library PostgreSQL runs with JIT unavailable and says nothing;
# jit = off says so in the configuration too. Nothing else links them (checked below).
drop_jit() {
  local lib="$rootfs/usr/lib/postgresql/$pg_major/lib"
  rm -rf "$lib/llvmjit.so" "$lib/llvmjit_types.bc" "$lib/bitcode"
  rm -f "$rootfs"/usr/lib/x86_64-linux-gnu/libLLVM-* "$rootfs"/usr/lib/x86_64-linux-gnu/libz3.so*
  echo "jit = off" >>"$rootfs/usr/share/postgresql/$pg_major/postgresql.conf.sample"
  local missing
  missing=$(chroot "$rootfs" sh -c "ldd /usr/lib/postgresql/$pg_major/bin/* /usr/lib/postgresql/$pg_major/lib/*.so 2>/dev/null | grep 'not found' || true")
  [ -z "$missing" ] || { echo "libraries missing after dropping JIT: $missing" >&2; return 1; }
}

install_entrypoint() {
  install -m 755 "$here/entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
  "$rootfs/usr/lib/postgresql/$pg_major/bin/postgres" --version
  test -x "$rootfs/usr/lib/postgresql/$pg_major/bin/pg_isready"
}

step "check host tools" require_host_tools debootstrap
step "debootstrap $DEBIAN_SUITE with postgresql-$pg_major" debian_rootfs "$rootfs" "postgresql-$pg_major" tzdata
step "drop the package's default cluster" drop_package_cluster
step "give the postgres user UID 1000, add PGDATA" postgres_user_1000
step "drop JIT (LLVM)" drop_jit
step "install the entrypoint" install_entrypoint
step "slim the rootfs" slim_rootfs "$rootfs"
step "import as $IMAGE_TAG" import_rootfs "$rootfs" "$IMAGE_TAG" \
  'WORKDIR /var/lib/postgresql' 'USER 1000:1000' 'EXPOSE 5432' 'VOLUME /var/lib/postgresql/data' \
  "ENV PATH=/usr/lib/postgresql/$pg_major/bin:/usr/local/bin:/usr/bin:/bin PGDATA=/var/lib/postgresql/data LANG=C.UTF-8" \
  'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]'
steps_summary
