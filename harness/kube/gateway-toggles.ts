import type { KubeClients } from './clients.js';
import { execInPod } from './exec-in-pod.js';

export type GatewayProbe = 'readiness' | 'liveness';

/**
 * Flips the api-gateway's test-only probe toggle in one pod (POST /test/<probe>/<enable|disable> on its own
 * loopback, from inside the container, so exactly that pod is affected). Needs ENABLE_TEST_TOGGLES=true.
 */
export async function setGatewayProbe(clients: KubeClients, target: { namespace: string; pod: string }, probe: GatewayProbe, enabled: boolean): Promise<void> {
  const url = `http://127.0.0.1:8080/test/${probe}/${enabled ? 'enable' : 'disable'}`;
  const script = `fetch(${JSON.stringify(url)},{method:'POST'}).then(async(r)=>{console.log(r.status, await r.text()); if(!r.ok) process.exit(1)})`;
  await execInPod(clients, { namespace: target.namespace, pod: target.pod, container: 'api-gateway' }, ['node', '-e', script]);
}
