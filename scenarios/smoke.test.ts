import { describe, expect, it, vi } from 'vitest';
import { StatusResponseSchema } from '../contracts/api-gateway.js';
import { execInPod } from '../harness/kube/exec-in-pod.js';
import { kubeletSettings, nodeLeaseSeconds } from '../harness/kube/kubelet-config.js';
import { rolledOut } from '../harness/kube/workload-state.js';
import { livePods } from '../harness/kube/workload.js';
import { useScenario } from '../harness/scenario.js';
import { DASHBOARD, GATEWAY, gatewayWorkload } from '../harness/system.js';

// The proof that the whole chain works: a real cluster (the offline node image, or rancher/k3s), the images loaded
// into it, the monitoring system applied from manifests/, and the cluster services the other scenarios lean on.
describe('smoke: the monitoring system runs on a real cluster', () => {
  const { cluster, clients, namespace, url } = useScenario('smoke');

  it('has every Deployment rolled out and available, in the system and in kube-system', async () => {
    for (const where of [namespace, 'kube-system']) {
      const deployments = (await clients.apps.listNamespacedDeployment({ namespace: where })).items;
      expect(deployments.length, `Deployments in ${where}`).toBeGreaterThan(0);
      for (const deployment of deployments) expect(rolledOut(deployment), `${where}/${deployment.metadata?.name} rolled out and available: ${JSON.stringify(deployment.status)}`).toBe(true);
    }
  });

  // What the harness sets on every node kind (harness/cluster/node-settings.ts), read back from the kubelet itself: proof
  // that the settings reached it, whatever the node image (none of them is an image default any more).
  it("runs every node's kubelet with the suite's settings: no image GC or disk eviction, the lease timing", async (context) => {
    const settings = cluster.info.nodeSettings;
    if (!settings) return context.skip('an external cluster (KMS_KUBECONFIG) keeps its own kubelet settings');
    for (const node of cluster.nodes()) {
      const kubelet = await kubeletSettings(clients, node.nodeName);
      expect(kubelet.imageGCHighThresholdPercent, `${node.nodeName}: image GC threshold`).toBe(100);
      expect(kubelet.evictionHard?.['imagefs.available'], `${node.nodeName}: imagefs eviction threshold`).toBe('0%');
      expect(kubelet.nodeLeaseDurationSeconds, `${node.nodeName}: lease duration`).toBe(settings.nodeLeaseDurationSeconds);
      expect(kubelet.nodeStatusUpdateFrequency, `${node.nodeName}: status update frequency`).toBe(`${settings.nodeStatusUpdateFrequencySeconds}s`);
      expect(await nodeLeaseSeconds(clients, node.nodeName), `${node.nodeName}: its Lease`).toBe(settings.nodeLeaseDurationSeconds);
    }
  });

  it('resolves the services by name through CoreDNS, from inside a pod', async () => {
    const pod = (await livePods(clients, gatewayWorkload(namespace))).find((item) => item.status?.phase === 'Running');
    expect(pod, 'a running api-gateway pod').toBeDefined();
    const lookup = `Promise.all(process.argv.slice(1).map((name) => require('node:dns').promises.lookup(name))).then((all) => console.log(JSON.stringify(all.map((a) => a.address))))`;
    const names = ['redis', `worker.${namespace}`, `dashboard.${namespace}.svc.cluster.local`, 'kubernetes.default.svc.cluster.local'];
    const output = await execInPod(clients, { namespace, pod: pod!.metadata!.name!, container: GATEWAY }, ['node', '-e', lookup, ...names]);
    const addresses = JSON.parse(output) as string[];
    const services = await Promise.all(
      [['redis', namespace], ['worker', namespace], [DASHBOARD, namespace], ['kubernetes', 'default']].map(async ([name, where]) =>
        (await clients.core.readNamespacedService({ name: name!, namespace: where! })).spec?.clusterIP,
      ),
    );
    expect(addresses).toEqual(services);
  });

  it('serves pod metrics through the metrics API (what the HPA reads)', async () => {
    await vi.waitFor(
      async () => {
        const metrics = await clients.metrics.getPodMetrics(namespace);
        const gateway = metrics.items.filter((item) => item.metadata.name.startsWith(`${GATEWAY}-`));
        expect(gateway.length).toBeGreaterThan(0);
        expect(gateway[0]!.containers[0]!.usage.memory).toMatch(/^\d+/);
      },
      { timeout: 90_000, interval: 2_000 },
    );
  });

  it('answers on the dashboard through its NodePort', async () => {
    const page = await fetch(`${await url(DASHBOARD)}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html/i);
  });

  it('shows Redis connected and the worker counters rising in /api/status, through the gateway Service', async () => {
    const gatewayUrl = await url(GATEWAY);
    const processed = async (): Promise<number> => {
      const response = await fetch(`${gatewayUrl}/api/status`);
      expect(response.status).toBe(200);
      const status = StatusResponseSchema.parse(await response.json());
      expect(status.redis.connected).toBe(true);
      expect(status.worker, 'worker counters read from Redis').not.toBeNull();
      return status.worker!.totals.success + status.worker!.totals.failed;
    };
    const first = await processed();
    await vi.waitFor(async () => expect(await processed()).toBeGreaterThan(first), { timeout: 45_000, interval: 2_000 });
  });
});
