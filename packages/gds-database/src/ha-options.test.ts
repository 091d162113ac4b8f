import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DatabaseManager, ValidationError, registerProvider, unregisterProvider, type Database } from './index.js';
import { memoryProvider, type MemoryConnection } from '../test/memory-provider.js';

let manager: DatabaseManager;
let db: Database;

beforeEach(async () => {
  registerProvider(memoryProvider());
  manager = await DatabaseManager.connect('memory://tester@local/main');
  db = await manager.getDatabase('main');
});
afterEach(async () => {
  await manager.close();
  unregisterProvider('sqlite');
});

describe('HA options are validated like every other operation', () => {
  it.each([[{ timeoutMs: -1 }], [{ timeoutMs: 'x' }], [{ timeoutMs: 1.5 }], [{ timeoutMs: 1e20 }], [{ timeotMs: 100 }], [{ signal: 'not a signal' }]])(
    'a read refuses %j before it reaches the server',
    async (options) => {
      await expect(db.ha!.getPrimaryNode(options as never)).rejects.toThrow(ValidationError);
    },
  );

  it('a read with good options still runs', async () => {
    expect((await db.ha!.getPrimaryNode({ timeoutMs: 5000, signal: new AbortController().signal }))?.nodeName).toBe('a');
  });

  it('a change refuses an unknown key instead of dropping it, and changes nothing', async () => {
    const server = (manager.connection as MemoryConnection).server;
    const before = server.isPrimary;
    const error = await db.ha!.failover({ target: 'b', bogus: true } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(server.isPrimary).toBe(before);
    await expect(db.ha!.setSyncMode('synchronous', { force: true } as never)).rejects.toThrow(ValidationError);
    await expect(db.ha!.removeNode('b', { force: true } as never)).rejects.toThrow(ValidationError);
    await expect(db.ha!.addNode({ name: 'c' }, { timeoutMs: -1 })).rejects.toThrow(ValidationError);
    expect(server.isPrimary).toBe(before);
  });
});
