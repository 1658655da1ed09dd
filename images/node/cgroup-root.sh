#!/bin/sh
# The kubelet's cgroup root for a node in a container: a child of the container's own cgroup, created in every
# controller. Two nodes on one host never share it (with the host's cgroup namespace, as K3sContainer runs nodes, a
# kubelet whose root is / would see the other node's pod cgroups as orphans and remove them), and Docker removes it
# with the container, even after a SIGKILL. POSIX sh (busybox's too): the offline node's entrypoint sources it, and
# the harness runs it in front of rancher/k3s, which has no such separation of its own:
#   sh cgroup-root.sh /bin/k3s server ...   writes the root into a kubelet drop-in of k3s's folder, then runs k3s
kms_cgroup_root() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    # cgroup v2: move this container's processes into a leaf, so its cgroup may have controller children.
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    own=${own%/}
    mkdir -p "/sys/fs/cgroup$own/init"
    while read -r pid; do echo "$pid" >"/sys/fs/cgroup$own/init/cgroup.procs" 2>/dev/null || true; done \
      <"/sys/fs/cgroup$own/cgroup.procs"
    for controller in $(cat "/sys/fs/cgroup$own/cgroup.controllers"); do
      echo "+$controller" >"/sys/fs/cgroup$own/cgroup.subtree_control" 2>/dev/null || true
    done
    mkdir -p "/sys/fs/cgroup$own/kms"
  else
    own=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
    own=${own%/}
    for dir in /sys/fs/cgroup/*/; do
      controller=$(basename "$dir")
      [ "$controller" != unified ] && [ -e "$dir/cgroup.procs" ] && [ -d "$dir$own" ] || continue
      mkdir -p "$dir$own/kms"
      if [ "$controller" = cpuset ]; then
        cat "$dir$own/cpuset.cpus" >"$dir$own/kms/cpuset.cpus"
        cat "$dir$own/cpuset.mems" >"$dir$own/kms/cpuset.mems"
      fi
    done
  fi
  echo "$own/kms"
}

if [ $# -gt 0 ]; then
  set -e
  root=$(kms_cgroup_root)
  dropins=/var/lib/rancher/k3s/agent/etc/kubelet.conf.d
  mkdir -p "$dropins"
  printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupRoot: %s\n' "$root" >"$dropins/60-cgroup-root.conf"
  echo "cgroup-root.sh: the kubelet's cgroup root is $root"
  exec "$@"
fi
