// The password prompt on a pseudo-terminal (python3's pty; the gds command is a real subprocess)
// against a real PostgreSQL server whose role must give a password: gds asks only when none was
// given, shows nothing of what is typed, and connects with the answer; a wrong answer says so.
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addPasswordRole, startPostgres, type PasswordRole, type PostgresCluster } from '@gds/testkit';
import { bin, built, skipLine } from './helpers.js';

const PASSWORD = 'Typed-At-The-Prompt-93';
let cluster: PostgresCluster;
let role: PasswordRole;
const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import pty']);
    return true;
  } catch {
    return false;
  }
})();
if (!hasPython) process.stderr.write('SKIP password prompt on a pseudo-terminal: python3 with its pty module is not on this machine\n');

function onTerminal(answer: string, args: string[]): Promise<{ screen: string; code: number }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, GDS_URL: '', HOME: '/nonexistent', TERM: 'xterm' };
    for (const k of Object.keys(env)) if (k.startsWith('PG')) delete env[k];
    execFile('python3', [join(__dirname, 'password-prompt.py'), answer, process.execPath, bin, ...args], { env, encoding: 'utf8', timeout: 60_000 }, (_e, stdout) => {
      const code = Number(/\[exit (\d+)\]\s*$/.exec(stdout)?.[1] ?? -1);
      resolve({ screen: stdout, code });
    });
  });
}

skipLine('gds CLI password prompt');
(built && hasPython ? describe : describe.skip)('the password prompt (pseudo-terminal, real PostgreSQL with scram-sha-256)', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    role = await addPasswordRole(cluster, { user: 'app', password: PASSWORD });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000); // stopping the cluster and removing its files: jest's 5 s default is tight on a loaded machine

  it('asks when the server wants a password and none was given, echoes nothing, and connects', async () => {
    const r = await onTerminal(PASSWORD, ['--url', role.url(), '--format', 'tsv', 'ls']);
    expect(r.screen).toMatch(/Password for app@127\.0\.0\.1:\d+: /);
    expect(r.screen).not.toContain(PASSWORD);
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/^postgres\t/m);
  }, 60_000);

  it('a wrong answer is refused with its own message', async () => {
    const r = await onTerminal('not-the-password', ['--url', role.url(), 'ls']);
    expect(r.code).toBe(1);
    expect(r.screen).toMatch(/refused the password typed at the prompt/);
    expect(r.screen).not.toContain('not-the-password');
  }, 60_000);
});
