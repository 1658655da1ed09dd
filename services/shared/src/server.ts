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

export interface ServerOptions {
  /**
   * True once the process is shutting down. From then on every response says `Connection: close` and its connection
   * ends with it, so a keep-alive client (a proxy's upstream pool, a load tool) sends its next request on a new
   * connection, to a pod that stays. Without it, close() drops connections that look idle while the client may be
   * sending on one, and that request is reset. close() implies it.
   */
  shuttingDown?: () => boolean;
}

export async function start(app: RequestListener, port: number, host: string, options: ServerOptions = {}): Promise<RunningServer> {
  let closing: Promise<void> | undefined;
  const server = createServer((request, response) => {
    if (closing || options.shuttingDown?.()) response.setHeader('connection', 'close');
    app(request, response);
  });
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
