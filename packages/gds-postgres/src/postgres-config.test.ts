import { describe, it, expect, afterEach } from '@jest/globals';
import { GdsError, Secret, ValidationError } from '@gds/database';
import { parsePostgresUrl, resolveConfig, type PostgreSQLConfigInput } from './postgres-config.js';
import { PostgreSQLConnection } from './postgres-connection.js';

/** Secrets made by the code under test, forgotten after each test so that redaction state does not leak. */
const made: Secret[] = [];
afterEach(() => {
  for (const s of made.splice(0)) s.forget();
});

function parse(url: string): PostgreSQLConfigInput {
  const config = parsePostgresUrl(url);
  if (config.password instanceof Secret) made.push(config.password);
  return config;
}

function reveal(password: PostgreSQLConfigInput['password']): string | undefined {
  return password instanceof Secret ? password.reveal() : password;
}

function thrown(fn: () => unknown): GdsError {
  try {
    fn();
  } catch (e) {
    if (!GdsError.isInstance(e)) throw new Error(`expected a GdsError, got ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('parsePostgresUrl', () => {
  it('reads user, password, host, port and database', () => {
    const c = parse('postgres://app:pw-1234@db.example.com:6543/sales');
    expect(c.user).toBe('app');
    expect(c.password).toBeInstanceOf(Secret);
    expect(reveal(c.password)).toBe('pw-1234');
    expect(c.host).toBe('db.example.com');
    expect(c.port).toBe(6543);
    expect(c.database).toBe('sales');
    expect(Object.keys(c).sort()).toEqual(['database', 'host', 'password', 'port', 'user']);
  });

  it('accepts the postgresql:// scheme too', () => {
    expect(parse('postgresql://u@h/d')).toEqual({ host: 'h', user: 'u', database: 'd' });
  });

  it('leaves out what the URL does not give (defaults come from resolveConfig)', () => {
    expect(parse('postgres://h')).toEqual({ host: 'h' });
    expect(parse('postgres://h/')).toEqual({ host: 'h' });
    expect(parse('postgresql:///sales')).toEqual({ database: 'sales' });
  });

  it.each([
    ['disable', 'disable'],
    ['allow', 'prefer'],
    ['prefer', 'prefer'],
    ['require', 'require'],
    ['verify-ca', 'verify-full'],
    ['verify-full', 'verify-full'],
  ])('sslmode=%s -> ssl %s', (mode, ssl) => {
    expect(parse(`postgres://h/d?sslmode=${mode}`).ssl).toBe(ssl);
  });

  it('reads application_name and connect_timeout (seconds -> ms)', () => {
    const c = parse('postgres://h/d?application_name=my%20app&connect_timeout=5');
    expect(c.applicationName).toBe('my app');
    expect(c.connectTimeoutMs).toBe(5000);
    expect(parse('postgres://h/d?connect_timeout=2.5').connectTimeoutMs).toBe(2500);
  });

  it('takes host= in the query as a Unix socket directory', () => {
    const c = parse('postgresql:///sales?host=/var/run/postgresql');
    expect(c.host).toBe('/var/run/postgresql');
    expect(c.database).toBe('sales');
    expect(parse('postgres://ignored/d?host=/tmp').host).toBe('/tmp');
  });

  it('takes a percent-encoded socket directory as the host', () => {
    expect(parse('postgresql://%2Fvar%2Flib%2Fpostgresql/dbname').host).toBe('/var/lib/postgresql');
  });

  it('query parameters override the URL parts (port, user, password, dbname)', () => {
    const c = parse('postgres://u:pw1@h:1111/d?port=2222&user=other&password=pw-from-query&dbname=db2');
    expect(c.port).toBe(2222);
    expect(c.user).toBe('other');
    expect(reveal(c.password)).toBe('pw-from-query');
    expect(c.database).toBe('db2');
  });

  it('decodes a percent-encoded password, user and database name', () => {
    const c = parse('postgres://my%20user:p%40ss%3Aw%2Fo%25rd%23@h/my%20db%2F%22x%22');
    expect(c.user).toBe('my user');
    expect(reveal(c.password)).toBe('p@ss:w/o%rd#');
    expect(c.database).toBe('my db/"x"');
    expect(parse('postgres://h/caf%C3%A9').database).toBe('café');
  });

  it('strips the brackets of an IPv6 host', () => {
    const c = parse('postgres://u:pw-1234@[::1]:5433/db');
    expect(c.host).toBe('::1');
    expect(c.port).toBe(5433);
    expect(parse('postgres://[2001:db8::7]/db').host).toBe('2001:db8::7');
  });

  it('refuses a scheme other than postgres:// or postgresql://, without echoing the password', () => {
    const e = thrown(() => parse('mysql://root:S3cr3t-pw@h/db'));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(e.message).toBe('Invalid PostgreSQL URL: (value): scheme mysql:// is not postgres:// or postgresql://');
    expect(e.message).not.toContain('S3cr3t-pw');
    expect(e.engine).toBe('postgresql');
  });

  it('refuses an unknown sslmode, without echoing the password', () => {
    const e = thrown(() => parsePostgresUrl('postgres://u:S3cr3t-pw@h/db?sslmode=sometimes'));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(e.message).toBe("Invalid PostgreSQL URL: /sslmode: unknown sslmode 'sometimes'");
    expect(JSON.stringify(e.toJSON())).not.toContain('S3cr3t-pw');
  });

  it('refuses what is not a URL, without echoing it', () => {
    for (const bad of ['not a url S3cr3t-pw', 'postgres://u:S3cr3t-pw@h:99999/db', '']) {
      const e = thrown(() => parsePostgresUrl(bad));
      expect(ValidationError.isInstance(e)).toBe(true);
      expect(e.message.startsWith('Invalid PostgreSQL URL: (value): expected postgres://')).toBe(true);
      expect(e.message).not.toContain('S3cr3t-pw');
    }
  });

  it('refuses a malformed percent-encoding (a raw %) with a ValidationError, without echoing the password', () => {
    const e = thrown(() => parsePostgresUrl('postgres://u:S3cr3t%pw@h/db'));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(e.message).toBe('Invalid PostgreSQL URL: /password: has a malformed percent-encoding (write % as %25)');
    expect(e.message).not.toContain('S3cr3t');
    expect(thrown(() => parsePostgresUrl('postgres://h/100%')).message).toBe('Invalid PostgreSQL URL: /database: has a malformed percent-encoding (write % as %25)');
  });

  it('a bad port reaches resolveConfig as a ValidationError, without the password', () => {
    const e = thrown(() => resolveConfig(parse('postgres://u:S3cr3t-pw@h:0/db')));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(e.message).toContain('/port');
    expect(e.message).not.toContain('S3cr3t-pw');
  });
});

describe('resolveConfig', () => {
  it('fills in the defaults', () => {
    expect(resolveConfig({})).toEqual({
      host: 'localhost',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: 'postgres',
      ssl: 'disable',
      connectTimeoutMs: 10_000,
      applicationName: 'gds',
      maxConnections: 4,
      idleTimeoutMs: 10_000,
      prepareStatements: true,
      binDir: undefined,
    });
    expect(Object.isFrozen(resolveConfig({}))).toBe(true);
  });

  it('keeps what is given', () => {
    const c = resolveConfig({
      type: 'postgresql',
      host: 'db',
      port: 6543,
      user: 'app',
      database: 'sales',
      ssl: 'verify-full',
      connectTimeoutMs: 2500,
      applicationName: 'etl',
      maxConnections: 10,
      idleTimeoutMs: 500,
      binDir: '/opt/pg/bin',
    });
    expect(c).toMatchObject({ host: 'db', port: 6543, user: 'app', database: 'sales', ssl: 'verify-full', connectTimeoutMs: 2500, applicationName: 'etl', maxConnections: 10, idleTimeoutMs: 500, binDir: '/opt/pg/bin' });
  });

  it.each([
    [true, 'require'],
    [false, 'disable'],
    ['disable', 'disable'],
    ['prefer', 'prefer'],
    ['require', 'require'],
    ['verify-full', 'verify-full'],
  ] as const)('ssl %j -> %s', (ssl, mode) => {
    expect(resolveConfig({ ssl }).ssl).toBe(mode);
  });

  it('refuses an unknown option, naming it', () => {
    const e = thrown(() => resolveConfig({ host: 'h', hots: 'typo' } as unknown as PostgreSQLConfigInput));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(e.message).toBe('Invalid options for connect: /hots: is not a known option');
    expect((e as ValidationError).issues).toEqual([{ path: '/hots', message: 'is not a known option' }]);
  });

  it('refuses a password given as a number', () => {
    const e = thrown(() => resolveConfig({ password: 12345678 } as unknown as PostgreSQLConfigInput));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(e.message).toBe('Invalid options for connect: /password: must be a string or a Secret');
    expect(e.message).not.toContain('12345678');
  });

  it('refuses values of the wrong type or range', () => {
    expect(ValidationError.isInstance(thrown(() => resolveConfig({ port: 70000 })))).toBe(true);
    expect(ValidationError.isInstance(thrown(() => resolveConfig({ ssl: 'maybe' } as unknown as PostgreSQLConfigInput)))).toBe(true);
    expect(ValidationError.isInstance(thrown(() => resolveConfig({ host: '' })))).toBe(true);
    expect(ValidationError.isInstance(thrown(() => resolveConfig({ maxConnections: 0 })))).toBe(true);
  });

  it('holds a string password as a Secret that JSON.stringify and String() never print', () => {
    const c = resolveConfig({ password: 'Pl41n-pw-xyz' });
    made.push(c.password!);
    expect(c.password).toBeInstanceOf(Secret);
    expect(c.password!.reveal()).toBe('Pl41n-pw-xyz');
    const json = JSON.stringify(c);
    expect(json).not.toContain('Pl41n-pw-xyz');
    expect(json).toContain('"password":"***"');
    expect(String(c.password)).toBe('***');
  });

  it('keeps a given Secret as the same object', () => {
    const secret = new Secret('G1ven-secret');
    made.push(secret);
    const c = resolveConfig({ password: secret });
    expect(c.password).toBe(secret);
    expect(JSON.stringify(c)).not.toContain('G1ven-secret');
  });

  it('a URL password ends up a Secret in the resolved config', () => {
    const c = resolveConfig(parse('postgres://app:Url-pw-9876@h/db'));
    expect(c.password).toBeInstanceOf(Secret);
    expect(c.password!.reveal()).toBe('Url-pw-9876');
    expect(JSON.stringify(c)).not.toContain('Url-pw-9876');
  });
});

describe('PostgreSQLConnection (constructor only, no network)', () => {
  it('builds the endpoint without the password and hides the password', async () => {
    const conn = new PostgreSQLConnection('postgres://app:C0nn-pw-555@db.example.com:6543/sales?sslmode=require');
    try {
      expect(conn.type).toBe('postgresql');
      expect(conn.endpoint).toBe('postgresql://db.example.com:6543/sales');
      expect(conn.endpoint).not.toContain('C0nn-pw-555');
      expect(String(conn.config.password)).toBe('***');
      expect(conn.config.ssl).toBe('require');
      expect(JSON.stringify(conn.config)).not.toContain('C0nn-pw-555');
      expect(conn.openDatabases()).toEqual([]);
    } finally {
      await conn.close();
    }
    await conn.close(); // safe twice
  });

  it('uses the defaults for a bare URL, and brackets an IPv6 host in the endpoint', async () => {
    const bare = new PostgreSQLConnection('postgres://h');
    expect(bare.endpoint).toBe('postgresql://h:5432/postgres');
    expect(bare.config.password).toBeUndefined();
    await bare.close();
    const v6 = new PostgreSQLConnection('postgresql://[::1]/app');
    expect(v6.endpoint).toBe('postgresql://[::1]:5432/app');
    await v6.close();
  });

  it('accepts a config object', async () => {
    const conn = new PostgreSQLConnection({ host: '127.0.0.1', port: 5433, database: 'x', password: 'Obj-pw-4321' });
    expect(conn.endpoint).toBe('postgresql://127.0.0.1:5433/x');
    expect(String(conn.config.password)).toBe('***');
    await conn.close();
  });

  it('refuses a pool after close', async () => {
    const conn = new PostgreSQLConnection('postgres://h/d');
    await conn.close();
    const e = thrown(() => conn.pool());
    expect(e.code).toBe('CONNECTION');
    expect(e.message).toBe('The connection to postgresql://h:5432/d is closed');
  });
});
