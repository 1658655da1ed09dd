import { inject } from 'vitest';
import { awaitHandoff } from '../cluster/handoff.js';
import { provideClusterInfo } from '../use-cluster.js';

// A setup file of the scenarios project: before a scenario file is collected, wait for the cluster that the global
// setup is starting (a cold first run builds the node image first: up to half an hour on a small machine).
provideClusterInfo(await awaitHandoff(inject('clusterHandoff'), 60 * 60_000));
