import { describe, expect, it } from '@jest/globals';
import { Secret, ValidationError } from '@gds/database';
import { parseMysqlUrl, resolveConfig } from './mysql-config.js';
import { MySQLConnection, parseServerVersion } from './mysql-connection.js';

describe('parseMysqlUrl / resolveConfig', () => {
  it('reads both schemes, decodes parts, keeps the password a Secret', () => {
    const c = parseMysqlUrl('mariadb://app%40x:p%40ss%3Aw@db.example:3307/sales%20db?ssl=required&connect_timeout=5');
    expect(c).toMatchObject({ host: 'db.example', port: 3307, user: 'app@x', database: 'sales db', ssl: 'require', connectTimeoutMs: 5000 });
    expect(c.password).toBeInstanceOf(Secret);
    expect((c.password as Secret).reveal()).toBe('p@ss:w');
    expect(JSON.stringify(c)).not.toContain('p@ss');
    expect(parseMysqlUrl('mysql://[::1]/').host).toBe('::1');
    expect(parseMysqlUrl('mysql://root@localhost/?socket=/run/mysqld/mysqld.sock').socketPath).toBe('/run/mysqld/mysqld.sock');
  });

  it('refuses other schemes, unknown parameters and bad values without echoing the password', () => {
    for (const url of ['postgres://u:topsecret@h/', 'mysql://u:topsecret@h/?sslmod=x', 'mysql://u:topsecret@h/?ssl=maybe', 'mysql://u:topsecret@h/?connect_timeout=0', 'mysql://u:top%ZZsecret@h/']) {
      let error: unknown;
      try {
        parseMysqlUrl(url);
      } catch (e) {
        error = e;
      }
      expect(ValidationError.isInstance(error)).toBe(true);
      expect(JSON.stringify(error)).not.toContain('topsecret');
      expect(String((error as Error).message)).not.toContain('topsecret');
    }
  });

  it('fills defaults and validates the config object', () => {
    expect(resolveConfig({})).toMatchObject({ host: '127.0.0.1', port: 3306, user: 'root', ssl: 'disable', maxConnections: 4 });
    expect(resolveConfig({ ssl: true }).ssl).toBe('require');
    expect(() => resolveConfig({ port: 70000 })).toThrow(ValidationError);
    expect(() => resolveConfig({ bogus: 1 } as never)).toThrow(ValidationError);
    expect(() => resolveConfig({ password: 42 } as never)).toThrow(/string or a Secret/);
  });

  it('the connection shows its endpoint, never its password', async () => {
    const conn = new MySQLConnection('mysql://u:hunter2-secret@127.0.0.1:1/');
    expect(conn.endpoint).toBe('127.0.0.1:1');
    expect(JSON.stringify(conn.config)).not.toContain('hunter2');
    await conn.close();
  });

  it('parseServerVersion tells the flavours apart', () => {
    expect(parseServerVersion('10.11.19-MariaDB-0+deb12u1-log')).toMatchObject({ flavor: 'mariadb', major: 10, minor: 11, patch: 19 });
    expect(parseServerVersion('8.0.36-0ubuntu0.22.04.1', 1)).toMatchObject({ flavor: 'mysql', major: 8, minor: 0, patch: 36, lowerCaseTableNames: 1 });
  });
});
