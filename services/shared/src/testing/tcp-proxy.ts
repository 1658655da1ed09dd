import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, to simulate outages deterministically and on the same port:
 * cut() refuses and drops connections (Redis "down"), stall() accepts but forwards nothing (Redis "hanging"),
 * dropConnections() forces clients to reconnect, restore() forwards again.
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  stall(): void;
  /** Drops the open connections but keeps listening (clients reconnect, into whatever mode is set). */
  dropConnections(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: 'forward' | 'stall' = 'forward';
  let server: Server | undefined;
  let port = 0;

  const handle = (client: Socket) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (mode === 'stall') return;
    const upstream = connect(targetPort, targetHost);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk) => {
      if (mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'forward') client.write(chunk);
    });
  };

  const listen = async () => {
    server = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as { port: number }).port;
  };

  const stopListening = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut: stopListening,
    stall() {
      mode = 'stall';
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    async restore() {
      mode = 'forward';
      if (!server) await listen();
    },
    close: stopListening,
  };
}
