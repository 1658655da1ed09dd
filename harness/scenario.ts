import type { KubernetesObject } from '@kubernetes/client-node';
import { beforeAll } from 'vitest';
import type { ConnectedCluster } from './cluster/connected-cluster.js';
import { printDiagnosticsOnFailure } from './diagnostics-on-failure.js';
import { useFigures, type Figures } from './figures.js';
import type { KubeClients } from './kube/clients.js';
import { namespaceDiagnostics } from './kube/diagnostics.js';
import type { PhaseBody, PhaseOptions } from './phase/run-phase.js';
import { usePhase, type Phase } from './phase/use-phase.js';
import { useSystem } from './scenario-system.js';
import { useCluster } from './use-cluster.js';

export interface ScenarioOptions {
  /** Edits the test overlay's objects before they are applied. */
  adjust?: (objects: KubernetesObject[]) => KubernetesObject[];
  /** Starts what may run while the system deploys (a beforeAll before the deploy's; not awaited by it). */
  beforeDeploy?: (cluster: ConnectedCluster) => void;
  /** Namespaces besides the system's whose diagnostics an assessment's failure prints (e.g. the ingress controller's). */
  alsoDiagnose?: string[];
}

/** What a scenario file works with: the cluster, its own copy of the system, its figures, its phases. */
export interface Scenario {
  readonly name: string;
  readonly cluster: ConnectedCluster;
  readonly clients: KubeClients;
  /** The namespace of the file's copy of the system, and its Ingress rule's host. */
  readonly namespace: string;
  readonly ingressHost: string;
  /** Printed when the file is done, passing or failing; phases add theirs as `<phase>.<name>`. */
  readonly figures: Figures;
  /** The URL of one of the system's NodePort Services, from this process. */
  url(service: string): Promise<string>;
  /** The namespace's pods, events and logs: for a wait's timeout error. */
  diagnostics(): Promise<string>;
  /** A phase of the scenario (harness/phase): a describe's setup, whose `it`s read its results. */
  phase<R extends object = Record<never, never>>(name: string, options: PhaseOptions, body: PhaseBody<R>): Phase<R>;
}

/**
 * In a scenario file's top describe, first: what every scenario does, in one call. The cluster the global setup
 * started, the file's own copy of the system (deployed before, discarded after: useSystem), the namespace's
 * diagnostics after each failed assessment, and the figures printed at the end.
 */
export function useScenario(name: string, options: ScenarioOptions = {}): Scenario {
  const cluster = useCluster();
  const { clients } = cluster;
  const { beforeDeploy } = options;
  if (beforeDeploy) {
    beforeAll(() => {
      beforeDeploy(cluster);
    });
  }
  const { namespace, ingressHost } = useSystem(cluster, name, options.adjust ? { adjust: options.adjust } : {});
  const figures = useFigures(name);
  for (const diagnosed of [namespace, ...(options.alsoDiagnose ?? [])]) printDiagnosticsOnFailure(clients, diagnosed);
  const urls = new Map<string, Promise<string>>();

  return {
    name,
    cluster,
    clients,
    namespace,
    ingressHost,
    figures,
    url(service) {
      const known = urls.get(service);
      if (known) return known;
      const url = cluster.serviceUrl(service, namespace);
      urls.set(service, url);
      void url.catch(() => urls.delete(service));
      return url;
    },
    diagnostics: () => namespaceDiagnostics(clients, namespace),
    phase: (phaseName, phaseOptions, body) => usePhase({ scenario: name, clients, figures }, phaseName, phaseOptions, body),
  };
}
