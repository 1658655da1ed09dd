import { afterEach } from 'vitest';
import type { KubeClients } from './kube/clients.js';
import { namespaceDiagnostics } from './kube/diagnostics.js';
import { reportDiagnostics } from './report/task-meta.js';

/**
 * In a scenario's describe: after each assessment that fails, print the namespace's diagnostics (pods, events, logs),
 * and hand them to the evidence report beside that failure.
 */
export function printDiagnosticsOnFailure(clients: KubeClients, namespace: string): void {
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const diagnostics = await namespaceDiagnostics(clients, namespace);
    reportDiagnostics(task, diagnostics);
    console.log(diagnostics);
  });
}
