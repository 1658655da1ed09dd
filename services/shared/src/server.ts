import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerProtocolErrorsInJson } from './protocol-errors.js';

export interface RunningServer {
  /** Where a client on this host reaches the server, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  server: Server;
  /**
   * Stops accepting connections and resolves once in-flight requests have finished. Idle keep-alive connections
   * are closed as soon as they become idle, so a client holding one open cannot delay shutdown.
   */
  close(): Promise<void>;
}

export async function start(app: RequestListener, port: number, host: string): Promise<RunningServer> {
  const server = createServer(app);
  answerProtocolErrorsInJson(server);
  // Longer than typical load balancer idle timeouts, so the proxy closes keep-alive connections first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const clientHost = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      // close() drops the connections idle right now; this drops those that become idle once their request ends.
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      server.close((error) => {
        clearInterval(sweeper);
        if (error) reject(error);
        else resolve();
      });
    }));

  return { url: `http://${clientHost}:${address.port}`, port: address.port, server, close };
}
