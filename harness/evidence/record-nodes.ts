import type { V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/clients.js';
import { nodeReady } from '../kube/nodes.js';
import { watchObjects, type ObjectsWatch } from '../kube/watch-objects.js';
import { endpointSliceSelector, readyEndpointsByNode } from '../kube/workload-state.js';
import type { ChartPanel } from './svg-chart.js';
import { DEFAULT_PANELS } from './write-evidence.js';
import type { Timeline, TimelineData } from './timeline.js';

/** Series name of a node's readiness (1 Ready, 0 not): `ready <node>`. */
export const nodeReadySeries = (node: string): string => `ready ${node}`;
/** Series name of a Service's ready endpoints on one node: `<label>@<node>`. */
export const endpointsSeries = (label: string, node: string): string => `${label}@${node}`;

/** Feeds a timeline from a Node watch: each node's readiness, as `ready <node>` = 1 or 0. */
export function recordNodes(clients: KubeClients, timeline: Timeline): ObjectsWatch {
  const seen = new Set<string>();
  return watchObjects<V1Node>(clients.kc, {
    path: '/api/v1/nodes',
    list: () => clients.core.listNode(),
    onChange: (nodes, at) => {
      const present = new Set(nodes.map((node) => node.metadata!.name!));
      for (const node of nodes) timeline.set(nodeReadySeries(node.metadata!.name!), nodeReady(node) ? 1 : 0, at);
      for (const name of seen) if (!present.has(name)) timeline.set(nodeReadySeries(name), 0, at); // deleted
      for (const name of present) seen.add(name);
    },
  });
}

/**
 * Feeds a timeline from a Service's EndpointSlices: its ready endpoints on each node, as `<label>@<node>` (a node
 * that had some and has none now drops to 0).
 */
export function recordEndpointsByNode(clients: KubeClients, timeline: Timeline, target: { namespace: string; service: string; label: string }): ObjectsWatch {
  const { namespace, service, label } = target;
  const selector = endpointSliceSelector(service);
  const seen = new Set<string>();
  return watchObjects<V1EndpointSlice>(clients.kc, {
    path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    list: () => clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: selector }),
    labelSelector: selector,
    onChange: (slices, at) => {
      const counts = readyEndpointsByNode(slices);
      for (const node of new Set([...seen, ...Object.keys(counts)])) {
        timeline.set(endpointsSeries(label, node), counts[node] ?? 0, at);
        seen.add(node);
      }
    },
  });
}

/** A chart panel of every series of the data whose name matches, e.g. all `gateway@<node>` series. */
export function panelOf(data: TimelineData, title: string, matches: (series: string) => boolean): ChartPanel {
  return { title, series: Object.keys(data.series).filter(matches).sort() };
}

/** A Service whose ready endpoints are recorded per node: series `<label>@<node>`, drawn under `<title>`. */
export interface PerNodeService {
  service: string;
  label: string;
  title: string;
}

/** For a phase on several nodes: each Service's ready endpoints per node, and each node's readiness, on the timeline. */
export function recordPerNode(clients: KubeClients, timeline: Timeline, namespace: string, services: PerNodeService[]): ObjectsWatch[] {
  return [...services.map(({ service, label }) => recordEndpointsByNode(clients, timeline, { namespace, service, label })), recordNodes(clients, timeline)];
}

/** The chart of a phase on several nodes: what Kubernetes reports, what recordPerNode recorded, what the clients saw. */
export function perNodePanels(data: TimelineData, services: PerNodeService[]): ChartPanel[] {
  return [
    DEFAULT_PANELS[0]!,
    ...services.map(({ label, title }) => panelOf(data, `${title}: ready endpoints per node`, (series) => series.startsWith(`${label}@`))),
    panelOf(data, 'Nodes: Ready (1) or not (0)', (series) => series.startsWith('ready ')),
    DEFAULT_PANELS[1]!,
  ];
}
