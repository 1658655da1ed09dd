import type { KubeClients } from './clients.js';
import { execInPod } from './exec-in-pod.js';
import { appSelector } from './workload.js';

/** Where the Redis Deployments (manifests/base/redis, maya-sawa's) mount their password from the Secret. */
export const REDIS_PASSWORD_FILE = '/etc/redis-auth/password';

/**
 * Runs redis-cli inside the Redis pod, authenticated with the password file the pod mounts from its Secret, through
 * REDISCLI_AUTH (never on the command line), e.g. `CLIENT KILL TYPE normal` to close every client connection.
 * Returns redis-cli's output.
 */
export async function redisCli(clients: KubeClients, namespace: string, args: string[]): Promise<string> {
  const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: appSelector('redis') })).items;
  const pod = pods.find((item) => item.status?.phase === 'Running');
  if (!pod) throw new Error(`no running Redis pod in ${namespace}`);
  const command = ['sh', '-c', `REDISCLI_AUTH="$(cat ${REDIS_PASSWORD_FILE})"; export REDISCLI_AUTH; exec redis-cli "$@"`, 'redis-cli', ...args];
  return execInPod(clients, { namespace, pod: pod.metadata!.name!, container: 'redis' }, command);
}
