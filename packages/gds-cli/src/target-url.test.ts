import { describe, expect, it } from '@jest/globals';
import { urlWithPassword } from './password.js';
import { databaseOfUrl, parseTargetUrl, serverDatabaseOf, withUrlParameter } from './target-url.js';

describe('parseTargetUrl (scheme-aware, seed lists included)', () => {
  it('splits a MongoDB seed list that new URL() refuses', () => {
    const url = 'mongodb://app:p%40ss@h1:27017,h2:27018,h3/?replicaSet=rs0';
    expect(() => new URL(url)).toThrow();
    expect(parseTargetUrl(url)).toEqual({ scheme: 'mongodb', user: 'app', password: 'p@ss', hosts: ['h1:27017', 'h2:27018', 'h3'], database: undefined, query: 'replicaSet=rs0' });
    expect(databaseOfUrl('mongodb://h1,h2/shop?replicaSet=rs0')).toBe('shop');
    expect(parseTargetUrl('mongodb+srv://u@cluster0.example.net/app')?.scheme).toBe('mongodb+srv');
  });
  it('reads the other engines as before, and a raw @ or / in the password stays in the password', () => {
    expect(databaseOfUrl('postgres://u@h:5432/My%20DB')).toBe('My DB');
    expect(databaseOfUrl('postgres://u@h:5432')).toBeUndefined();
    expect(databaseOfUrl('snowflake://u@acct/db/schema')).toBe('db');
    expect(parseTargetUrl('postgres://u:a@b/c@h/db')).toMatchObject({ password: 'a@b/c', hosts: ['h'], database: 'db' });
    expect(parseTargetUrl('not a url')).toBeUndefined();
  });
  it('each engine has its own server database; none is postgres everywhere', () => {
    expect([serverDatabaseOf('postgresql'), serverDatabaseOf('mssql'), serverDatabaseOf('mongodb'), serverDatabaseOf('snowflake')]).toEqual(['postgres', 'master', 'admin', undefined]);
  });
});

describe('withUrlParameter and urlWithPassword', () => {
  it('adds a parameter unless the user set it', () => {
    expect(withUrlParameter('postgres://h/db', 'connect_timeout', '2')).toBe('postgres://h/db?connect_timeout=2');
    expect(withUrlParameter('mongodb://h1,h2', 'connectTimeoutMS', '2000')).toBe('mongodb://h1,h2/?connectTimeoutMS=2000');
    expect(withUrlParameter('mongodb://h1,h2/?replicaSet=rs0', 'connectTimeoutMS', '2000')).toBe('mongodb://h1,h2/?replicaSet=rs0&connectTimeoutMS=2000');
    expect(withUrlParameter('postgres://h/db?connect_timeout=30', 'connect_timeout', '2')).toBe('postgres://h/db?connect_timeout=30');
  });
  it('puts a password in, encoded, replacing any', () => {
    expect(urlWithPassword('postgres://app@db/app', 'p@ss:w/rd')).toBe('postgres://app:p%40ss%3Aw%2Frd@db/app');
    expect(urlWithPassword('postgres://app:old@db/app?x=1', 'new')).toBe('postgres://app:new@db/app?x=1');
    expect(parseTargetUrl(urlWithPassword('mongodb://u@h1,h2/?replicaSet=rs0', 'pw'))?.password).toBe('pw');
  });
});
