import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import { libpqEnvironment, parsePostgresUrl, pgpassLookup, readService, resolveConfig, type PgpassTarget } from './postgres-config.js';

interface Evidence {
  cases: { line: string; target: PgpassTarget; password: string | null }[];
}
const evidence = JSON.parse(readFileSync(join(__dirname, '../test/evidence/libpq-credentials.json'), 'utf8')) as Evidence;

const dir = mkdtempSync(join(tmpdir(), 'gds-libpq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string, mode = 0o600): string => {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
};

describe('libpq environment variables', () => {
  it('fill what the config does not give, and only that', () => {
    const env = { PGHOST: 'envhost', PGPORT: '6543', PGUSER: 'envuser', PGPASSWORD: 'env-pw', PGDATABASE: 'envdb', PGSSLMODE: 'require', PGCONNECT_TIMEOUT: '3', HOME: dir };
    const c = resolveConfig({}, env);
    expect([c.host, c.port, c.user, c.password?.reveal(), c.database, c.ssl, c.connectTimeoutMs]).toEqual(['envhost', 6543, 'envuser', 'env-pw', 'envdb', 'require', 3000]);
    const given = resolveConfig({ host: 'given', user: 'me', password: 'given-pw' }, env);
    expect([given.host, given.port, given.user, given.password?.reveal()]).toEqual(['given', 6543, 'me', 'given-pw']);
  });
  it('an empty variable is unset; a bad one is refused without echoing a password', () => {
    expect(libpqEnvironment({ PGHOST: '' })).toEqual({});
    expect(() => libpqEnvironment({ PGPORT: 'abc' })).toThrow(ValidationError);
    expect(() => libpqEnvironment({ PGSSLMODE: 'sometimes' })).toThrow(/sslmode/);
  });
});

describe('the password file (~/.pgpass, PGPASSFILE)', () => {
  it.each(evidence.cases)('$line', ({ line, target, password }) => {
    expect(pgpassLookup(target, { PGPASSFILE: file(`# comment\n${line}\n`) }) ?? null).toBe(password);
  });
  it('the first matching line wins', () => {
    const path = file('h:5432:d:u:first\n*:*:*:*:second\n');
    expect(pgpassLookup({ host: 'h', port: 5432, database: 'd', user: 'u' }, { PGPASSFILE: path })).toBe('first');
    expect(pgpassLookup({ host: 'x', port: 1, database: 'y', user: 'z' }, { PGPASSFILE: path })).toBe('second');
  });
  it('a file the group or others can read is ignored, with a warning', () => {
    const warnings: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((w: string | Error) => void warnings.push(String(w))) as typeof process.emitWarning;
    try {
      expect(pgpassLookup({ host: 'h', port: 5432, database: 'd', user: 'u' }, { PGPASSFILE: file('*:*:*:*:open\n', 0o644) })).toBeUndefined();
      expect(pgpassLookup({ host: 'h', port: 5432, database: 'd', user: 'u' }, { PGPASSFILE: file('*:*:*:*:closed\n', 0o600) })).toBe('closed');
    } finally {
      process.emitWarning = original;
    }
    expect(warnings.join()).toMatch(/group or world access/);
  });
  it('~/.pgpass is read by default, and resolveConfig uses it only when no password is given', () => {
    writeFileSync(join(dir, '.pgpass'), 'db:5432:postgres:app:from-pgpass\n');
    chmodSync(join(dir, '.pgpass'), 0o600);
    expect(resolveConfig({ host: 'db', user: 'app' }, { HOME: dir }).password?.reveal()).toBe('from-pgpass');
    expect(resolveConfig({ host: 'db', user: 'app', password: 'given' }, { HOME: dir }).password?.reveal()).toBe('given');
    expect(resolveConfig({ host: 'db', user: 'app' }, { HOME: dir, PGPASSWORD: 'env' }).password?.reveal()).toBe('env');
    expect(resolveConfig({ host: 'other', user: 'app' }, { HOME: dir }).password).toBeUndefined();
  });
});

describe('the connection service file (PGSERVICE, PGSERVICEFILE, ?service=)', () => {
  const services = () => file('# services\n[sales]\nhost=sales-db\nport=6000\nuser=clerk\ndbname=sales\nsslmode=verify-full\n\n[other]\nhost=o\n');
  it('a service gives its section; the URL and the config win over it, and it wins over PG* variables', () => {
    const PGSERVICEFILE = services();
    expect(readService('sales', { PGSERVICEFILE })).toMatchObject({ host: 'sales-db', port: 6000, user: 'clerk', database: 'sales', ssl: 'verify-full' });
    const c = resolveConfig({ user: 'me' }, { PGSERVICEFILE, PGSERVICE: 'sales', PGHOST: 'env-host', HOME: dir });
    expect([c.host, c.port, c.user, c.database]).toEqual(['sales-db', 6000, 'me', 'sales']);
  });
  it('an unknown service is refused', () => {
    expect(() => readService('nope', { PGSERVICEFILE: services(), HOME: dir })).toThrow(/service 'nope' is not in/);
  });
});

describe('URL parameters', () => {
  it('an unknown parameter is refused, naming the known ones', () => {
    expect(() => parsePostgresUrl('postgres://u:pw@h/db?sslmod=require')).toThrow(ValidationError);
    expect(() => parsePostgresUrl('postgres://u:pw@h/db?sslmod=require')).toThrow(/sslmod: unknown URL parameter \(gds reads host, port/);
    expect(parsePostgresUrl('postgres://u@h/db?sslmode=require&application_name=x').ssl).toBe('require');
  });
});
