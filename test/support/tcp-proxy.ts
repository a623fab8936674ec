// A TCP proxy in node:net that a test can cut (every connection reset, new ones refused) and heal: one replica's
// path to a shared server fails while the others still reach it.

import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './ports.js';

export interface TcpProxy {
  port: number;
  /** Resets every proxied connection and refuses new ones until `heal()`. */
  cut(): Promise<void>;
  /** Accepts connections again. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on a free loopback port and forwards each connection to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = connect(target);
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        sock.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.resetAndDestroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    port,
    cut: stop,
    heal: async () => {
      if (!server) await listen();
    },
    close: stop,
  };
}
