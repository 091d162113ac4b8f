/**
 * Addresses that fail the way an unreachable Snowflake endpoint does, for connect-timeout tests:
 * a loopback port where nothing listens (the connection is refused at once), and a server that
 * accepts TCP connections and never answers (a firewall that drops, a hung proxy).
 *
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback port with nothing listening on it (bound once to find it, then closed).
 *
 * ### Examples
 * ```ts
 * const port = await refusedPort(); // connecting to 127.0.0.1:port gets ECONNREFUSED
 * ```
 */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts connections and never sends a byte. */
export interface SilentServer extends AsyncDisposable {
  /** Its loopback port. */
  readonly port: number;
  /** How many connections it accepted. */
  readonly accepted: () => number;
  /** How many of them are still open. */
  readonly open: () => number;
  /** Closes it and every socket it holds. */
  close(): Promise<void>;
}

/**
 * Starts a server that accepts TCP connections, reads what it is sent, and never answers.
 *
 * ### Examples
 * ```ts
 * await using silent = await startSilentServer();
 * // a login to http://127.0.0.1:${silent.port} waits for a reply that never comes
 * ```
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const silent: SilentServer = {
    port,
    accepted: () => accepted,
    open: () => sockets.size,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    [Symbol.asyncDispose]() {
      return silent.close();
    },
  };
  return silent;
}
