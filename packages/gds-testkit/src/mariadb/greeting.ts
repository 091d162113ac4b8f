// Waits for a MariaDB server to accept TCP connections by reading its handshake packet (which names its version).
import net from 'node:net';

/** What the first packet said: the server version, or the error it sent instead of a handshake. */
export type Greeting = { readonly version: string } | { readonly error: string };

/**
 * Connects to 127.0.0.1:`port` and reads the first packet: protocol 10 handshake -> the version string;
 * 0xff -> the server's error text; no listener or no packet within `timeoutMs` -> undefined.
 */
export function readGreeting(port: number, timeoutMs = 2000): Promise<Greeting | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const done = (value: Greeting | undefined): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 4) return;
      const length = buffer.readUIntLE(0, 3);
      if (buffer.length < 4 + length) return;
      const payload = buffer.subarray(4, 4 + length);
      if (payload[0] === 10) {
        const end = payload.indexOf(0, 1);
        // MariaDB prefixes its version with "5.5.5-" on the wire for old MySQL clients.
        const version = payload.subarray(1, end < 0 ? payload.length : end).toString('latin1');
        done({ version: version.replace(/^5\.5\.5-(?=\d+\.\d+\.\d+-MariaDB)/, '') });
      } else if (payload[0] === 0xff) {
        done({ error: `${payload.readUInt16LE(1)}: ${payload.subarray(3).toString('utf8')}` });
      } else {
        done({ error: `unexpected first packet (protocol ${String(payload[0])})` });
      }
    });
  });
}
