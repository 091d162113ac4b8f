import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { Secret, redact, redactUrlPasswords } from './secret.js';

describe('Secret', () => {
  it('never prints its value', () => {
    const s = new Secret('hunter2-secret');
    expect(String(s)).toBe('***');
    expect(`${s}`).toBe('***');
    expect(JSON.stringify({ password: s })).toBe('{"password":"***"}');
    expect(inspect({ s })).not.toContain('hunter2');
    expect(s.reveal()).toBe('hunter2-secret');
    s.forget();
  });

  it('makes redact() remove live values until forgotten', () => {
    const s = new Secret('p@ss;word"1');
    expect(redact('login failed: p@ss;word"1 was wrong')).toBe('login failed: *** was wrong');
    s.forget();
    expect(redact('p@ss;word"1')).toBe('p@ss;word"1');
  });

  it('counts copies: forgetting one keeps the other redacted', () => {
    const a = new Secret('same-value');
    const b = new Secret('same-value');
    a.forget();
    a.forget();
    expect(redact('x same-value')).toBe('x ***');
    b.forget();
    expect(redact('x same-value')).toBe('x same-value');
  });

  it('does not treat very short values as secrets to search for', () => {
    const s = new Secret('a');
    expect(redact('a banana')).toBe('a banana');
    expect(s.isEmpty).toBe(false);
    expect(new Secret('').isEmpty).toBe(true);
  });

  it('from() wraps strings and passes secrets and undefined through', () => {
    const s = new Secret('xyz-123');
    expect(Secret.from(s)).toBe(s);
    expect(Secret.from(undefined)).toBeUndefined();
    expect(Secret.from(null)).toBeUndefined();
    const t = Secret.from('abc-456');
    expect(t?.reveal()).toBe('abc-456');
    s.forget();
    t?.forget();
  });
});

describe('redactUrlPasswords', () => {
  it('removes passwords from URLs anywhere in a text', () => {
    expect(redactUrlPasswords('connect postgres://app:s3cr%40t@db:5432/x failed')).toBe('connect postgres://app:***@db:5432/x failed');
    expect(redactUrlPasswords('mongodb+srv://u:p@cluster/x and mssql://sa:Pa55@h')).toBe('mongodb+srv://u:***@cluster/x and mssql://sa:***@h');
    expect(redactUrlPasswords('postgres://app@db/x')).toBe('postgres://app@db/x');
  });
});
