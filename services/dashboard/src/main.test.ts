import { describe, expect, it } from 'vitest';
import { OverviewSchema } from '../../../contracts/dashboard.js';
import { freePort } from '../../shared/src/testing/helpers.js';
import { logLines, spawnService } from '../../shared/src/testing/spawn-service.js';

describe('dashboard process', () => {
  it('refuses to start without WORKER_URL, naming it, exit code 1', async () => {
    const service = spawnService('dashboard', { GATEWAY_URL: 'http://gateway:8080' });
    expect(await service.exited).toBe(1);
    expect(logLines(service.output()).find((line) => line.level === 'fatal')?.msg).toBe('invalid configuration: WORKER_URL is required');
  });

  it('serves the page and an overview even when every upstream is down, and exits cleanly on SIGTERM', async () => {
    const [port, nobody] = await Promise.all([freePort(), freePort()]);
    const service = spawnService('dashboard', {
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEWAY_URL: `http://127.0.0.1:${nobody}`,
      WORKER_URL: `http://127.0.0.1:${nobody}`,
      SHUTDOWN_DRAIN_SECONDS: '0',
    });
    try {
      await service.waitForLog('dashboard listening');
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const page = await fetch(`${base}/`);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('<script src="app.js" defer></script>');
      const overview = OverviewSchema.parse(await (await fetch(`${base}/api/overview`)).json());
      expect(overview.overall).toBe('down');

      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    } finally {
      service.child.kill('SIGKILL');
    }
  });
});
