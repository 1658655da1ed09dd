import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import type { StartedRedisContainer } from '@testcontainers/redis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../harness/postgres.js';
import { startRedis } from '../harness/redis.js';
import { suiteConfig } from '../harness/suite-config.js';
import { createPool } from '../services/maya-sawa/src/db.js';
import { migrate } from '../services/maya-sawa/src/migrator.js';
import { collectStatic } from '../services/maya-sawa/src/static-assets.js';
import { startWeb } from '../services/maya-sawa/src/testing.js';
import { SHARED_ERROR_RESPONSES, type ServiceContract } from './common.js';
import { buildOpenApiDocument, CONTRACTS } from './registry.js';
import { ContractChecker } from './testing/contract-checker.js';
import { describeRequest, requestArbitrary, type FuzzRequest } from './testing/fuzz/request-arbitrary.js';
import { send } from './testing/fuzz/send-request.js';
import { startDashboard, startGateway, startWorker } from './testing/start-services.js';
import { startStandIn, TEST_API_KEY } from '../services/openai-stand-in/src/testing.js';

// Every contract in the registry, fuzzed against its service on loopback (real Redis and PostgreSQL): requests made
// from the OpenAPI document, conforming or broken, and every answer held to the contract.

const config = suiteConfig();
const seed = config.fuzzSeed ?? Math.floor(Math.random() * 2 ** 31);
const runs = config.fuzzRuns;
/**
 * A bound on each service's run (they run side by side), so a loaded host cannot stretch the critical path: the
 * requests made by then count. Quiet, the runs end well before it.
 */
const timeLimitMs = runs * 30;

/** Answers that refuse a request: a conforming one must never get them. */
const REFUSALS = new Set([400, ...Object.keys(SHARED_ERROR_RESPONSES).map(Number)]);

/**
 * Operations left out, each for a reason of its own: they would change what every later request gets by design
 * (their contract tests cover them). The stand-in's PUT /test/mode can put the provider 'down', which resets every
 * connection; the gateway's test toggles that disable a probe make it answer 503 on purpose, where no 5xx is allowed
 * here (the toggles that enable one are fuzzed).
 */
const NOT_FUZZED: Record<string, readonly string[]> = {
  'openai-stand-in': ['put /test/mode'],
  'api-gateway': ['post /test/readiness/disable', 'post /test/liveness/disable'],
};

function fuzzedPart(contract: ServiceContract): ServiceContract {
  const left = NOT_FUZZED[contract.service] ?? [];
  return { ...contract, routes: Object.fromEntries(Object.entries(contract.routes).filter(([, route]) => !left.includes(`${route.method} ${route.path}`))) };
}

interface Closable {
  url: string;
  close(): Promise<void>;
}

describe.concurrent('every contract, fuzzed against its running service', () => {
  let redis: StartedRedisContainer;
  let postgres: StartedPostgreSqlContainer;
  let staticDir: string;
  const running = new Map<string, Closable>();

  beforeAll(async () => {
    console.info(`contract fuzzer: seed ${seed}, ${runs} requests per service (replay: KMS_FUZZ_SEED=${seed} npx vitest run contracts/fuzz.contract.test.ts)`);
    [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
    staticDir = await mkdtemp(join(tmpdir(), 'maya-static-fuzz-'));
    const pool = createPool({ url: postgres.getConnectionUri() });
    await Promise.all([migrate(pool).finally(() => pool.end()), collectStatic(staticDir, '0.1.0')]);
    const standIn = await startStandIn();
    const [gateway, worker, web] = await Promise.all([
      startGateway(redis.getConnectionUrl(), { enableTestToggles: true }),
      startWorker(redis.getConnectionUrl()),
      startWeb({ databaseUrl: postgres.getConnectionUri(), redisUrl: redis.getConnectionUrl(), staticDir, ai: { baseUrl: `${standIn.url}/v1`, apiKey: TEST_API_KEY } }),
    ]);
    running.set('api-gateway', gateway).set('worker', worker).set('maya-sawa', web).set('openai-stand-in', standIn);
    running.set('dashboard', await startDashboard({ gatewayUrl: gateway.url, workerUrl: worker.url }));
  });
  afterAll(async () => {
    await Promise.all([...running.values()].map((service) => service.close()));
    await Promise.all([redis?.stop().catch(() => undefined), postgres?.stop()]);
    if (staticDir) await rm(staticDir, { recursive: true, force: true });
  });

  for (const contract of CONTRACTS) {
    it(
      `${contract.service}: no 5xx, no undocumented answer, every body as documented, every error an ErrorBody, no conforming request refused`,
      async () => {
        const service = running.get(contract.service);
        expect(service, `no loopback start-up for ${contract.service}: add it to this file's beforeAll`).toBeDefined();
        const checker = new ContractChecker(contract, () => service!.url);
        const requests = requestArbitrary(buildOpenApiDocument(fuzzedPart(contract))).map((request) =>
          Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) }),
        );
        const statuses = new Map<number, number>();
        const startedAt = performance.now();

        await fc.assert(
          fc.asyncProperty(requests, async (request: FuzzRequest) => {
            const response = await send(service!.url, request);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            const where = `${contract.service}: ${describeRequest(request)} -> ${response.status} ${response.text.slice(0, 300)}`;
            // Every dependency is up: no request, however broken, makes a service fail, even where its contract
            // documents a 5xx (for a dependency that is down).
            expect(response.status, `a 5xx while every dependency is up: ${where}`).toBeLessThan(500);
            checker.check(request.method, request.target, response);
            if (request.conforms) {
              const own = Object.keys(checker.findRoute(request.method, request.target)?.responses ?? {}).map(Number);
              expect(own.filter((status) => !REFUSALS.has(status)), `a conforming request got an answer its operation does not give it: ${where}`).toContain(response.status);
            }
          }),
          { seed, numRuns: runs, interruptAfterTimeLimit: timeLimitMs, markInterruptAsFailure: false },
        );
        const sent = [...statuses.values()].reduce((sum, count) => sum + count, 0);
        const answers = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${count}× ${status}`);
        console.info(`${contract.service}: ${sent} requests in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: ${answers.join(', ')}`);
      },
      timeLimitMs * 3 + 10_000,
    );
  }
});
