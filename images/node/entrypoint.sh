#!/usr/bin/env bash
# The node's init: boots upstream Kubernetes as plain processes and speaks the k3s command line, so that
# @testcontainers/k3s (K3sContainer) drives this image as it drives rancher/k3s.
#
#   server [--token=TOKEN] [--disable=coredns,metrics-server,...] [--tls-san=NAME[,NAME]] [--node-name=NAME]
#          [--node-ip=IP] [--kubelet-arg=KEY=VALUE] [--kube-apiserver-arg=KEY=VALUE]
#          [--kube-controller-manager-arg=KEY=VALUE] [--kube-scheduler-arg=KEY=VALUE] [--kube-proxy-arg=KEY=VALUE]
#          [--disable-network-policy] (repeatable; other k3s flags: warning)
#   agent  --server=URL --token=TOKEN [--node-name=NAME] [--node-ip=IP] [--kubelet-arg=...] [--kube-proxy-arg=...]
#          [--disable-network-policy]
#   Environment, as k3s reads it: K3S_TOKEN (server and agent), K3S_URL (agent), K3S_NODE_NAME; flags win.
#
# Joining (agent): the server turns TOKEN into a Kubernetes bootstrap token (kms-join bootstrap-token: TOKEN
# itself when it is ID.SECRET, else derived from its sha256), creates it with kubeadm's bootstrap-token phase
# (cluster-info ConfigMap, RBAC for TLS bootstrap, CSR auto-approval) and writes the full k3s-style token
# K10<sha256 of its CA certificate>::server:<password> to /var/lib/rancher/k3s/server/node-token. The agent
# derives the same bootstrap token, trusts the server's CA from the signed cluster-info (and checks the CA hash
# when given the full token: kms-join discover), and its kubelet gets a client certificate by TLS bootstrap.
# kube-proxy on an agent uses the kubelet's credential (addon 05-node-proxier binds system:node-proxier to the
# group system:nodes). Pod network: each node's CNI bridge uses the pod CIDR the controller-manager gave its
# Node, and every node keeps a route to every other node's pod CIDR via that node's IP (kms-wait node-routes,
# as flannel's host-gw backend does). NetworkPolicies: kube-router's network-policy controller on every node, as
# k3s embeds it (on unless --disable-network-policy, as in k3s).
#
# stdout: this script's progress, timestamped. Each component logs to /var/log/kms/<component>.log.
# "Node controller sync successful" (K3sContainer's wait strategy) is printed once the node is Ready, the
# addons are applied and the image tarballs are imported. If any component dies, the tail of its log is printed
# or the apiserver stops serving, the tail of its log is printed and the container exits non-zero. SIGTERM
# (docker stop) stops everything in under 2 s.
#
# Layout: the server runs every component; an agent runs the node part only (prepare_node,
# start_node_components) against the server's apiserver, so the functions below are split that way.
set -Eeuo pipefail
shopt -s nullglob

source /etc/kms/versions.env
readonly CLUSTER_CIDR=10.42.0.0/16 NODE_POD_CIDR=10.42.0.0/24 SERVICE_CIDR=10.43.0.0/16
readonly CLUSTER_DNS=10.43.0.10 CLUSTER_DOMAIN=cluster.local
readonly K8S=/etc/kubernetes PKI=/etc/kubernetes/pki STATE=/run/kms LOGS=/var/log/kms
readonly IMAGES_DIR=/var/lib/rancher/k3s/agent/images
readonly KUBELET_DROP_IN_DIR=/var/lib/rancher/k3s/agent/etc/kubelet.conf.d
readonly NODE_TOKEN_FILE=/var/lib/rancher/k3s/server/node-token
readonly ADMIN_KUBECONFIG=/etc/rancher/k3s/k3s.yaml
export KUBECONFIG=$K8S/super-admin.conf

# ---------------------------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------------------------
readonly START_US=${EPOCHREALTIME/./}
exec 3>&1 # progress lines go to the container's stdout even from commands whose output is redirected

log() {
  local us=$((${EPOCHREALTIME/./} - START_US))
  printf '%(%Y-%m-%dT%H:%M:%S)T +%d.%02ds %s\n' -1 $((us / 1000000)) $((us % 1000000 / 10000)) "$*" >&3
}
warn() { log "WARNING: $*"; }
die() {
  log "FATAL: $*"
  stop_node 1
}

# ---------------------------------------------------------------------------------------------------------
# Command line (k3s's flags; values as --flag=value or --flag value)
# ---------------------------------------------------------------------------------------------------------
MODE=
NODE_NAME=
NODE_IP=
SERVER_URL=
TOKEN=
TLS_SANS=()
DISABLED=()
KUBELET_ARGS=()
APISERVER_ARGS=()
CONTROLLER_MANAGER_ARGS=()
SCHEDULER_ARGS=()
PROXY_ARGS=()
NETWORK_POLICY=true

parse_args() {
  MODE=${1:-server}
  [ $# -gt 0 ] && shift
  case $MODE in
    server | agent) ;;
    *) die "unknown command '$MODE' (this image speaks k3s's 'server' and 'agent')" ;;
  esac
  # k3s's environment variables; flags given on the command line override them.
  SERVER_URL=${K3S_URL:-}
  TOKEN=${K3S_TOKEN:-}
  NODE_NAME=${K3S_NODE_NAME:-}
  while [ $# -gt 0 ]; do
    local flag=$1 value= has_value=false
    shift
    case $flag in
      --*=*) value=${flag#*=} flag=${flag%%=*} has_value=true ;;
    esac
    case $flag in
      --disable | --tls-san | --node-name | --node-ip | --kubelet-arg | --kube-apiserver-arg | \
        --kube-controller-manager-arg | --kube-scheduler-arg | --kube-proxy-arg | --server | --token)
        if ! $has_value; then
          [ $# -gt 0 ] || die "$flag needs a value"
          value=$1
          shift
        fi
        ;;
    esac
    case $flag in
      --disable) IFS=, read -ra items <<<"$value" && DISABLED+=("${items[@]}") ;;
      --tls-san) IFS=, read -ra items <<<"$value" && TLS_SANS+=("${items[@]}") ;;
      --node-name) NODE_NAME=$value ;;
      --node-ip) NODE_IP=$value ;;
      --kubelet-arg) KUBELET_ARGS+=("--${value#--}") ;;
      --kube-apiserver-arg) APISERVER_ARGS+=("--${value#--}") ;;
      --kube-controller-manager-arg) CONTROLLER_MANAGER_ARGS+=("--${value#--}") ;;
      --kube-scheduler-arg) SCHEDULER_ARGS+=("--${value#--}") ;;
      --kube-proxy-arg) PROXY_ARGS+=("--${value#--}") ;;
      --server) SERVER_URL=$value ;;
      --token) TOKEN=$value ;;
      --disable-network-policy) NETWORK_POLICY=false ;;
      *) warn "ignoring unsupported k3s argument '$flag'" ;;
    esac
  done
  if [ "$MODE" = agent ]; then
    [ -n "$SERVER_URL" ] || die "agent needs --server URL (or K3S_URL)"
    [ -n "$TOKEN" ] || die "agent needs --token TOKEN (or K3S_TOKEN)"
  fi
  local component
  for component in "${DISABLED[@]}"; do
    case $component in
      coredns | metrics-server) ;;
      traefik | servicelb | local-storage | runtimes | helm-controller) ;; # not shipped here
      *) warn "--disable: unknown component '$component'" ;;
    esac
  done
}

disabled() {
  local component
  for component in "${DISABLED[@]}"; do [ "$component" = "$1" ] && return 0; done
  return 1
}

# ---------------------------------------------------------------------------------------------------------
# Process supervision: every long-running component and every one-shot job is a child of this script. Waits
# poll (every 0.1 s, with builtins only: no process is forked to wait) and check at each turn that every
# component is alive, so a component dying at any time stops the node with the tail of its log.
# ---------------------------------------------------------------------------------------------------------
declare -A COMPONENTS=() # name -> pid; any of them exiting is fatal
declare -A JOBS=()       # name -> pid; one-shot work, fatal only if it fails
STOPPING=false
exec {TICK}<> <(:) # a pipe nobody writes to: `read -t` on it sleeps without forking `sleep`

nap() { read -rt "$1" -u "$TICK" || true; }

start_component() {
  local name=$1
  shift
  "$@" >"$LOGS/$name.log" 2>&1 3>&- {TICK}>&- &
  COMPONENTS[$name]=$!
  log "started $name (pid $!)"
}

start_job() {
  local name=$1
  shift
  (
    trap - TERM INT ERR # a failing command ends the job (set -e); the main shell reports it
    "$@"
  ) >"$LOGS/$name.log" 2>&1 &
  JOBS[$name]=$!
}

alive() {
  local state
  read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 1
  [ "$state" != Z ]
}

# report_death NAME CODE: a component (or job) ended; shows the tail of its log and stops the node (exit 1).
# The apiserver's watchdog ending means the apiserver stopped serving: its log is the one to show.
report_death() {
  local name=$1 what="exited (code $2)"
  if [ "$name" = kube-apiserver-watchdog ]; then
    name=kube-apiserver what="stopped serving ($(tail -n 1 "$LOGS/kube-apiserver-watchdog.log"))"
  fi
  log "$name $what; last lines of $LOGS/$name.log:"
  tail -n 40 "$LOGS/$name.log" | sed 's/^/    | /' >&3
  stop_node 1
}

# Stops the node if a component has exited.
check_components() {
  local name rc
  for name in "${!COMPONENTS[@]}"; do
    alive "${COMPONENTS[$name]}" && continue
    rc=0
    wait "${COMPONENTS[$name]}" || rc=$?
    report_death "$name" "$rc"
  done
}

# job_finished NAME: true once the job has exited successfully; a failed job stops the node.
job_finished() {
  local pid=${JOBS[$1]} rc=0
  alive "$pid" && return 1
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || report_death "$1" "$rc"
}

# wait_until DESCRIPTION TIMEOUT_SECONDS COMMAND...: polls COMMAND (a function) while watching the components.
wait_until() {
  local what=$1 timeout=$2
  shift 2
  local deadline=$((${EPOCHREALTIME/./} + timeout * 1000000))
  until "$@"; do
    check_components
    [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || die "timed out after ${timeout}s waiting for $what"
    nap 0.1
  done
}

# await JOB DESCRIPTION: waits for a job (its own timeout ends it) while watching the components.
await() { wait_until "$2" 3600 job_finished "$1"; }

# After start-up: watch the components until one exits (fatal) or a signal arrives (the trap stops the node).
supervise() {
  while :; do
    check_components
    nap 0.5
  done
}

# Stops every component and exits: SIGTERM, then SIGKILL after 1.5 s; the apiserver and etcd get SIGKILL at
# once (the apiserver's graceful shutdown can take a minute, and the cluster's state dies with it anyway).
# Pods die with the container's PID namespace; their cgroups live under the container's own cgroup, which
# Docker removes with the container.
stop_node() {
  local code=$1 name pid deadline
  $STOPPING && exit "$code"
  STOPPING=true
  trap - TERM INT ERR
  log "stopping the node"
  for name in "${!COMPONENTS[@]}"; do
    case $name in
      kube-apiserver | etcd) kill -KILL "${COMPONENTS[$name]}" 2>/dev/null || true ;; # nothing to save
      *) kill -TERM "${COMPONENTS[$name]}" 2>/dev/null || true ;;
    esac
  done
  for pid in "${JOBS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((${EPOCHREALTIME/./} + 1500000))
  for name in "${!COMPONENTS[@]}"; do
    pid=${COMPONENTS[$name]}
    while alive "$pid" && [ "${EPOCHREALTIME/./}" -lt "$deadline" ]; do nap 0.05; done
    alive "$pid" && log "killing $name" && kill -KILL "$pid" 2>/dev/null || true
  done
  log "stopped"
  exit "$code"
}

# ---------------------------------------------------------------------------------------------------------
# Node preparation
# ---------------------------------------------------------------------------------------------------------
identify_node() {
  NODE_NAME=${NODE_NAME:-$(hostname)}
  NODE_NAME=${NODE_NAME,,}
  if [ -z "$NODE_IP" ]; then
    NODE_IP=$(ip -4 -o addr show scope global | awk '$2 != "cni0" {sub("/.*", "", $4); print $4; exit}')
  fi
  [ -n "$NODE_IP" ] || die "no IPv4 address on any interface (use --node-ip)"
  # The networks this node is attached to (pod traffic may go there; see guard_pod_egress).
  NODE_NETWORKS=$(ip -4 route show proto kernel scope link | awk '$3 != "cni0" {print $1}')
  GATEWAY_IP=$(ip -4 route show default | awk '{print $3; exit}')
  log "node $NODE_NAME, IP $NODE_IP, networks: $(echo $NODE_NETWORKS)"
}

# tmpfs for etcd's data (/run: K3sContainer mounts one) and containerd's snapshots (unpacked images, which
# overlayfs cannot keep on the container's own overlay): fast, and gone with the container. The cluster images
# are in containerd's content store (in the image) already.
prepare_filesystems() {
  local snapshots=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs
  [ "$(stat -f -c %T /run)" = tmpfs ] || mount -t tmpfs -o mode=755 tmpfs /run
  mkdir -p "$LOGS" "$STATE" "$snapshots" /var/lib/kubelet /etc/rancher/k3s "$IMAGES_DIR"
  mount -t tmpfs -o mode=700 tmpfs "$snapshots"
  mount --make-rshared / # mount propagation for pods (kubelet wants a shared root)
  [ -s /etc/machine-id ] || tr -d - </proc/sys/kernel/random/uuid >/etc/machine-id
}

# The kubelet's cgroup root: a child of this container's own cgroup (cgroup-root.sh, which the harness also runs in
# front of rancher/k3s).
prepare_cgroups() {
  source /etc/kms/cgroup-root.sh
  CGROUP_ROOT=$(kms_cgroup_root)
  log "cgroup root $CGROUP_ROOT"
}

# Routing and the egress guard. The CNI config comes once the node's pod CIDR is known (write_cni_config).
prepare_network() {
  echo 1 >/proc/sys/net/ipv4/ip_forward
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  keep_pod_sources
  guard_pod_egress
}

# Pod to pod across nodes keeps the pod's address, as flannel keeps it: the bridge plugin's ipMasq would masquerade
# everything outside this node's /24 as the node's IP, and the other node's NetworkPolicies could no longer tell
# which pod it came from. Appended before any pod's CNI rule; kube-proxy's KUBE-POSTROUTING (traffic it marked for
# masquerading: NodePorts, hairpins) is inserted in front of it.
keep_pod_sources() {
  iptables -t nat -A POSTROUTING -s "$CLUSTER_CIDR" -d "$CLUSTER_CIDR" -m comment --comment "kms: pod to pod keeps its source" -j RETURN
}

# write_cni_config POD_CIDR: the pod network's CNI config, a bridge over this node's pod CIDR. Until it exists
# the kubelet reports the network not ready, so no pod is scheduled here before it.
write_cni_config() {
  mkdir -p /etc/cni/net.d
  cat >/etc/cni/net.d/10-kms.conflist.tmp <<EOF
{
  "cniVersion": "0.4.0",
  "name": "kms",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$1" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  mv /etc/cni/net.d/10-kms.conflist.tmp /etc/cni/net.d/10-kms.conflist
  log "pod network: $1 on cni0"
}

# Pods may talk to pods, Services and the networks the node sits on; anything else is refused at once (ICMP
# "prohibited": the connection fails with "no route to host"), so a test that dials a wrong address fails fast instead
# of reaching something outside. Done by routing, ahead of every firewall chain (kube-router's network-policy chains
# accept what the policies allow, so a FORWARD rule after them would never see a pod's traffic): pod traffic is routed
# by the main table without its default route (this node's pods, the other nodes' pod CIDRs, the node's networks),
# and what is left is prohibited. A Service IP still seen there was not translated by kube-proxy (a port the Service
# lacks): prohibited too, and rejected from the node itself.
guard_pod_egress() {
  ip rule add from "$CLUSTER_CIDR" lookup main suppress_prefixlength 0 priority 100
  ip rule add from "$CLUSTER_CIDR" prohibit priority 101
  iptables -I OUTPUT 1 -d "$SERVICE_CIDR" -j REJECT
}

# ---------------------------------------------------------------------------------------------------------
# PKI and kubeconfigs (kubeadm's phases only; ECDSA keys, so this takes well under a second). The apiserver
# needs only the certificates: the kubeconfigs are written while it starts.
# ---------------------------------------------------------------------------------------------------------
generate_certs() {
  local san sans=("$NODE_IP" 127.0.0.1 localhost "$NODE_NAME" ${GATEWAY_IP:+"$GATEWAY_IP"})
  for san in "${TLS_SANS[@]}"; do sans+=("$san"); done
  mkdir -p "$PKI"
  cat >"$K8S/kubeadm.yaml" <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: $NODE_IP, bindPort: 6443}
nodeRegistration: {name: $NODE_NAME}
bootstrapTokens:
- token: $BOOTSTRAP_TOKEN
  ttl: 0s
  description: agents join with it (k3s --token)
  usages: [signing, authentication]
  groups: [system:bootstrappers:kubeadm:default-node-token]
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: $KUBERNETES_VERSION
clusterName: default
certificatesDir: $PKI
encryptionAlgorithm: ECDSA-P256
networking: {serviceSubnet: $SERVICE_CIDR, podSubnet: $CLUSTER_CIDR, dnsDomain: $CLUSTER_DOMAIN}
apiServer:
  certSANs: [$(IFS=,; echo "${sans[*]}")]
EOF
  kubeadm init phase certs all --config "$K8S/kubeadm.yaml"
  write_node_token
}

# The server's token, as k3s keeps it: TOKEN from --token/K3S_TOKEN (a full K10 token's password part), else a
# random one. BOOTSTRAP_TOKEN is the Kubernetes bootstrap token agents derive from the same TOKEN.
server_token() {
  [ -n "$TOKEN" ] || TOKEN=$(tr -d - </proc/sys/kernel/random/uuid)
  TOKEN=${TOKEN##*:}
  BOOTSTRAP_TOKEN=$(kms-join bootstrap-token "$TOKEN") || die "unusable --token"
}

# /var/lib/rancher/k3s/server/node-token: the full token, pinning the CA (what `k3s token` prints and agents
# take as --token; the harness reads it from here).
write_node_token() {
  local hash
  hash=$(sha256sum "$PKI/ca.crt" | cut -c1-64)
  mkdir -p "${NODE_TOKEN_FILE%/*}"
  (umask 077 && echo "K10$hash::server:$TOKEN" >"$NODE_TOKEN_FILE")
}

# kubeadm's bootstrap-token phase: the bootstrap token, the RBAC that lets its holders post CSRs and get them
# approved, and the cluster-info ConfigMap (kube-public) that the bootstrap signer signs with it.
create_bootstrap_token() {
  kubeadm init phase bootstrap-token --config "$K8S/kubeadm.yaml" --kubeconfig "$K8S/super-admin.conf" --skip-token-print
}

generate_kubeconfigs() {
  kubeadm init phase kubeconfig all --config "$K8S/kubeadm.yaml"
  kubeadm kubeconfig user --config "$K8S/kubeadm.yaml" --client-name system:kube-proxy >"$K8S/kube-proxy.conf"
  write_admin_kubeconfig
}

# /etc/rancher/k3s/k3s.yaml, named like k3s's ("default"); K3sContainer rewrites its server URL. The user is
# kubeadm's super-admin (group system:masters), as k3s's admin is.
write_admin_kubeconfig() {
  local field ca cert key
  field() { sed -n "s/^ *$1: //p" "$K8S/super-admin.conf"; }
  ca=$(field certificate-authority-data) cert=$(field client-certificate-data) key=$(field client-key-data)
  cat >"$ADMIN_KUBECONFIG.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: $ca
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
preferences: {}
users:
- name: default
  user:
    client-certificate-data: $cert
    client-key-data: $key
EOF
  chmod 600 "$ADMIN_KUBECONFIG.tmp"
  mv "$ADMIN_KUBECONFIG.tmp" "$ADMIN_KUBECONFIG"
}

# ---------------------------------------------------------------------------------------------------------
# Components (one function each)
# ---------------------------------------------------------------------------------------------------------
start_containerd() {
  start_component containerd containerd --config /etc/kms/containerd.toml
}

start_etcd() {
  start_component etcd etcd \
    --name="$NODE_NAME" \
    --data-dir="$STATE/etcd" \
    --listen-client-urls=http://127.0.0.1:2379 \
    --advertise-client-urls=http://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 \
    --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster="$NODE_NAME=http://127.0.0.1:2380" \
    --heartbeat-interval=50 \
    --election-timeout=300 \
    --snapshot-count=10000 \
    --logger=zap \
    --log-level=warn
}

start_apiserver() {
  start_component kube-apiserver kube-apiserver \
    --advertise-address="$NODE_IP" \
    --secure-port=6443 \
    --etcd-servers=http://127.0.0.1:2379 \
    --allow-privileged=true \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction \
    --enable-bootstrap-token-auth=true \
    --client-ca-file="$PKI/ca.crt" \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User \
    --enable-aggregator-routing=true \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --profiling=false \
    "${APISERVER_ARGS[@]}"
}

start_controller_manager() {
  # --secure-port=0: no health/metrics endpoint, so no self-signed certificate to generate and no wait for
  # the authentication ConfigMap (which the RBAC bootstrap must allow first): it starts a second faster.
  start_component kube-controller-manager kube-controller-manager \
    --kubeconfig="$K8S/controller-manager.conf" \
    --secure-port=0 \
    --leader-elect=false \
    --controllers='*,bootstrapsigner,tokencleaner' \
    --allocate-node-cidrs=true \
    --cluster-cidr="$CLUSTER_CIDR" \
    --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --cluster-name=default \
    --cluster-signing-cert-file="$PKI/ca.crt" \
    --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" \
    --service-account-private-key-file="$PKI/sa.key" \
    --use-service-account-credentials=true \
    --kube-api-qps=200 \
    --kube-api-burst=400 \
    --profiling=false \
    "${CONTROLLER_MANAGER_ARGS[@]}"
}

start_scheduler() {
  start_component kube-scheduler kube-scheduler \
    --kubeconfig="$K8S/scheduler.conf" \
    --secure-port=0 \
    --leader-elect=false \
    --profiling=false \
    "${SCHEDULER_ARGS[@]}"
}

start_kubelet() {
  cat >"$STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
clusterDNS: [$CLUSTER_DNS]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: ""
serializeImagePulls: false
syncFrequency: 10s
# Get, not Watch: a pod bound a moment before the apiserver's node authorizer knows it would otherwise wait
# ~2 s for its ConfigMap/Secret informers to back off and retry (seen on CoreDNS at every boot).
configMapAndSecretChangeDetectionStrategy: Get
rotateCertificates: false
EOF
  # An agent has only a bootstrap kubeconfig: the kubelet writes kubelet.conf once its certificate is signed.
  local bootstrap=()
  [ "$MODE" = agent ] && bootstrap=(--bootstrap-kubeconfig="$K8S/bootstrap-kubelet.conf")
  # Drop-ins from k3s's folder, as k3s's kubelet reads them: the harness puts the settings the scenarios depend on
  # there (image GC, eviction, lease timing), for this image and rancher/k3s alike.
  mkdir -p "$KUBELET_DROP_IN_DIR"
  start_component kubelet kubelet \
    --config="$STATE/kubelet.yaml" \
    --config-dir="$KUBELET_DROP_IN_DIR" \
    --kubeconfig="$K8S/kubelet.conf" \
    "${bootstrap[@]}" \
    --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" \
    "${KUBELET_ARGS[@]}"
}

# The server's kube-proxy is system:kube-proxy; an agent's uses the kubelet's credential (system:node:NAME).
start_kube_proxy() {
  local kubeconfig=$K8S/kube-proxy.conf
  [ "$MODE" = agent ] && kubeconfig=$K8S/kubelet.conf
  cat >"$STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $kubeconfig}
mode: iptables
clusterCIDR: $CLUSTER_CIDR
hostnameOverride: $NODE_NAME
bindAddress: 0.0.0.0
metricsBindAddress: 127.0.0.1:10249
# Do not touch host-wide conntrack sysctls (kind's settings).
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {minSyncPeriod: 0s, syncPeriod: 30s}
EOF
  start_component kube-proxy kube-proxy --config="$STATE/kube-proxy.yaml" "${PROXY_ARGS[@]}"
}

# kube-router's network-policy controller (images/node/kube-router: the one k3s embeds), firewall only: each pod's
# NetworkPolicies as iptables chains and ipsets, in FORWARD (bridged traffic too: br_netfilter), INPUT and OUTPUT.
# The server's uses the admin credential; an agent's the kubelet's (addon 06-network-policy-controller).
start_network_policy_controller() {
  $NETWORK_POLICY || { log "NetworkPolicies not enforced (--disable-network-policy)"; return 0; }
  local kubeconfig=$K8S/super-admin.conf
  [ "$MODE" = agent ] && kubeconfig=$K8S/kubelet.conf
  start_component kube-router kube-router \
    --run-firewall=true --run-router=false --run-service-proxy=false \
    --kubeconfig="$kubeconfig" \
    --hostname-override="$NODE_NAME" \
    --service-cluster-ip-range="$SERVICE_CIDR"
}

# ---------------------------------------------------------------------------------------------------------
# One-shot jobs
# ---------------------------------------------------------------------------------------------------------
containerd_up() { [ -S /run/containerd/containerd.sock ]; }

# import_images FILE...: into the k8s.io namespace, where the kubelet (CRI) finds them (k3s's air-gap images).
import_images() {
  local file
  for file in "$@"; do
    echo "importing $file"
    case $file in
      *.tar) ctr -n k8s.io images import "$file" ;;
      *.tar.gz | *.tgz) gzip -dc "$file" | ctr -n k8s.io images import - ;;
      *.tar.zst | *.tzst) zstd -dc "$file" | ctr -n k8s.io images import - ;;
    esac
  done
}

# The baked images are in the content store but not unpacked; unpack them now, at the lowest CPU priority,
# rather than when their pods start (CoreDNS's 50 MB took a second then). Not fatal: CRI unpacks on demand.
unpack_cluster_images() {
  local image
  mkdir -p "$STATE/unpack"
  for image in "$PAUSE_IMAGE" "$COREDNS_IMAGE" "$METRICS_SERVER_IMAGE"; do
    nice -n 19 ctr -n k8s.io images mount "docker.io/$image" "$STATE/unpack" &&
      ctr -n k8s.io images unmount --rm "$STATE/unpack" || echo "could not unpack $image (its pod will)"
  done
}

image_tarballs() {
  printf '%s\n' "$IMAGES_DIR"/*.tar "$IMAGES_DIR"/*.tar.gz "$IMAGES_DIR"/*.tgz "$IMAGES_DIR"/*.tar.zst "$IMAGES_DIR"/*.tzst
}

# The cluster-admins binding first (kubectl logs/exec need it), the agents' kube-proxy and network-policy bindings,
# then CoreDNS and metrics-server.
apply_addons() {
  local manifest files=(/etc/kms/addons/00-cluster-admins.yaml /etc/kms/addons/05-node-proxier.yaml)
  $NETWORK_POLICY && files+=(/etc/kms/addons/06-network-policy-controller.yaml)
  disabled coredns || files+=(/etc/kms/addons/10-coredns.yaml)
  disabled metrics-server || files+=(/etc/kms/addons/20-metrics-server.yaml)
  for manifest in "${files[@]}"; do
    sed -e "s|@NODE_IP@|$NODE_IP|g" -e "s|@NODE_NAME@|$NODE_NAME|g" "$manifest"
    echo ---
  done >"$STATE/addons.yaml"
  # Server-side apply without the client's OpenAPI validation: 0.2 s instead of 1.5 s of CPU.
  until kubectl apply --server-side --field-manager=kms-node --validate=false -f "$STATE/addons.yaml"; do
    sleep 0.2
  done
  log "addons applied: ${files[*]##*/}"
}

label_node() {
  until kubectl label node "$NODE_NAME" --overwrite \
    node-role.kubernetes.io/control-plane=true node-role.kubernetes.io/master=true; do sleep 0.5; done
}

# Progress lines only (not fatal, not awaited): when an addon's pod is ready.
report_addon() {
  if kms-wait --timeout=300s deployment-ready kube-system "$1"; then log "$2"; fi
}

# ---------------------------------------------------------------------------------------------------------
# Modes
# ---------------------------------------------------------------------------------------------------------
# Shared by server and agent: the node's filesystems, cgroups and network.
prepare_node() {
  identify_node
  prepare_filesystems
  prepare_cgroups
  prepare_network
}

kubelet_kubeconfig_written() { [ -s "$K8S/kubelet.conf" ]; }

# Shared by server and agent: what runs pods (needs the kubeconfigs in $K8S, or an agent's bootstrap one).
start_node_components() {
  wait_until "containerd" 20 containerd_up
  start_job unpack-images unpack_cluster_images
  start_job import-images import_images $(image_tarballs)
  start_kubelet
  wait_until "the kubelet's client certificate (TLS bootstrap)" 60 kubelet_kubeconfig_written
  start_kube_proxy
}

# Shared by server and agent: routes to the other nodes' pod CIDRs, kept as nodes come and go.
start_node_routes() {
  start_component node-routes kms-wait node-routes "$NODE_NAME"
}

# The server's CNI config is written before its Node exists (10.42.0.0/24: the first node always gets it);
# check that the controller-manager agreed.
check_server_pod_cidr() {
  local cidr
  cidr=$(kms-wait --timeout=60s pod-cidr "$NODE_NAME")
  [ "$cidr" = "$NODE_POD_CIDR" ] || { echo "node $NODE_NAME got pod CIDR $cidr, its CNI bridge uses $NODE_POD_CIDR"; return 1; }
}

run_server() {
  server_token
  prepare_node
  write_cni_config "$NODE_POD_CIDR"
  start_containerd
  start_etcd
  start_job certs generate_certs
  await certs "the certificates"
  start_apiserver
  start_job kubeconfigs generate_kubeconfigs
  await kubeconfigs "the kubeconfigs"
  log "PKI and kubeconfigs ready"
  start_node_components

  # The controller-manager gives up if the apiserver is not healthy 10 s after it starts, and the scheduler's
  # informers back off for seconds while the RBAC roles are missing: start both once the apiserver is ready.
  start_job apiserver-ready kms-wait --timeout=120s readyz
  await apiserver-ready "kube-apiserver to be ready"
  log "kube-apiserver ready"
  start_component kube-apiserver-watchdog kms-wait watch-livez
  start_job apply-addons apply_addons
  start_job bootstrap-token create_bootstrap_token
  start_controller_manager
  start_scheduler
  start_network_policy_controller
  start_node_routes

  start_job node-ready kms-wait --timeout=120s node-ready "$NODE_NAME"
  await node-ready "node $NODE_NAME to be Ready"
  log "node $NODE_NAME Ready"
  start_job label-node label_node
  start_job pod-cidr check_server_pod_cidr
  await apply-addons "the addons to be applied"
  await bootstrap-token "the bootstrap token and cluster-info"
  await pod-cidr "the pod CIDR of node $NODE_NAME"
  await import-images "the image tarballs in $IMAGES_DIR to be imported"
  disabled coredns || start_job coredns-ready report_addon coredns "CoreDNS ready"
  disabled metrics-server || start_job metrics-server-ready report_addon metrics-server "metrics-server ready"
  log "Node controller sync successful"
  supervise
}

# containerd, kubelet and kube-proxy, joining the server at SERVER_URL through its API with TOKEN alone.
run_agent() {
  prepare_node
  start_containerd
  start_job discover kms-join discover --server="$SERVER_URL" --token="$TOKEN" --dir="$K8S" --timeout=120s
  await discover "the cluster's CA from $SERVER_URL"
  log "$(tail -n 1 "$LOGS/discover.log")"
  export KUBECONFIG=$K8S/kubelet.conf # the node's own credential, once the kubelet has it
  start_node_components
  log "kubelet client certificate signed"
  start_network_policy_controller
  start_job pod-cidr kms-wait --timeout=60s pod-cidr "$NODE_NAME"
  await pod-cidr "a pod CIDR for node $NODE_NAME"
  write_cni_config "$(tail -n 1 "$LOGS/pod-cidr.log")"
  start_node_routes
  start_job node-ready kms-wait --timeout=120s node-ready "$NODE_NAME"
  await node-ready "node $NODE_NAME to be Ready"
  log "agent node $NODE_NAME Ready (joined $SERVER_URL)"
  supervise
}

main() {
  trap 'stop_node 0' TERM INT
  trap 'die "entrypoint line $LINENO: \"$BASH_COMMAND\" failed"' ERR
  parse_args "$@"
  log "kube-microservices-suite node: Kubernetes $KUBERNETES_VERSION ($MODE)"
  case $MODE in
    server) run_server ;;
    agent) run_agent ;;
  esac
}

main "$@"
