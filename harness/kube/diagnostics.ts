import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';

function podLine(pod: V1Pod): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const containers = statuses
    .map((s) => {
      const state = s.state?.waiting
        ? `waiting:${s.state.waiting.reason ?? ''}`
        : s.state?.terminated
          ? `terminated:${s.state.terminated.reason ?? ''}(${s.state.terminated.exitCode})`
          : 'running';
      return `${s.name}=${state}${s.ready ? ',ready' : ''}${s.restartCount ? `,restarts=${s.restartCount}` : ''}`;
    })
    .join(' ');
  return `  ${pod.metadata?.name} ${pod.status?.phase} node=${pod.spec?.nodeName ?? '-'} ${containers}`;
}

/**
 * What a person needs when a wait fails: every pod's phase and container states, the recent events, and the
 * log tail of each container that is not ready.
 */
export async function namespaceDiagnostics(clients: KubeClients, namespace: string, logLines = 25): Promise<string> {
  const out: string[] = [`--- diagnostics for namespace ${namespace} ---`];
  const pods = (await clients.core.listNamespacedPod({ namespace })).items;
  out.push('pods:', ...(pods.length ? pods.map(podLine) : ['  (none)']));

  const events = (await clients.core.listNamespacedEvent({ namespace })).items
    .sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? '')))
    .slice(-20);
  out.push('recent events:', ...events.map((e) => `  ${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message ?? ''}`));

  for (const pod of pods) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses.filter((s) => !s.ready && (s.restartCount > 0 || s.state?.running || s.state?.terminated))) {
      const log = await clients.core
        .readNamespacedPodLog({ namespace, name: pod.metadata!.name!, container: status.name, tailLines: logLines })
        .catch((error: Error) => `(no log: ${error.message})`);
      out.push(`log of ${pod.metadata?.name}/${status.name} (last ${logLines} lines):`, ...String(log).split('\n').map((l) => `  ${l}`));
    }
  }
  return out.join('\n');
}
