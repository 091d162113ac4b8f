import { describe, expect, it } from '@jest/globals';
import {
  ConnectionError,
  GdsError,
  QueryError,
  ValidationError,
} from '@gds/database';
import { ERROR_CLASSES } from '@gds/database/engine';
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { MONGODB_ERROR_TABLE, mapMongoError, mongoErrorKind } from './mongodb-errors.js';

describe('MONGODB_ERROR_TABLE', () => {
  const numeric = Object.entries(MONGODB_ERROR_TABLE).filter(([k]) => /^\d+$/.test(k));

  it('covers the codes the issue names', () => {
    expect(Object.isFrozen(MONGODB_ERROR_TABLE)).toBe(true);
    expect([13, 18, 26, 48, 10107, 189, 11600].map((c) => MONGODB_ERROR_TABLE[String(c)])).toEqual([
      'PERMISSION_DENIED', 'AUTHENTICATION', 'DATABASE_NOT_FOUND', 'DATABASE_ALREADY_EXISTS', 'CONNECTION', 'CONNECTION', 'CONNECTION',
    ]);
  });

  it.each(numeric)('server code %s maps to %s (a MongoServerError as the driver throws it)', (code, kind) => {
    const original = new MongoServerError({ ok: 0, code: Number(code), codeName: 'X', errmsg: `server said ${code}` });
    const e = mapMongoError(original, 'drop');
    expect(e.code).toBe(kind);
    expect(ERROR_CLASSES[kind].isInstance(e)).toBe(true);
    expect(e.serverCode).toBe(code);
    expect(e.engine).toBe('mongodb');
    expect(e.cause).toBe(original);
    expect(e.message).toBe(`drop: server said ${code}`);
  });

  it('maps driver classes by name and by ancestry', () => {
    expect(mapMongoError(new MongoNetworkError('connection reset'), 'exists')).toBeInstanceOf(ConnectionError);
    const selection = new MongoServerSelectionError('Server selection timed out after 30000 ms', { type: 'Unknown', servers: new Map(), stale: false, compatible: true, heartbeatFrequencyMS: 1, localThresholdMS: 1, setName: null, maxElectionId: null, maxSetVersion: null, commonWireVersion: 0, logicalSessionTimeoutMinutes: null } as never);
    const e = mapMongoError(selection, 'connect');
    expect(ConnectionError.isInstance(e)).toBe(true);
    expect(e.retryable).toBe(true);
    expect(mongoErrorKind(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe('OPERATION_CANCELLED');
    expect(mongoErrorKind({ code: 'ECONNREFUSED' })).toBe('CONNECTION');
  });

  it('unknown codes are QueryError; hints for snapshot and duplicate keys; labels make it retryable', () => {
    const snap = mapMongoError(new MongoServerError({ ok: 0, code: 239, errmsg: 'SnapshotTooOld' }), 'backup');
    expect(QueryError.isInstance(snap)).toBe(true);
    expect(snap.hint).toMatch(/minSnapshotHistoryWindowInSeconds/);
    expect(mapMongoError(new MongoServerError({ ok: 0, code: 11000, errmsg: 'E11000' }), 'restore').hint).toMatch(/drop: true/);
    const labelled = mapMongoError(new MongoServerError({ ok: 0, code: 1234, errmsg: 'x', errorLabels: ['RetryableWriteError'] }), 'restore');
    expect(labelled.retryable).toBe(true);
    expect(mapMongoError('plain text', 'x')).toBeInstanceOf(GdsError);
  });

  it('passes gds errors through unchanged', () => {
    const v = new ValidationError('bad');
    expect(mapMongoError(v, 'x')).toBe(v);
  });
});
