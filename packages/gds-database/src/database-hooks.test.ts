import { describe, expect, it } from '@jest/globals';
import { Database, UnsupportedOperationError, type Capabilities, type GdsError } from './index.js';
import { MemoryConnection, mapMemoryError, newServer } from '../test/memory-provider.js';

// An engine that declares every feature but implements only the required hooks: each optional
// operation must reject with UnsupportedOperationError naming the missing hook, not crash.
class Declares extends Database {
  readonly type = 'sqlite' as const;
  protected readonly capabilities: Capabilities = {
    'state.offline': true,
    'access.singleUser': true,
    'access.restrictedUser': true,
    'backup.full': true,
    'backup.verify': true,
    restore: true,
    schemas: true,
    tables: true,
    ha: true,
  };
  protected mapError(e: unknown, op: string): GdsError {
    return mapMemoryError(e, op);
  }
  protected async fetchMetadata() {
    return { name: this.name, type: 'sqlite' as const, additionalAttributes: {} };
  }
  protected async performCreate() {
    return { message: 'created' };
  }
  protected async performDrop() {
    return { message: 'dropped' };
  }
}

describe('Database default hooks', () => {
  const db = new Declares('x', new MemoryConnection(newServer()));
  it.each([
    ['setOnline', () => db.setOnline()],
    ['setOffline', () => db.setOffline()],
    ['setSingleUserMode', () => db.setSingleUserMode()],
    ['setMultiUserMode', () => db.setMultiUserMode()],
    ['setRestrictedUserMode', () => db.setRestrictedUserMode()],
    ['backup', () => db.backup('/tmp/x')],
    ['restore', () => db.restore('/tmp/x')],
    ['verifyBackup', () => db.verifyBackup('/tmp/x')],
    ['listSchemas', () => db.listSchemas()],
    ['listTables', () => db.listTables()],
  ])('%s rejects with UnsupportedOperationError when the engine declares but does not implement it', async (name, call) => {
    const e = await call().catch((err: unknown) => err);
    expect(UnsupportedOperationError.isInstance(e)).toBe(true);
    expect((e as Error).message).toBe(`sqlite declares ${name} supported but does not implement it`);
  });

  it('has no HA manager when the engine makes none, and reports unknown state without one', async () => {
    expect(db.ha).toBeUndefined();
    expect(db.supportsHighAvailability()).toBe(false);
    expect(await db.getState()).toBe('unknown');
    expect(await db.exists()).toBe(true);
  });
});
