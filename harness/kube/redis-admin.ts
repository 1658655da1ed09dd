import type { KubeClients } from './clients.js';
import { execInPod } from './exec-in-pod.js';
import { appSelector } from './workload.js';

/**
 * Runs redis-cli inside the Redis pod (authenticated with the password from the redis-auth Secret), e.g.
 * `CLIENT KILL TYPE normal` to close every client connection. Returns redis-cli's output.
 */
export async function redisCli(clients: KubeClients, namespace: string, args: string[]): Promise<string> {
  const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: appSelector('redis') })).items;
  const pod = pods.find((item) => item.status?.phase === 'Running');
  if (!pod) throw new Error(`no running Redis pod in ${namespace}`);
  const secret = await clients.core.readNamespacedSecret({ name: 'redis-auth', namespace });
  const password = Buffer.from(secret.data?.REDIS_PASSWORD ?? '', 'base64').toString('utf8');
  return execInPod(clients, { namespace, pod: pod.metadata!.name!, container: 'redis' }, ['redis-cli', '--no-auth-warning', '-a', password, ...args]);
}
