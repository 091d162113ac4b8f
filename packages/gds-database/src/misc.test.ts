import { describe, expect, it } from '@jest/globals';
import { Value } from 'typebox/value';
import { ALL_ENGINES, installHint, urlScheme } from './engines.js';
import { AccessMode, BackupType, DatabaseState, DatabaseType, HARole, HAState, SyncMode } from './enums.js';
import { ValidationError, ConnectionError } from './errors.js';
import { FEATURES, isFeature, supportsIn, unsupportedReason } from './features.js';
import { DatabaseMetadataSchema, metadataToJSON } from './metadata.js';
import { OperationResult } from './operation-result.js';

describe('enums', () => {
  it('carry the design\'s values', () => {
    expect(Object.values(DatabaseType)).toEqual(['mssql', 'snowflake', 'postgresql', 'mongodb', 'mysql', 'oracle', 'sqlite']);
    expect(Object.values(DatabaseState)).toEqual(['online', 'offline', 'restoring', 'recovering', 'suspect', 'emergency', 'single_user', 'multi_user', 'unknown']);
    expect(Object.values(AccessMode)).toEqual(['multi_user', 'single_user', 'restricted_user']);
    expect(Object.values(BackupType)).toEqual(['full', 'differential', 'incremental', 'transaction_log']);
    expect(Object.values(HARole)).toEqual(['primary', 'secondary', 'arbiter', 'witness', 'standby', 'replica', 'unknown']);
    expect(Object.values(HAState)).toContain('failover_in_progress');
    expect(Object.values(SyncMode)).toEqual(['synchronous', 'asynchronous', 'semi_synchronous']);
    expect(Object.isFrozen(DatabaseType)).toBe(true);
  });
});

describe('engines', () => {
  it('parses schemes, and names no engine package (engines are known only from their definitions)', () => {
    expect(urlScheme('PostgreSQL://u@h/db')).toBe('postgresql');
    expect(installHint('gopher')).toContain("the gds engine package for 'gopher'");
    expect(installHint('mssql')).not.toMatch(/@gds\/(?!database)/);
    expect(ALL_ENGINES).toEqual(Object.values(DatabaseType));
  });

  it('refuses a non-URL without echoing its password', () => {
    try {
      urlScheme('not a url with pw postgres://u:topsecret@h');
    } catch (e) {
      expect(ValidationError.isInstance(e)).toBe(true);
      expect((e as Error).message).not.toContain('topsecret');
    }
    expect.assertions(2);
  });
});

describe('features', () => {
  it('tells supported features and reasons', () => {
    expect(isFeature('backup.full')).toBe(true);
    expect(isFeature('fly')).toBe(false);
    expect(new Set(FEATURES).size).toBe(FEATURES.length);
    const caps = { create: true, drop: 'no recycle bin' } as const;
    expect(supportsIn(caps, 'create')).toBe(true);
    expect(supportsIn(caps, 'drop')).toBe(false);
    expect(unsupportedReason(caps, 'drop')).toBe('no recycle bin');
    expect(unsupportedReason(caps, 'clone')).toMatch(/^this engine does not provide it/);
    expect(unsupportedReason(caps, 'create')).toBeUndefined();
  });
});

describe('metadata', () => {
  it('converts to JSON that matches the schema', () => {
    const json = metadataToJSON({
      name: 'app',
      type: 'postgresql',
      created: new Date('2026-01-02T03:04:05Z'),
      sizeBytes: 8192,
      state: 'online',
      accessMode: 'multi_user',
      owner: undefined,
      additionalAttributes: { big: 12n, huge: 2n ** 70n, list: [new Date(0)] },
    });
    expect(json).toEqual({
      name: 'app',
      type: 'postgresql',
      created: '2026-01-02T03:04:05.000Z',
      sizeBytes: 8192,
      state: 'online',
      accessMode: 'multi_user',
      additionalAttributes: { big: 12, huge: '1180591620717411303424', list: ['1970-01-01T00:00:00.000Z'] },
    });
    expect(Value.Check(DatabaseMetadataSchema, json)).toBe(true);
    expect(Value.Check(DatabaseMetadataSchema, { ...json, state: 'sleeping' })).toBe(false);
  });
});

describe('OperationResult', () => {
  it('builds frozen success and failure results with JSON forms', () => {
    const ok = OperationResult.success({ operation: 'drop', message: 'dropped', durationMs: 1.23456, statements: ['DROP DATABASE x'] });
    expect(ok.isSuccess()).toBe(true);
    expect(Object.isFrozen(ok)).toBe(true);
    expect(Object.isFrozen(ok.statements)).toBe(true);
    expect(ok.toJSON()).toEqual({
      success: true,
      operation: 'drop',
      message: 'dropped',
      durationMs: 1.235,
      dryRun: false,
      statements: ['DROP DATABASE x'],
      messages: [],
      data: undefined,
      error: undefined,
    });
    const error = new ConnectionError('down');
    const bad = OperationResult.failure({ operation: 'drop', message: 'down', durationMs: 2, error });
    expect(bad.isSuccess()).toBe(false);
    expect(bad.error).toBe(error);
    expect(bad.toJSON().error).toMatchObject({ code: 'CONNECTION', message: 'down' });
  });
});

describe('provider helpers', () => {
  class FakeConnection {
    readonly type = 'sqlite' as const;
    readonly endpoint = 'fake://x';
    closed = 0;
    async close() {
      this.closed++;
    }
  }
  it('expectConnection returns the connection of the right class and refuses another', async () => {
    const { expectConnection } = await import('./provider-helpers.js');
    const c = new FakeConnection();
    expect(expectConnection(c, FakeConnection, 'Fake')).toBe(c);
    expect(() => expectConnection({ type: 'postgresql', endpoint: 'x', close: async () => undefined }, FakeConnection, 'Fake')).toThrow(
      'Not a Fake connection: (value): expected a FakeConnection, got a postgresql connection',
    );
  });
  it('openVerified closes the connection when the check fails', async () => {
    const { openVerified } = await import('./provider-helpers.js');
    const ok = new FakeConnection();
    expect(await openVerified(ok, async () => 1)).toBe(ok);
    expect(ok.closed).toBe(0);
    const bad = new FakeConnection();
    await expect(openVerified(bad, async () => Promise.reject(new Error('auth')))).rejects.toThrow('auth');
    expect(bad.closed).toBe(1);
  });
});
