// The README's main job (examples/demo.mjs) runs end to end as a real subprocess, and cleans
// up after itself, also when interrupted with Ctrl-C (SIGINT).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const root = join(__dirname, '..', '..', '..');
const demo = join(root, 'examples', 'demo.mjs');
const built = existsSync(join(root, 'packages', 'gds-postgres', 'dist', 'index.js'));

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function runDemo(onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [demo], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      const text = b.toString();
      out += text;
      for (const line of text.split('\n')) onLine?.(line, child);
    });
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const ports = (out: string) => [...out.matchAll(/127\.0\.0\.1:(\d+)/g)].slice(0, 2).map((m) => Number(m[1]));

(built ? describe : describe.skip)('examples/demo.mjs', () => {
  it('runs every step of the main job and leaves nothing running', async () => {
    const { code, out } = await runDemo();
    expect(out).toMatch(/11 steps passed, 0 failed/);
    expect(out).toMatch(/orders: 200000 rows, sum [\d.]+ in both/);
    expect(out).toMatch(/standby +127\.0\.0\.1:\d+ +healthy lag [\d.]+ s/);
    expect(code).toBe(0);
    for (const port of ports(out)) expect(await refused(port)).toBe(true);
  }, 120_000);

  it('cleans up when interrupted with Ctrl-C', async () => {
    let sent = false;
    const { code, out } = await runDemo((line, child) => {
      if (!sent && line.includes('create a sample database')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(out).toMatch(/interrupted: cancelling and cleaning up/);
    expect(code).toBe(130);
    for (const port of ports(out)) expect(await refused(port)).toBe(true);
  }, 120_000);
});
if (!built) process.stderr.write('SKIP examples/demo.mjs test: packages are not built (run the README test command, which builds first)\n');
