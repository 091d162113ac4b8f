// Unit tests of the config schema and URL parsing: credentials as Secrets, one credential kind.
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { Secret, ValidationError } from '@gds/database';
import { parseSnowflakeUrl, resolveConfig } from './snowflake-config.js';
import { SnowflakeConnection } from './snowflake-connection.js';

describe('Snowflake config', () => {
  it('parses the URL form', () => {
    const c = parseSnowflakeUrl('snowflake://gds%40corp:p%40ss-w0rd@myorg-acct/Sales%20DB/PUBLIC?warehouse=ADMIN_WH&role=SYSADMIN&port=8443&clientSessionKeepAlive=true&driverLogLevel=warn');
    expect(c).toMatchObject({ account: 'myorg-acct', username: 'gds@corp', database: 'Sales DB', schema: 'PUBLIC', warehouse: 'ADMIN_WH', role: 'SYSADMIN', port: 8443, clientSessionKeepAlive: true, driverLogLevel: 'WARN' });
    expect(c.password).toBeInstanceOf(Secret);
    expect((c.password as Secret).reveal()).toBe('p@ss-w0rd');
  });

  it('refuses other schemes, unknown parameters, and bad encodings without echoing the password', () => {
    expect(() => parseSnowflakeUrl('postgres://a@b')).toThrow(ValidationError);
    expect(() => parseSnowflakeUrl('snowflake://a@b?wharehouse=X')).toThrow(/wharehouse/);
    const e = (() => {
      try {
        parseSnowflakeUrl('snowflake://u:Secret%ZZpw@acct');
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e).toBeInstanceOf(ValidationError);
    expect(e?.message).not.toContain('Secret');
  });

  it('infers the authenticator from the one credential given', () => {
    expect(resolveConfig({ account: 'a', username: 'u', password: 'p' }).authenticator).toBe('SNOWFLAKE');
    expect(resolveConfig({ account: 'a', username: 'u', privateKey: '-----BEGIN PRIVATE KEY-----', privateKeyPass: 'pp' }).authenticator).toBe('SNOWFLAKE_JWT');
    expect(resolveConfig({ account: 'a', username: 'u', privateKeyPath: '/keys/k.p8' }).authenticator).toBe('SNOWFLAKE_JWT');
    expect(resolveConfig({ account: 'a', username: 'u', token: 't' }).authenticator).toBe('OAUTH');
    expect(() => resolveConfig({ account: 'a', username: 'u' })).toThrow(/one credential/);
    expect(() => resolveConfig({ account: 'a', username: 'u', password: 'p', token: 't' })).toThrow(/only one credential/);
    expect(() => resolveConfig({ account: 'a', username: 'u', password: 'p', privateKeyPass: 'x' })).toThrow(/only one credential|passphrase/);
    expect(() => resolveConfig({ account: 'a', username: 'u', password: 42 as never })).toThrow(ValidationError);
    expect(() => resolveConfig({ account: 'a', username: 'u', password: 'p', warehuose: 'x' } as never)).toThrow(ValidationError);
  });

  it('fills defaults and never prints a credential', () => {
    const c = resolveConfig({ account: 'a', username: 'u', privateKey: 'PEM-PRIVATE-KEY-BODY', privateKeyPass: 'pass-Phrase-9' });
    expect(c).toMatchObject({ connectTimeoutMs: 60_000, application: 'gds', reconnect: true, driverLogLevel: 'OFF', clientSessionKeepAlive: false });
    const printed = `${JSON.stringify(c)} ${inspect(c)}`;
    expect(printed).not.toContain('PEM-PRIVATE-KEY-BODY');
    expect(printed).not.toContain('pass-Phrase-9');
  });

  it('refuses a connectTimeoutMs a timer would wrap (above 2^31-1 ms Node fires after 1 ms)', () => {
    expect(() => resolveConfig({ account: 'a', username: 'u', password: 'pw-123456', connectTimeoutMs: 2 ** 31 })).toThrow(/connectTimeoutMs|Invalid options/);
    expect(resolveConfig({ account: 'a', username: 'u', password: 'pw-123456', connectTimeoutMs: 2 ** 31 - 1 }).connectTimeoutMs).toBe(2 ** 31 - 1);
  });

  it('names the endpoint without secrets', () => {
    expect(new SnowflakeConnection('snowflake://u:pw-123456@myorg-acct/SALES').endpoint).toBe('snowflake://myorg-acct/SALES');
    expect(new SnowflakeConnection('snowflake://u:pw-123456@acct?host=127.0.0.1&port=8080&protocol=http').endpoint).toBe('snowflake://acct (at http://127.0.0.1:8080)');
  });
});
