// A child process that holds one bound TCP socket and hands a duplicate of it to its parent on request, as systemd
// holds a socket unit's socket: whoever listens on a duplicate serves it, and closing a duplicate leaves the socket
// (and the connections waiting in its queue) alive. Node has no dup(); passing a handle over IPC makes one.
// net._createServerHandle binds without listening, so the holder itself never accepts a connection.
import net from 'node:net';

const handle = net._createServerHandle('127.0.0.1', 0, 4, undefined, 0);
if (typeof handle === 'number') throw new Error(`binding a socket failed (errno ${handle})`);
const out = {};
handle.getsockname(out);
process.on('message', (message) => {
  if (message === 'take') process.send({ port: out.port }, handle);
});
process.on('disconnect', () => process.exit(0));
process.send({ port: out.port });
