import { inspect } from 'node:util';
import { describe, expect, it, jest } from '@jest/globals';
import { Secret, redact, redactUrlPasswords } from './secret.js';
import type * as SecretModule from './secret.js';

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

  it('from() wraps strings, returns a Secret as it is with one more hold, and passes undefined through', () => {
    const s = new Secret('xyz-123');
    const mine = Secret.from(s)!;
    expect(mine).toBe(s);
    mine.forget();
    expect(redact('xyz-123')).toBe('***'); // the creator's hold remains
    expect(Secret.from(undefined)).toBeUndefined();
    expect(Secret.from(null)).toBeUndefined();
    const t = Secret.from('abc-456');
    expect(t?.reveal()).toBe('abc-456');
    s.forget();
    expect(redact('xyz-123')).toBe('xyz-123');
    s.forget(); // more forgets than holds: harmless
    t?.forget();
  });
});

describe('Secret lifetime (issue 12 item 17)', () => {
  it('stays redacted while any holder from the same config is open: closing one connection gives back only its own hold', () => {
    const config = { password: new Secret('shared-config-pw-1') };
    const first = Secret.from(config.password)!; // what each connection does with its config
    const second = Secret.from(config.password)!;
    const failoverTarget = second.copy();
    first.forget(); // the first manager closes
    expect(redact('error: shared-config-pw-1')).toBe('error: ***');
    second.forget(); // the second closes
    config.password.forget(); // the caller is done with it
    expect(redact('error: shared-config-pw-1')).toBe('error: ***'); // the failover target still holds it
    failoverTarget.forget();
    expect(redact('error: shared-config-pw-1')).toBe('error: shared-config-pw-1');
  });

  it('retain() and forget() pair up on one object', () => {
    const s = new Secret('retained-pw-77');
    expect(s.retain()).toBe(s);
    s.forget();
    expect(redact('retained-pw-77')).toBe('***');
    s.forget();
    expect(redact('retained-pw-77')).toBe('retained-pw-77');
    s.retain(); // held again after all holds were given back
    expect(redact('retained-pw-77')).toBe('***');
    s.forget();
  });

  it('keeps no plain value where other code can enumerate it (globalThis and everything reachable from it)', () => {
    const value = 'enumerable-pw-9913';
    const s = new Secret(value);
    const seen = new Set<unknown>();
    const found: string[] = [];
    const visit = (v: unknown, path: string, depth: number): void => {
      if (typeof v === 'string') {
        if (v.includes(value)) found.push(path);
        return;
      }
      if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v) || depth > 4) return;
      seen.add(v);
      if (v instanceof Map) {
        for (const [k, x] of v) {
          visit(k, `${path}<key>`, depth + 1);
          visit(x, `${path}<value>`, depth + 1);
        }
      }
      if (v instanceof Set) for (const x of v) visit(x, `${path}<item>`, depth + 1);
      for (const key of Reflect.ownKeys(v)) {
        const descriptor = Object.getOwnPropertyDescriptor(v, key); // data properties only: no getters run
        if (descriptor && 'value' in descriptor) visit(descriptor.value, `${path}.${String(key)}`, depth + 1);
      }
    };
    visit(globalThis, 'globalThis', 0);
    const registry = (globalThis as Record<symbol, { redactors(): Iterable<unknown> } | undefined>)[Symbol.for('@gds/database/secret-redactors')];
    expect(registry).toBeDefined();
    for (const r of registry!.redactors()) visit(r, 'redactor', 0);
    expect(found).toEqual([]);
    expect(Object.getOwnPropertySymbols(globalThis).filter((k) => Object.getOwnPropertyDescriptor(globalThis, k)?.enumerable)).not.toContain(
      Symbol.for('@gds/database/secret-redactors'),
    );
    expect(Object.getOwnPropertySymbols(globalThis)).not.toContain(Symbol.for('@gds/database/known-secrets'));
    expect(redact(value)).toBe('***');
    s.forget();
  });

  it('redacts across two copies of the module in one process', () => {
    let other: typeof SecretModule | undefined;
    jest.isolateModules(() => {
      other = jest.requireActual<typeof SecretModule>('./secret.js');
    });
    expect(other!.Secret).not.toBe(Secret);
    const theirs = new other!.Secret('cross-copy-pw-42');
    const mine = new Secret('this-copy-pw-43');
    expect(redact('a cross-copy-pw-42 b')).toBe('a *** b');
    expect(other!.redact('a this-copy-pw-43 b')).toBe('a *** b');
    theirs.forget();
    mine.forget();
    expect(redact('a cross-copy-pw-42 this-copy-pw-43')).toBe('a cross-copy-pw-42 this-copy-pw-43');
  });
});

describe('redactUrlPasswords', () => {
  it('removes passwords from URLs anywhere in a text', () => {
    expect(redactUrlPasswords('connect postgres://app:s3cr%40t@db:5432/x failed')).toBe('connect postgres://app:***@db:5432/x failed');
    expect(redactUrlPasswords('mongodb+srv://u:p@cluster/x and mssql://sa:Pa55@h')).toBe('mongodb+srv://u:***@cluster/x and mssql://sa:***@h');
    expect(redactUrlPasswords('postgres://app@db/x')).toBe('postgres://app@db/x');
  });
});
