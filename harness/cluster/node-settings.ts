import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../images/catalog.js';

/**
 * What every node of the suite runs with, whatever its image: rancher/k3s, or the offline build (images/node). The
 * scenarios depend on these values (how fast a lost node is noticed, images that stay where the harness put them),
 * so the harness sets them itself, through what both node kinds take, and no node image keeps them as its own
 * defaults:
 *   - kubelet: a KubeletConfiguration drop-in file in k3s's drop-in folder, which k3s's kubelet reads
 *     (`--config-dir`, after k3s's own 00-k3s-defaults.conf) and so does the offline node's. A file, not
 *     `--kubelet-arg` flags: nodeLeaseDurationSeconds has no flag.
 *   - controller-manager: `--kube-controller-manager-arg` flags, which both forward.
 *   - components the suite brings itself or does not use: `--disable`, which both take (the offline node ships none
 *     of them). Traefik comes from manifests/ingress-controller on every node kind, so the ingress scenario proves one
 *     controller at one version; servicelb and local-storage would only add image pulls.
 *   - NetworkPolicies: both node kinds enforce them with kube-router's network-policy controller (k3s embeds it, on
 *     unless `--disable-network-policy`; the offline node runs the same controller on every node), and the suite's
 *     command lines never turn it off: scenarios/isolation proves the manifests' policies on whichever kind runs.
 */
export interface NodeSettings {
  /** controller-manager --node-monitor-grace-period: a node that stopped renewing its lease stays Ready this long. */
  nodeMonitorGracePeriodSeconds: number;
  /** controller-manager --node-monitor-period: how often the node lifecycle controller looks. */
  nodeMonitorPeriodSeconds: number;
  /** kubelet nodeLeaseDurationSeconds: the lease is renewed every quarter of it. */
  nodeLeaseDurationSeconds: number;
  /** kubelet nodeStatusUpdateFrequency. */
  nodeStatusUpdateFrequencySeconds: number;
}

/**
 * Leases renewed every 5 s (duration 20 s), so a grace period of 20 s spans four renewals; Kubernetes' defaults are
 * 40 s leases, a 50 s grace period and a 5 s monitor period (k3s keeps them), which would make a node loss take
 * minutes to show.
 */
export const NODE_SETTINGS: NodeSettings = {
  nodeMonitorGracePeriodSeconds: 20,
  nodeMonitorPeriodSeconds: 2,
  nodeLeaseDurationSeconds: 20,
  nodeStatusUpdateFrequencySeconds: 4,
};

/** Where k3s's kubelet reads KubeletConfiguration drop-ins from; the offline node image reads the same folder. */
export const KUBELET_DROP_IN_DIR = '/var/lib/rancher/k3s/agent/etc/kubelet.conf.d';
/** After k3s's own 00-k3s-defaults.conf, so ours wins. */
export const KUBELET_DROP_IN_FILE = `${KUBELET_DROP_IN_DIR}/50-kube-microservices-suite.conf`;

/** What would turn off the NetworkPolicy enforcement both node kinds run: never on the suite's command lines. */
export const NETWORK_POLICY_OFF = /^--disable-network-policy\b|^--disable=.*network-policy/;

/** Built-in components neither node kind should run (the offline node has none of them anyway). */
export const DISABLED_COMPONENTS = ['traefik', 'servicelb', 'local-storage'] as const;

/**
 * The kubelet settings, as a drop-in file (JSON is YAML, and the kubelet reads both):
 * - no image garbage collection and no disk-pressure eviction (kind's settings): the kubelet must never delete an
 *   image the harness side-loaded (no registry can give it back) because the host's disk is fairly full; k3s would
 *   start collecting above 85 % used and evicting below 5 % free;
 * - the lease and status timing the node-loss bounds are computed from.
 */
export function kubeletDropIn(settings: NodeSettings = NODE_SETTINGS): string {
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    imageGCHighThresholdPercent: 100,
    evictionHard: { 'imagefs.available': '0%', 'nodefs.available': '0%', 'nodefs.inodesFree': '0%' },
    nodeLeaseDurationSeconds: settings.nodeLeaseDurationSeconds,
    nodeStatusUpdateFrequency: `${settings.nodeStatusUpdateFrequencySeconds}s`,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The suite's own node image (images/node) or a k3s image (rancher/k3s, a mirror of it, KMS_IMAGE_NODE). */
export type NodeKind = 'offline' | 'k3s';

export function nodeKind(image: string): NodeKind {
  return /(^|\/)kube-microservices-suite\/node(:|@|$)/.test(image) ? 'offline' : 'k3s';
}

/** images/node/cgroup-root.sh: the offline image sources it at boot; a k3s node runs it in front of k3s. */
const CGROUP_ROOT_SCRIPT = { source: join(repoRoot, 'images', 'node', 'cgroup-root.sh'), target: '/kms/cgroup-root.sh' };

/** How a node container is launched, beyond its command: files put in before it boots, and its entrypoint. */
export interface NodeLaunch {
  files: Array<{ target: string; content: string }>;
  /** Undefined: the image's own. */
  entrypoint?: string[];
}

/**
 * Every node gets the kubelet drop-in. A k3s node also gets its kubelet a cgroup root of its own, as the offline
 * image gives itself: K3sContainer runs nodes in the host's cgroup namespace, and k3s's kubelet would use / (so two
 * nodes on one host, server and agent, would share /kubepods and each clean up the other's pod cgroups as orphans).
 */
export function nodeLaunch(image: string, settings: NodeSettings = NODE_SETTINGS): NodeLaunch {
  const files = [{ target: KUBELET_DROP_IN_FILE, content: kubeletDropIn(settings) }];
  if (nodeKind(image) === 'offline') return { files };
  return {
    files: [...files, { target: CGROUP_ROOT_SCRIPT.target, content: readFileSync(CGROUP_ROOT_SCRIPT.source, 'utf8') }],
    entrypoint: ['/bin/sh', CGROUP_ROOT_SCRIPT.target, '/bin/k3s'],
  };
}

/** `server` with the suite's settings; the same command line for rancher/k3s and the offline node. */
export function serverCommand(nodeName: string, settings: NodeSettings = NODE_SETTINGS): string[] {
  return [
    'server',
    ...DISABLED_COMPONENTS.map((component) => `--disable=${component}`),
    `--node-name=${nodeName}`,
    `--kube-controller-manager-arg=node-monitor-grace-period=${settings.nodeMonitorGracePeriodSeconds}s`,
    `--kube-controller-manager-arg=node-monitor-period=${settings.nodeMonitorPeriodSeconds}s`,
  ];
}

/** `agent` joining a server; taints (`key=value:Effect`) through the kubelet's --register-with-taints. */
export function agentCommand(options: { serverUrl: string; token: string; nodeName: string; taints?: string[] }): string[] {
  const taints = options.taints && options.taints.length > 0 ? [`--kubelet-arg=register-with-taints=${options.taints.join(',')}`] : [];
  return ['agent', '--server', options.serverUrl, '--token', options.token, `--node-name=${options.nodeName}`, ...taints];
}
