import { describe, expect, it } from '@jest/globals';
import { Secret, ValidationError } from '@gds/database';
import { parseMongoUrl, resolveConfig } from './mongodb-config.js';
import { driverOptions, driverUrl, MongoDBConnection } from './mongodb-connection.js';

describe('MongoDB URLs and config', () => {
  it('parses hosts, credentials, the auth database and options', () => {
    const c = parseMongoUrl('mongodb://ad%40min:p%40ss:w@db1,db2:27018/admin2?replicaSet=rs0&tls=true&readPreference=secondary&connectTimeoutMS=500');
    expect(c.hosts).toEqual(['db1:27017', 'db2:27018']);
    expect(c.user).toBe('ad@min');
    expect(c.password).toBeInstanceOf(Secret);
    expect((c.password as Secret).reveal()).toBe('p@ss:w');
    expect(c).toMatchObject({ authSource: 'admin2', replicaSet: 'rs0', tls: true, connectTimeoutMs: 500, options: { readPreference: 'secondary' } });
    expect(parseMongoUrl('mongodb+srv://cluster.example.net/').srv).toBe(true);
  });

  it('never puts the password in the driver URL or the endpoint', () => {
    const config = resolveConfig(parseMongoUrl('mongodb://admin:Very-Secret-1@db:27017/?replicaSet=rs0'));
    expect(driverUrl(config)).toBe('mongodb://db:27017/?replicaSet=rs0');
    expect(driverOptions(config).auth).toEqual({ username: 'admin', password: 'Very-Secret-1' });
    const conn = new MongoDBConnection('mongodb://admin:Very-Secret-1@db:27017/');
    expect(conn.endpoint).toBe('mongodb://db:27017/');
    expect(JSON.stringify(conn.config)).not.toContain('Very-Secret-1');
  });

  it('refuses bad input without echoing the password', () => {
    const bad = (url: string) => {
      try {
        parseMongoUrl(url);
      } catch (e) {
        expect(ValidationError.isInstance(e)).toBe(true);
        expect(String((e as Error).message)).not.toContain('hunter22');
        return;
      }
      throw new Error(`accepted ${url}`);
    };
    bad('postgres://u:hunter22@x/');
    bad('mongodb://u:hunter22@/');
    bad('mongodb://u:hunter22@h/?tls=maybe');
    bad('mongodb://u:hunter%zz@h/');
    expect(() => resolveConfig({ password: 'x' })).toThrow(/needs a user/);
    expect(() => resolveConfig({ hosts: ['a:1', 'b:2'], directConnection: true })).toThrow(ValidationError);
    expect(() => resolveConfig({ hosts: ['a:1'], port: 3 } as never)).toThrow(ValidationError);
  });
});
