import { beforeAll, describe, expect, it, vi } from 'vitest';
import { apiGatewayContract, InfoResponseSchema, StatusResponseSchema } from '../contracts/api-gateway.js';
import { OpenApiDocumentSchema } from '../contracts/common.js';
import { dashboardContract, OverviewSchema } from '../contracts/dashboard.js';
import { INGRESS_CONTROLLER, serveNamespace } from '../harness/cluster/ingress-controller.js';
import { httpGet, type HttpResponse } from '../harness/http-get.js';
import { updatePodTemplate, waitForRollout, withVersion } from '../harness/kube/rollout.js';
import { setHpaBounds } from '../harness/kube/scale.js';
import { podReady } from '../harness/kube/workload-state.js';
import { livePods } from '../harness/kube/workload.js';
import { describeLoad } from '../harness/load/constant-load.js';
import { startPersistentLoad, type PersistentLoadSummary } from '../harness/load/persistent-load.js';
import { useScenario } from '../harness/scenario.js';
import { seconds } from '../harness/seconds.js';
import { DASHBOARD, GATEWAY, gatewayWorkload } from '../harness/system.js';

// The system's Ingress (manifests/base/ingress), served by a real controller: Traefik, reached through its NodePort
// on 127.0.0.1 with the rule's host as the Host header, as a browser pointed at microservices-demo.local would
// (this file's copy of the system has the host ingress.microservices-demo.local: see harness/scenario-system.ts).
const NEW_VERSION = '0.2.0-ingress';
const RATE = 200; // requests per second through the ingress, across CONNECTIONS keep-alive connections
const CONNECTIONS = 8;
const RECONNECT_EVERY = 20;
const MIN_REQUESTS = 5_000;
/**
 * Beside it, a client that keeps 4 connections to the controller, at up to KEEP_ALIVE_RATE: more would take the
 * CPU-limited gateway pods from the other client. (Traefik did not pass the pods' resets on: 0 failures of 7,627 in a run
 * without the pods' fix; rolling-update.test.ts, at full speed on the NodePort, is where they show.)
 */
const KEEP_ALIVE_CONNECTIONS = 4;
const KEEP_ALIVE_RATE = 100;
const KEEP_ALIVE_MIN_REQUESTS = 2_000;
const ROLLOUT_TIMEOUT_MS = 150_000;

describe("ingress: a real controller routes the system's host to the dashboard and the gateway", () => {
  const { cluster, clients, namespace, ingressHost, url, diagnostics, figures, phase } = useScenario('ingress', { alsoDiagnose: [INGRESS_CONTROLLER.namespace] });
  const gateway = gatewayWorkload(namespace);

  /** A GET through the controller's NodePort with `host` as the Host header (null: the address's own, 127.0.0.1:<port>). */
  const viaIngress = (path: string, host: string | null = ingressHost): Promise<HttpResponse> =>
    httpGet(`${cluster.ingressUrl()}${path}`, host === null ? {} : { headers: { host } });

  const json = (response: HttpResponse): unknown => {
    expect(response.headers['content-type'], `${response.status} ${response.body.slice(0, 200)}`).toMatch(/application\/json/);
    return JSON.parse(response.body);
  };

  /** Which versions answer /api/info through the ingress, over `samples` requests on new connections. */
  const versionsServing = async (samples = 12): Promise<string[]> => {
    const versions = new Set<string>();
    for (let i = 0; i < samples; i += 1) versions.add(InfoResponseSchema.parse(json(await viaIngress('/api/info'))).version);
    return [...versions].sort();
  };

  beforeAll(async () => {
    figures.controller = `Traefik (${cluster.info.ingress?.mode}), ready ${cluster.info.timings.ingressReady ?? '?'} s after it was applied`;
    // Traefik serves only the namespaces it is told to, which grant it their Secrets: this file's copy.
    const rolled = Date.now();
    if (await serveNamespace(cluster, namespace)) figures.controllerRolledToNamespaceSeconds = seconds(Date.now() - rolled);
    // The controller is ready when /ping answers; the route is there once its watches have seen the Ingress and the
    // endpoints. The wait has a deadline, not a fixed delay.
    const started = Date.now();
    await vi.waitFor(
      async () => {
        for (const path of ['/', '/api/info']) expect((await viaIngress(path)).status, path).toBe(200);
      },
      { timeout: 60_000, interval: 250 },
    );
    figures.routeWaitSeconds = seconds(Date.now() - started);
  });

  it('is served by a ready controller of the IngressClass the Ingress names (traefik.io/ingress-controller)', async () => {
    const ingress = await clients.networking.readNamespacedIngress({ name: 'microservices-demo', namespace });
    const className = ingress.spec?.ingressClassName;
    expect(className).toBe('traefik');
    const ingressClass = await clients.networking.readIngressClass({ name: className! });
    expect(ingressClass.spec?.controller).toBe('traefik.io/ingress-controller');
    const controller = await clients.apps.readNamespacedDeployment({ name: INGRESS_CONTROLLER.deployment, namespace: INGRESS_CONTROLLER.namespace });
    const selector = Object.entries(controller.spec?.selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`).join(',');
    const pods = (await clients.core.listNamespacedPod({ namespace: INGRESS_CONTROLLER.namespace, labelSelector: selector })).items;
    expect(pods.filter(podReady).length, 'ready controller pods').toBeGreaterThanOrEqual(1);
  });

  it('serves the dashboard page at /, with its assets and its data (/api/overview) from the dashboard', async () => {
    const dashboardUrl = await url(DASHBOARD);
    const page = await viaIngress('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/<title>System health<\/title>/);
    // Every file the page loads is the dashboard's own (compared with its Service, bypassing the ingress).
    for (const path of ['/', '/app.js', '/style.css']) {
      const [through, direct] = await Promise.all([viaIngress(path), httpGet(`${dashboardUrl}${path}`)]);
      expect(through.status, path).toBe(200);
      expect(through.headers['content-type'], path).toBe(direct.headers['content-type']);
      expect(through.body, path).toBe(direct.body);
    }
    // The page's data call sits under /api, the gateway's prefix: the Ingress's Exact path must keep it on the dashboard.
    OverviewSchema.parse(json(await viaIngress('/api/overview')));
  });

  it('routes /api/status and /api/info to the gateway, answering by its contract, balanced over its ready pods', async () => {
    const status = StatusResponseSchema.parse(json(await viaIngress('/api/status')));
    expect(status.redis.connected).toBe(true);
    // Polled with a deadline: an earlier file may have left a rollout or a scale-up settling, and Traefik learns of a
    // pod that just became ready through its watch and a reload, a moment after the EndpointSlice.
    await vi.waitFor(
      async () => {
        const names = (await livePods(clients, gateway)).filter(podReady).map((pod) => pod.metadata!.name!).sort();
        expect(names.length).toBeGreaterThanOrEqual(2);
        const answered = new Set<string>();
        for (let i = 0; i < 4 * names.length; i += 1) answered.add(InfoResponseSchema.parse(json(await viaIngress('/api/info'))).pod);
        // Traefik balances over the Service's endpoints itself (round robin), so every ready gateway pod answers, and
        // only those.
        expect([...answered].sort()).toEqual(names);
      },
      { timeout: 30_000, interval: 1_000 },
    );
  });

  it("serves the gateway's API reference under /api (the page, every file it loads, its document), and the dashboard's at /docs", async () => {
    const page = await viaIngress('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const urls = [...page.body.matchAll(/(?:src|href|data-spec-url)="(\/[^"]+)"/g)].map((match) => match[1]!);
    expect(urls).toEqual(expect.arrayContaining(['/api/openapi.json', '/api/docs/assets/swagger-ui-bundle.js', '/api/docs/assets/swagger-ui.css']));
    for (const url of urls) expect((await viaIngress(url)).status, url).toBe(200);
    const titleOf = async (path: string) => OpenApiDocumentSchema.parse(json(await viaIngress(path))).info.title;
    expect(await titleOf('/api/openapi.json')).toBe(apiGatewayContract.title);
    expect(await titleOf('/openapi.json')).toBe(dashboardContract.title);
    expect((await viaIngress('/docs')).body).toContain(`<title>${dashboardContract.title}: API reference</title>`);
  });

  it('answers 404 for a host that no rule names, and for a request without the host', async () => {
    for (const host of ['unknown.example', `dashboard.${ingressHost}`, null]) {
      for (const path of ['/', '/api/info']) {
        const response = await viaIngress(path, host);
        expect(response.status, `Host ${host ?? '(none)'} ${path}: ${response.body.slice(0, 100)}`).toBe(404);
      }
    }
  });

  describe('a rolling update of the gateway, under constant load through the ingress', () => {
    const rollout = phase<{ keepAlive: PersistentLoadSummary }>('rollout-through-ingress', {}, async ({ step, record, load, figure, results, timeline, onTeardown }) => {
      // The load would make the HPA scale out mid-rollout; hold it at its floor (autoscaling is hpa.test.ts' subject).
      await step('the HPA held at its floor', async () => {
        const hpa = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: GATEWAY, namespace });
        await setHpaBounds(clients, namespace, GATEWAY, { max: hpa.spec?.minReplicas ?? 2 });
        await waitForRollout(clients, namespace, GATEWAY, 60_000, diagnostics);
      });
      const headers = { host: ingressHost };
      record(gateway);
      await load({ url: `${cluster.ingressUrl()}/api/info`, headers, rate: RATE, connections: CONNECTIONS, reconnectEvery: RECONNECT_EVERY, atLeast: MIN_REQUESTS });
      const keepAlive = startPersistentLoad({ url: `${cluster.ingressUrl()}/api/info`, headers, connections: KEEP_ALIVE_CONNECTIONS, rate: KEEP_ALIVE_RATE, maxSeconds: 240, timeline });
      onTeardown('stop the keep-alive client', async () => {
        results.keepAlive = await keepAlive.stop();
        figure('keepAliveLoad', describeLoad(results.keepAlive));
      });
      const started = Date.now();
      await step(`${NEW_VERSION} rolled out`, async () => {
        await updatePodTemplate(clients, namespace, GATEWAY, withVersion(NEW_VERSION));
        await waitForRollout(clients, namespace, GATEWAY, ROLLOUT_TIMEOUT_MS, diagnostics);
      });
      // The last old pod is still shutting down (preStop, drain): the load stays on until it has exited.
      await step('the last old pod has exited', () =>
        vi.waitFor(async () => {
          const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: gateway.podSelector })).items;
          expect(pods.map((pod) => pod.metadata?.labels?.['app.kubernetes.io/version'])).toEqual(pods.map(() => NEW_VERSION));
        }, { timeout: 60_000, interval: 500 }),
      );
      figure('untilLastOldPodExitedSeconds', seconds(Date.now() - started));
    });

    it(`fails no request through the ingress over at least ${MIN_REQUESTS} requests at ${RATE} req/s: 0 non-2xx, 0 socket errors`, () => {
      const load = rollout.result('load');
      expect(load.sent, 'requests sent').toBeGreaterThanOrEqual(MIN_REQUESTS);
      expect(load.sent / load.seconds, 'requests per second').toBeGreaterThanOrEqual(100);
      expect(load.non2xx + load.errors, `a rollout behind the ingress must not fail a request: ${describeLoad(load)}`).toBe(0);
    });

    it(`fails no request of a client that keeps ${KEEP_ALIVE_CONNECTIONS} connections to the controller (up to ${KEEP_ALIVE_RATE} req/s)`, () => {
      const keepAlive = rollout.result('keepAlive');
      expect(keepAlive.sent, 'requests of the keep-alive client').toBeGreaterThanOrEqual(KEEP_ALIVE_MIN_REQUESTS);
      expect(keepAlive.non2xx + keepAlive.errors, `the controller's kept upstream connections must leave old pods first: ${describeLoad(keepAlive)}`).toBe(0);
    });

    it('serves only the new version through the ingress at the end', async () => {
      expect(await versionsServing()).toEqual([NEW_VERSION]);
    });
  });
});
