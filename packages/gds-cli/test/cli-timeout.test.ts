// `--timeout` bounds the whole command, connecting included: the gds command (a real subprocess)
// against a listening socket that accepts and never answers (a server that hangs, as a firewall
// that drops packets would look), and against a port where nothing listens (refused).
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { built, gds, skipLine } from './helpers.js';

let server: Server;
let port: number;
const sockets = new Set<Socket>();
let closedPort: number;

skipLine('gds CLI --timeout tests');
(built ? describe : describe.skip)('--timeout bounds the whole call (subprocess, a socket that never answers)', () => {
  beforeAll(async () => {
    server = createServer((s) => void sockets.add(s)); // accepts, then says nothing
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it.each([
    ['postgres', () => `postgres://u@127.0.0.1:${port}/postgres`],
    ['mongodb', () => `mongodb://127.0.0.1:${port}/?directConnection=true`],
    ['mssql', () => `mssql://sa:pw@127.0.0.1:${port}/master?encrypt=false`],
  ])('%s: --timeout 2000 fails in about 2 s (the default connect timeout is 10 s)', async (_engine, url) => {
    const started = Date.now();
    const r = await gds(['--url', url(), '--timeout', '2000', 'ls']);
    const took = Date.now() - started;
    expect(r.code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(1500);
    // well under the 10 s default: the 2 s plus the subprocess's start and exit, which take
    // 0.3-0.5 s here and several times that on a loaded CI machine
    expect(took).toBeLessThan(7_000);
    expect(r.stderr).not.toMatch(/max_connections/);
    expect(sockets.size).toBeGreaterThan(0); // it did reach the socket
  }, 30_000);

  it('a refused connection gets the refused hint, never one about max_connections', async () => {
    const r = await gds(['--url', `postgres://u@127.0.0.1:${closedPort}/postgres`, 'ls']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr).toMatch(/hint: nothing listens at that host and port/);
    expect(r.stderr).not.toMatch(/max_connections/);
  }, 30_000);
});
