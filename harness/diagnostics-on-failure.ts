import { afterEach } from 'vitest';
import type { KubeClients } from './kube/clients.js';
import { namespaceDiagnostics } from './kube/diagnostics.js';

/** In a scenario's describe: after each assessment that fails, print the namespace's diagnostics (pods, events, logs). */
export function printDiagnosticsOnFailure(clients: KubeClients, namespace: string): void {
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') console.log(await namespaceDiagnostics(clients, namespace));
  });
}
