// A listening socket that outlives the servers that listen on it (systemd socket activation, in a test): see
// socket-holder.mjs. `take()` gives a fresh duplicate for one server (`startParley({ listenOn: { handle } })`),
// or for a child process (`handle.fd` in its stdio).

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export interface HeldSocket {
  port: number;
  /** A duplicate of the socket (a raw TCP handle), for one server to listen on. */
  take(): Promise<TcpHandle>;
  /** Ends the holder; the socket closes once no duplicate is open. */
  close(): Promise<void>;
}

/** The raw handle Node hands over IPC: a listening server closes it; otherwise `close()` it yourself. */
export interface TcpHandle {
  fd: number;
  close(): void;
}

export async function holdSocket(): Promise<HeldSocket> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'socket-holder.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [first] = (await once(child, 'message')) as [{ port: number }];
  return {
    port: first.port,
    async take() {
      const got = once(child, 'message') as Promise<[unknown, TcpHandle | undefined]>;
      child.send('take');
      const [, handle] = await got;
      if (!handle) throw new Error('the socket holder sent no handle');
      return handle;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}
