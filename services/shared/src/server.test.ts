import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { start, type RunningServer } from './server.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  reusedSocket: boolean;
}

function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the HTTP server with keep-alive clients', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function startServer(shuttingDown: () => boolean): Promise<RunningServer> {
    const server = await start((_req, res) => res.end('ok'), 0, '127.0.0.1', { shuttingDown });
    servers.push(server);
    return server;
  }

  it('keeps connections open until shutdown begins, then says Connection: close and ends each after its answer', async () => {
    let shuttingDown = false;
    const server = await startServer(() => shuttingDown);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await get(server.url, agent);
      const reused = await get(server.url, agent);
      expect(reused.reusedSocket, 'the second request went on the same connection').toBe(true);
      expect(reused.headers.connection).toBe('keep-alive');

      shuttingDown = true;
      const last = await get(server.url, agent);
      expect(last.headers.connection).toBe('close');
      const next = await get(server.url, agent);
      expect(next.reusedSocket, 'the client opened a new connection after Connection: close').toBe(false);
    } finally {
      agent.destroy();
    }
  });

  // What a proxy's upstream pool does during a rollout: keep-alive connections at full speed. Each client leaves when
  // told to (Connection: close), as it would for another pod; none may see its request reset by the server's close.
  it('lets clients sending at full speed on kept connections leave before close(): no request reset', async () => {
    let shuttingDown = false;
    const server = await startServer(() => shuttingDown);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const errors: string[] = [];
    let answered = 0;
    let closed = false;
    const loops = Array.from({ length: 4 }, async () => {
      // Until told to leave; once the server is closed, a client that did not leave keeps trying (and fails).
      for (let attempts = 0; !closed || attempts < 20; attempts += closed ? 1 : 0) {
        try {
          const answer = await get(server.url, agent);
          answered += 1;
          if (answer.headers.connection === 'close') return;
        } catch (error) {
          errors.push((error as NodeJS.ErrnoException).code ?? String(error));
        }
      }
    });
    try {
      while (answered < 200) await new Promise((resolve) => setTimeout(resolve, 10));
      shuttingDown = true;
      // The drain delay: long enough for every client to send one more request and be told to leave (1 s at most).
      const allLeft = Promise.all(loops);
      await Promise.race([allLeft, new Promise((resolve) => setTimeout(resolve, 1000))]);
      await server.close();
      closed = true;
      await allLeft;
      expect(errors, 'requests that failed').toEqual([]);
    } finally {
      closed = true;
      agent.destroy();
    }
  });
});
