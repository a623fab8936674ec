// Idle keep-alive connections during the drain: closed only once they have been idle for a while, never all at once.
//
// Node's server.close() destroys every idle connection at that instant. A load balancer that picked one of them
// for its next request a moment before gets a reset, and a POST it already wrote is not retried (nginx), so the
// client gets a 502. Waiting until a connection has been idle for `graceMs` gives the balancer time to either use
// it once more (answered with `Connection: close`, so it ends cleanly) or, finding the listener closed, take the
// replica out of rotation; only then is the connection closed.

import { performance } from 'node:perf_hooks';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const IDLE_SINCE = Symbol('parley.idleSince');

type Tracked = Socket & { [IDLE_SINCE]?: number; _httpMessage?: unknown };

/** Notes that the connection carrying this response went idle now (called when a response ends). */
export function markIdle(socket: Socket | null | undefined): void {
  if (socket) (socket as Tracked)[IDLE_SINCE] = performance.now();
}

/** Every open connection of one server, with how long each has been idle. */
export class IdleConnections {
  private readonly sockets = new Set<Tracked>();
  private lastRequestAt = 0;

  constructor(server: Server, event: 'connection' | 'secureConnection') {
    server.on(event, (socket: Tracked) => {
      socket[IDLE_SINCE] = performance.now();
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * Stops Node's server.close() from destroying every idle connection at once (it calls closeIdleConnections);
   * from then on, `closeIdleFor` decides.
   */
  keepIdleOnClose(server: Server): void {
    server.closeIdleConnections = () => undefined;
  }

  /** Notes that a request began (on any connection). */
  noteRequest(): void {
    this.lastRequestAt = performance.now();
  }

  /**
   * Destroys connections without a request in progress that have been idle for at least `graceMs`, and only once
   * no request at all has begun for `graceMs`: while a balancer still sends requests here it may be about to reuse
   * any of them, and once it has taken the replica out (refused connections) it sends none. Returns how many.
   */
  closeIdleFor(graceMs: number): number {
    const now = performance.now();
    if (now - this.lastRequestAt < graceMs) return 0;
    let closed = 0;
    for (const socket of this.sockets) {
      if (socket._httpMessage) continue; // a request is in progress (Node's own idle test)
      if (now - (socket[IDLE_SINCE] ?? 0) < graceMs) continue;
      socket.destroy();
      closed++;
    }
    return closed;
  }
}
