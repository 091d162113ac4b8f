// `gds demo` (the README's first command) runs end to end as a real subprocess, and cleans up
// after itself, also when interrupted with Ctrl-C (SIGINT).
import { connect } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { built, gds, skipLine } from './helpers.js';

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

const ports = (out: string) => [...out.matchAll(/127\.0\.0\.1:(\d+)/g)].slice(0, 2).map((m) => Number(m[1]));

skipLine('gds demo tests');
(built ? describe : describe.skip)('gds demo (subprocess, real PostgreSQL primary + standby)', () => {
  it('runs every step of the main job and leaves nothing running', async () => {
    const { code, stdout } = await gds(['demo']);
    expect(stdout).toMatch(/11 steps passed, 0 failed/);
    expect(stdout).toMatch(/orders: 200000 rows, sum [\d.]+ in both/);
    // a standby's endpoint is its host only: the walreceiver's client port is not where it listens (issue 12 item 13)
    expect(stdout).toMatch(/standby +127\.0\.0\.1 +healthy lag [\d.]+ s \/ \d+ bytes/);
    expect(stdout).toMatch(/the new primary is a replica: false/);
    expect(code).toBe(0);
    const started = ports(stdout);
    expect(started).toHaveLength(2);
    for (const port of started) expect(await refused(port)).toBe(true);
  }, 120_000);

  it('--json prints one document with every step', async () => {
    const { code, stdout } = await gds(['demo', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { ok: boolean; steps: { title: string; ok: boolean; ms: number }[] };
    expect(doc.ok).toBe(true);
    expect(doc.steps).toHaveLength(11);
    expect(doc.steps.every((s) => s.ok && s.ms >= 0)).toBe(true);
  }, 120_000);

  it('cleans up when interrupted with Ctrl-C', async () => {
    let sent = false;
    const { code, stdout, stderr } = await gds(['demo'], {
      onStdout: (text, child) => {
        if (!sent && text.includes('create a sample database')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(stderr).toMatch(/cancelling/);
    expect(code).toBe(130);
    expect(stdout).toMatch(/Summary/);
    for (const port of ports(stdout)) expect(await refused(port)).toBe(true);
  }, 120_000);
});
