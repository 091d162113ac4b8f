import { describe, expect, it } from '@jest/globals';
import { Secret, ValidationError } from '@gds/database';
import { parseMssqlUrl, resolveConfig } from './mssql-config.js';
import { MSSQLConnection } from './mssql-connection.js';

describe('resolveConfig', () => {
  it('encrypts and verifies the certificate by default', () => {
    const c = resolveConfig({ server: 'db1' });
    expect(c).toMatchObject({ server: 'db1', port: 1433, user: 'sa', database: 'master', encrypt: true, trustServerCertificate: false, requestTimeoutMs: 0, appName: 'gds', authentication: 'default' });
  });

  it('keeps secrets as Secrets and refuses unknown options and bad secret types', () => {
    const c = resolveConfig({ server: 'db1', password: 'pw-123456', clientSecret: new Secret('cs-123456') });
    expect(c.password).toBeInstanceOf(Secret);
    expect(JSON.stringify(c)).not.toContain('pw-123456');
    expect(() => resolveConfig({ server: 'db1', pasword: 'x' } as never)).toThrow(ValidationError);
    expect(() => resolveConfig({ password: 5 } as never)).toThrow(/password/);
  });

  it('a named instance leaves the port to SQL Browser', () => {
    expect(resolveConfig({ server: 'db1', instanceName: 'SQLEXPRESS' }).port).toBeUndefined();
  });
});

describe('parseMssqlUrl', () => {
  it('reads host, port, database, credentials and options', () => {
    const c = parseMssqlUrl('mssql://app%40corp:p%40ss%3Aword@db1.corp:14330/Sales%20DB?encrypt=false&trustServerCertificate=true&connectTimeout=5000&appName=nightly');
    expect(c).toMatchObject({ server: 'db1.corp', port: 14330, user: 'app@corp', database: 'Sales DB', encrypt: false, trustServerCertificate: true, connectTimeoutMs: 5000, appName: 'nightly' });
    expect((c.password as Secret).reveal()).toBe('p@ss:word');
  });

  it('accepts sqlserver://, host\\instance, and encrypt=strict', () => {
    expect(parseMssqlUrl('sqlserver://sa@db1\\SQLEXPRESS/master?encrypt=strict')).toMatchObject({ server: 'db1', instanceName: 'SQLEXPRESS', encrypt: 'strict' });
  });

  it('refuses other schemes and malformed values without echoing the password', () => {
    expect(() => parseMssqlUrl('postgres://sa:pw@db1/x')).toThrow(ValidationError);
    const e = (() => {
      try {
        parseMssqlUrl('mssql://sa:Secr3t-pw@db1/x?encrypt=maybe');
      } catch (x) {
        return x as Error;
      }
      return undefined;
    })();
    expect(e?.message).toMatch(/encrypt/);
    expect(e?.message).not.toContain('Secr3t-pw');
  });

  it('the endpoint never contains the password', () => {
    const c = new MSSQLConnection('mssql://sa:Secr3t-pw@db1:1500/app');
    expect(c.endpoint).toBe('mssql://db1:1500/app');
    void c.close();
  });
});
