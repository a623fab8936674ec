// server.refuseConnectionsWhileUnready: a replica that cannot reach its shared state stops accepting connections,
// so a load balancer with passive health checks only (open-source nginx) sends the traffic elsewhere.

import type { FastifyBaseLogger } from 'fastify';
import type { IdleConnections } from './idle-connections.js';
import type { InflightRegistry, ParleyApp } from './request-context.js';

/** A running gate: `closed()` is true while it keeps the listener closed (answers then carry `Connection: close`). */
export interface ListenerGate {
  closed(): boolean;
  /** Stops the gate (the drain takes over from there). */
  stop(): void;
}

/**
 * Checks readiness every `everyMs`: when the shared state turns unreachable the listener closes (idle kept-alive
 * connections with it; requests on open connections are still answered, each closing its connection), and nginx
 * sees refused connections, retries them on another replica (nothing was sent) and, after `max_fails`, leaves the
 * replica alone for `fail_timeout`. When the state answers again, the same address is listened on again.
 */
export function gateListenerOnSharedState(o: {
  app: ParleyApp;
  logger: FastifyBaseLogger;
  isReady: () => boolean;
  isDraining: () => boolean;
  listen: { host: string; port: number };
  /** Kept-alive connections must not outlive the cut: in-flight answers close theirs, idle ones are swept. */
  inflight: InflightRegistry;
  connections: IdleConnections;
  /** How long a connection may sit idle while the listener is closed (as in the drain). */
  idleGraceMs: number;
  everyMs?: number;
}): ListenerGate {
  const { app, logger } = o;
  const server = app.server;
  let reopening = false;
  let closed = false;
  const timer = setInterval(() => {
    if (o.isDraining()) return;
    const ready = o.isReady();
    if (!ready && closed) {
      o.connections.closeIdleFor(o.idleGraceMs); // connections whose last answer was in flight at the cut
    } else if (!ready && !closed) {
      closed = true;
      o.inflight.closeConnectionsAfterResponse();
      o.connections.keepIdleOnClose(server); // idle connections go one by one (closeIdleFor), never all at the cut
      server.close();
      logger.warn(
        { port: o.listen.port },
        'shared state unreachable: listener closed until it answers again (server.refuseConnectionsWhileUnready)',
      );
    } else if (ready && closed && !reopening) {
      reopening = true;
      const failed = (error: Error): void => {
        reopening = false; // tried again on the next check
        logger.warn(
          { port: o.listen.port, err: error.message },
          'shared state reachable again, but listening failed; retrying',
        );
      };
      server.once('error', failed);
      server.listen(o.listen, () => {
        server.off('error', failed);
        reopening = false;
        closed = false;
        logger.info({ port: o.listen.port }, 'shared state reachable again: listening');
      });
    }
  }, o.everyMs ?? 200);
  timer.unref();
  return { closed: () => closed, stop: () => clearInterval(timer) };
}
