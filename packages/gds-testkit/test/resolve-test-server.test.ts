import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { findPostgresBinaries, resolveTestServer, testServerEnvNames, testServerSkipReason } from '../src/index.js';

const noDocker = { DOCKER_HOST: '' } as NodeJS.ProcessEnv;

describe('resolveTestServer', () => {
  it('prefers the GDS_TEST_<ENGINE>_URL variable', async () => {
    const env = { GDS_TEST_MSSQL_URL: 'mssql://sa@db.example/master' } as NodeJS.ProcessEnv;
    const server = await resolveTestServer('mssql', { env });
    expect(server).toMatchObject({ kind: 'url', url: 'mssql://sa@db.example/master', description: 'GDS_TEST_MSSQL_URL' });
    expect(testServerSkipReason('mssql', { env })).toBeUndefined();
    expect(testServerEnvNames('postgresql')).toEqual(['GDS_TEST_POSTGRESQL_URL', 'GDS_TEST_POSTGRES_URL']);
  });

  it('skips with one line naming what is missing when there is no URL and no Docker', async () => {
    const hasSocket = existsSync('/var/run/docker.sock');
    const options = { env: noDocker, docker: !hasSocket };
    const server = await resolveTestServer('snowflake', options);
    expect(server).toEqual({ kind: 'skip', reason: expect.stringMatching(/^snowflake real-server suite skipped: no GDS_TEST_SNOWFLAKE_URL; /) });
    const reason = testServerSkipReason('mongodb', { env: noDocker, docker: false });
    expect(reason).toBe('mongodb real-server suite skipped: no GDS_TEST_MONGODB_URL; no Docker engine');
    expect(reason).not.toContain('\n');
  });

  it('takes any engine type (a new engine package): its GDS_TEST_<TYPE>_URL, else a skip saying no image exists', async () => {
    const env = { GDS_TEST_DUCK_DB_URL: 'duck-db://file/app' } as NodeJS.ProcessEnv;
    expect(testServerEnvNames('duck-db')).toEqual(['GDS_TEST_DUCK_DB_URL']);
    expect(await resolveTestServer('duck-db', { env })).toMatchObject({ kind: 'url', url: 'duck-db://file/app', description: 'GDS_TEST_DUCK_DB_URL' });
    expect(testServerSkipReason('duck-db', { env: noDocker })).toBe('duck-db real-server suite skipped: no GDS_TEST_DUCK_DB_URL; no container image exists for it');
  });

  it('falls through when testcontainers cannot reach a Docker engine', async () => {
    const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } as NodeJS.ProcessEnv;
    const started = Date.now();
    const server = await resolveTestServer('mssql', { env });
    expect(server.kind).toBe('skip');
    expect(server.kind === 'skip' && server.reason).toMatch(/testcontainers could not start mcr\.microsoft\.com\/mssql\/server/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  const pg = findPostgresBinaries();
  (pg ? it : it.skip)('starts a local throwaway PostgreSQL when binaries exist, and stops it', async () => {
    const server = await resolveTestServer('postgresql', { env: noDocker, docker: false });
    expect(server.kind).toBe('local');
    if (server.kind === 'skip') return;
    const url = new URL(server.url);
    const out = execFileSync(pg!.psql ?? 'psql', ['-h', url.hostname, '-p', url.port, '-U', 'postgres', '-d', 'postgres', '-Atc', 'select 40 + 2'], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('42');
    await server.stop();
    expect(() =>
      execFileSync(pg!.psql ?? 'psql', ['-h', url.hostname, '-p', url.port, '-U', 'postgres', '-d', 'postgres', '-Atc', 'select 1'], { stdio: 'pipe' }),
    ).toThrow();
  }, 60_000);
  if (!pg) process.stderr.write('SKIP local PostgreSQL resolution: no server binaries (apt-get install -y postgresql)\n');
});
