import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/clients.js';
import { watchObjects, type ObjectsWatch } from '../kube/watch-objects.js';
import type { Timeline } from './timeline.js';

/** Feeds a timeline from an HPA watch: its desired replicas and its current CPU utilization (% of request). */
export function recordHpa(clients: KubeClients, timeline: Timeline, target: { namespace: string; name: string }): ObjectsWatch {
  const { namespace, name } = target;
  return watchObjects<V2HorizontalPodAutoscaler>(clients.kc, {
    path: `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`,
    list: () => clients.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }),
    onChange: (hpas, at) => {
      const hpa = hpas.find((item) => item.metadata?.name === name);
      if (!hpa) return;
      timeline.set('hpaDesiredReplicas', hpa.status?.desiredReplicas ?? 0, at);
      const cpu = hpa.status?.currentMetrics?.find((metric) => metric.resource?.name === 'cpu')?.resource?.current.averageUtilization;
      if (cpu !== undefined) timeline.set('cpuUtilizationPercent', cpu, at);
    },
  });
}
