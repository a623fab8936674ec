// A listening socket Parley did not open: systemd socket activation (`LISTEN_FDS`), or a handle a supervisor passes.
// The socket outlives every Parley process that serves it, so a restart closes no listener: connections that arrive
// while one process drains and the next starts wait in the socket's queue instead of being refused or reset
// (docs/deployment.md, "Restarts without a reset connection").

import { ConfigError } from './config-error.js';

/** What `startParley` listens on instead of `server.host`/`server.port`. */
export type InheritedSocket = { fd: number } | { handle: object };

/** systemd passes sockets from fd 3 on (sd_listen_fds(3)). */
const SD_LISTEN_FDS_START = 3;

/**
 * The socket systemd passed this process, by the socket-activation protocol: `LISTEN_PID` is this process and
 * `LISTEN_FDS` counts the sockets. Parley serves one socket; more is refused by name rather than some ignored.
 */
export function socketFromSystemd(env: NodeJS.ProcessEnv, pid: number): InheritedSocket | undefined {
  if (env.LISTEN_FDS === undefined || env.LISTEN_PID === undefined) return undefined;
  // meant for another process (a parent that exec'd us did not reset it)
  if (Number(env.LISTEN_PID) !== pid) return undefined;
  const count = Number(env.LISTEN_FDS);
  if (count === 0) return undefined;
  if (!Number.isInteger(count) || count < 0)
    throw new ConfigError('environment', [
      `LISTEN_FDS: "${env.LISTEN_FDS}" is not a count of sockets — systemd sets it; unset it when not socket-activated`,
    ]);
  if (count > 1)
    throw new ConfigError('environment', [
      `LISTEN_FDS: ${count} sockets passed, Parley serves one — give its socket unit a single ListenStream=`,
    ]);
  return { fd: SD_LISTEN_FDS_START };
}

/** The socket systemd passed `parley serve`, if any (reads this process's environment). */
export function listenSocketFromEnvironment(): InheritedSocket | undefined {
  return socketFromSystemd(process.env, process.pid);
}
