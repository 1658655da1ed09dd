// Removes what a suite process started once that process is gone, however it ended (Ctrl-C, a kill, a crash):
//   node --import tsx harness/cleanup-watchdog.ts <pid>
// Started detached by configureTestcontainers() (harness/testcontainers-env.ts), in a session of its own, so the
// Ctrl-C that ends the run does not end it too. Where testcontainers' reaper (Ryuk) can run, it covers the same.
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive, removeSuiteContainers } from './cleanup.js';

const owner = Number(process.argv[2]);
if (!Number.isInteger(owner) || owner <= 0) {
  console.error('usage: cleanup-watchdog.ts <pid of the process to outlive>');
  process.exit(2);
}
while (processAlive(owner)) await sleep(1_000);
// The owner's children (vitest's workers, which may own containers too) end with it; give them a moment.
await sleep(2_000);
const removed = await removeSuiteContainers('orphaned');
if (removed.length > 0) console.log(`[cleanup-watchdog] process ${owner} is gone: removed ${removed.length} container(s) it left`);
