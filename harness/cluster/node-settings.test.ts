import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { KUBELET_DROP_IN_FILE, NETWORK_POLICY_OFF, NODE_SETTINGS, agentCommand, kubeletDropIn, nodeKind, nodeLaunch, serverCommand } from './node-settings.js';

describe('node settings: one command line and one kubelet drop-in for rancher/k3s and the offline node', () => {
  it('starts the server without the components the suite brings itself, with the node-loss timing', () => {
    expect(serverCommand('kms-server')).toEqual([
      'server',
      '--disable=traefik',
      '--disable=servicelb',
      '--disable=local-storage',
      '--node-name=kms-server',
      '--kube-controller-manager-arg=node-monitor-grace-period=20s',
      '--kube-controller-manager-arg=node-monitor-period=2s',
    ]);
  });

  it('takes another grace period (ContainerCluster.withNodeMonitorGracePeriod)', () => {
    expect(serverCommand('s', { ...NODE_SETTINGS, nodeMonitorGracePeriodSeconds: 40 })).toContain('--kube-controller-manager-arg=node-monitor-grace-period=40s');
  });

  it('joins an agent with its taints through the kubelet flag k3s forwards', () => {
    expect(agentCommand({ serverUrl: 'https://172.18.0.2:6443', token: 'K10abc::server:pw', nodeName: 'kms-agent-1', taints: ['a/b=c:NoSchedule'] })).toEqual([
      'agent',
      '--server',
      'https://172.18.0.2:6443',
      '--token',
      'K10abc::server:pw',
      '--node-name=kms-agent-1',
      '--kubelet-arg=register-with-taints=a/b=c:NoSchedule',
    ]);
    expect(agentCommand({ serverUrl: 'u', token: 't', nodeName: 'n' })).toEqual(['agent', '--server', 'u', '--token', 't', '--node-name=n']);
  });

  it('never turns off the NetworkPolicy controller both node kinds run (k3s: --disable-network-policy)', () => {
    const commands = [
      serverCommand('kms-server'),
      serverCommand('s', { ...NODE_SETTINGS, nodeMonitorGracePeriodSeconds: 40 }),
      agentCommand({ serverUrl: 'u', token: 't', nodeName: 'n' }),
      agentCommand({ serverUrl: 'u', token: 't', nodeName: 'n', taints: ['a/b=c:NoSchedule'] }),
    ];
    for (const command of commands) expect(command.filter((arg) => NETWORK_POLICY_OFF.test(arg)), command.join(' ')).toEqual([]);
    expect(['--disable-network-policy', '--disable=traefik,network-policy'].every((arg) => NETWORK_POLICY_OFF.test(arg)), 'the pattern matches what it guards').toBe(true);
  });

  it("writes the kubelet settings into k3s's drop-in folder, after k3s's own defaults file", () => {
    expect(KUBELET_DROP_IN_FILE).toBe('/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/50-kube-microservices-suite.conf');
    expect('50-kube-microservices-suite.conf' > '00-k3s-defaults.conf').toBe(true);
    for (const image of ['kube-microservices-suite/node:v1.34.4-25dd01ee1432', 'rancher/k3s:v1.34.4-k3s1']) {
      expect(nodeLaunch(image).files[0], image).toEqual({ target: KUBELET_DROP_IN_FILE, content: kubeletDropIn() });
    }
  });

  it('never garbage-collects or evicts side-loaded images, and renews the lease every 5 s', () => {
    expect(JSON.parse(kubeletDropIn())).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      imageGCHighThresholdPercent: 100,
      evictionHard: { 'imagefs.available': '0%', 'nodefs.available': '0%', 'nodefs.inodesFree': '0%' },
      nodeLeaseDurationSeconds: 20,
      nodeStatusUpdateFrequency: '4s',
    });
  });

  it('keeps several lease renewals within the grace period (a renewal every quarter of the lease)', () => {
    const renewal = NODE_SETTINGS.nodeLeaseDurationSeconds / 4;
    expect(NODE_SETTINGS.nodeMonitorGracePeriodSeconds / renewal).toBeGreaterThanOrEqual(4);
  });

  it('tells the offline image from k3s images, pinned or mirrored', () => {
    expect(nodeKind('kube-microservices-suite/node:v1.34.4-25dd01ee1432')).toBe('offline');
    expect(nodeKind('registry.example.com/team/kube-microservices-suite/node:v1.34.4-abc')).toBe('offline');
    expect(nodeKind('rancher/k3s:v1.34.4-k3s1')).toBe('k3s');
    expect(nodeKind('registry.example.com/mirror/k3s:v1.33.5-k3s1')).toBe('k3s');
    expect(nodeKind('kube-microservices-suite/nodejs:1')).toBe('k3s');
  });

  it("gives a k3s node's kubelet a cgroup root of its own, as the offline image gives itself (cgroup-root.sh in front of k3s)", () => {
    const k3s = nodeLaunch('rancher/k3s:v1.34.4-k3s1');
    expect(k3s.entrypoint).toEqual(['/bin/sh', '/kms/cgroup-root.sh', '/bin/k3s']);
    expect(k3s.files.find((file) => file.target === '/kms/cgroup-root.sh')?.content).toBe(readFileSync('images/node/cgroup-root.sh', 'utf8'));
    const offline = nodeLaunch('kube-microservices-suite/node:v1.34.4-25dd01ee1432');
    expect(offline.entrypoint).toBeUndefined();
    expect(offline.files.map((file) => file.target)).toEqual([KUBELET_DROP_IN_FILE]);
  });
});
