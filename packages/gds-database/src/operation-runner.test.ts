import { statement } from './statement.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { GdsError, OperationCancelledError, OperationTimeoutError, QueryError } from './errors.js';
import { runOperation, runRead } from './operation-runner.js';
import { MAX_TIMER_MS } from './options.js';
import { Secret } from './secret.js';

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

describe('runOperation', () => {
  it('runs steps, records statements and messages, times the operation', async () => {
    const ran: string[] = [];
    const messages: string[] = [];
    const result = await runOperation({ operation: 'vacuum', onMessage: (l) => messages.push(l) }, async (ctx) => {
      const value = await ctx.step(statement('VACUUM a'), async () => {
        ran.push('a');
        return 42;
      });
      ctx.record('pg_dump --format=custom');
      ctx.message('NOTICE: done');
      return { message: `ok ${value}`, data: { value } };
    });
    expect(ran).toEqual(['a']);
    expect(result.isSuccess()).toBe(true);
    expect(result.message).toBe('ok 42');
    expect(result.data).toEqual({ value: 42 });
    expect(result.statements).toEqual(['VACUUM a', 'pg_dump --format=custom']);
    expect(result.messages).toEqual(['NOTICE: done']);
    expect(messages).toEqual(['NOTICE: done']);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.dryRun).toBe(false);
  });

  it('in a dry run records but never runs a step', async () => {
    let ran = false;
    const result = await runOperation({ operation: 'drop', dryRun: true }, async (ctx) => {
      const r = await ctx.step(statement('DROP DATABASE "x"'), async () => {
        ran = true;
        return 1;
      });
      expect(r).toBeUndefined();
      return { message: 'dropped x' };
    });
    expect(ran).toBe(false);
    expect(result.dryRun).toBe(true);
    expect(result.message).toBe('dry run: dropped x');
    expect(result.statements).toEqual(['DROP DATABASE "x"']);
  });

  it('redacts secrets in statements and messages', async () => {
    const s = new Secret('n0t-in-logs');
    const result = await runOperation({ operation: 'create' }, async (ctx) => {
      ctx.record("CREATE ROLE x PASSWORD 'n0t-in-logs'");
      ctx.message('used n0t-in-logs');
      return { message: 'n0t-in-logs' };
    });
    expect(JSON.stringify(result)).not.toContain('n0t-in-logs');
    expect(result.statements[0]).toBe("CREATE ROLE x PASSWORD '***'");
    s.forget();
  });

  it('reports progress with elapsed time', async () => {
    const events: number[] = [];
    await runOperation({ operation: 'backup', onProgress: (e) => events.push(e.percent ?? -1) }, async (ctx) => {
      ctx.progress({ percent: 50 });
      ctx.progress({ percent: 100 });
      return { message: 'ok' };
    });
    expect(events).toEqual([50, 100]);
  });

  it('rejects with the mapped error, carrying the failed result', async () => {
    const failing = runOperation(
      { operation: 'create', engine: 'sqlite', mapError: (e, op) => new QueryError(`mapped ${op}: ${(e as Error).message}`, { cause: e }) },
      async (ctx) => {
        await ctx.step(statement('CREATE DATABASE x'), async () => {
          throw new Error('syntax error');
        });
        return { message: 'never' };
      },
    );
    const error = await failing.catch((e: unknown) => e);
    expect(QueryError.isInstance(error)).toBe(true);
    const e = error as QueryError;
    expect(e.message).toBe('mapped create: syntax error');
    expect(e.operation).toBe('create');
    expect(e.result?.isSuccess()).toBe(false);
    expect(e.result?.statements).toEqual(['CREATE DATABASE x']);
    expect(e.result?.error).toBe(e);
  });

  it('wraps unknown errors in GdsError when there is no error table', async () => {
    const e = await runOperation({ operation: 'x' }, async () => {
      throw 'boom';
    }).catch((err: unknown) => err);
    expect(GdsError.isInstance(e)).toBe(true);
    expect((e as GdsError).message).toBe('x failed: boom');
  });

  it('times out: rejects with OperationTimeoutError and aborts the body\'s signal', async () => {
    let bodySignal: AbortSignal | undefined;
    const started = Date.now();
    const e = await runOperation({ operation: 'backup', timeoutMs: 50 }, async (ctx) => {
      bodySignal = ctx.signal;
      await wait(5_000, ctx.signal);
      return { message: 'never' };
    }).catch((err: unknown) => err);
    expect(OperationTimeoutError.isInstance(e)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(bodySignal?.aborted).toBe(true);
    expect((e as GdsError).result?.isSuccess()).toBe(false);
  });

  it('is cancelled by the caller\'s signal when the body ignores it past the grace', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const e = await runOperation({ operation: 'restore', signal: ac.signal, cancelGraceMs: 50 }, async () => {
      await wait(300);
      return { message: 'late' };
    }).catch((err: unknown) => err);
    expect(OperationCancelledError.isInstance(e)).toBe(true);
    expect((e as GdsError).message).toBe('restore was cancelled');
  });

  it('reports a change that completed within the grace after a cancel as done, not as cancelled', async () => {
    // a cancel that comes after the point of no return must not claim that nothing happened
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    let changed = false;
    const result = await runOperation({ operation: 'restore', signal: ac.signal }, async () => {
      await wait(100);
      changed = true;
      return { message: 'restored' };
    });
    expect(changed).toBe(true);
    expect(result.success).toBe(true);
    expect(result.message).toBe('restored');
    expect(result.messages).toContain('the cancellation came too late: restore had completed, and was not undone');
  });

  it('still reads as cancelled when the body stops on the cancel', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const e = await runOperation({ operation: 'backup', signal: ac.signal }, async (ctx) => {
      await wait(1_000, ctx.signal);
      return { message: 'never' };
    }).catch((err: unknown) => err);
    expect(OperationCancelledError.isInstance(e)).toBe(true);
  });

  it('waits for the body to clean up before rejecting a cancelled operation', async () => {
    const ac = new AbortController();
    let cleaned = false;
    const done = runOperation({ operation: 'backup', signal: ac.signal }, async (ctx) => {
      try {
        await wait(5_000, ctx.signal);
      } finally {
        await wait(80);
        cleaned = true;
      }
      return { message: 'never' };
    }).catch((err: unknown) => err);
    setTimeout(() => ac.abort(), 10);
    expect(OperationCancelledError.isInstance(await done)).toBe(true);
    expect(cleaned).toBe(true);
  });

  it('releases the caller after the grace period when the body never stops', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const done = runOperation({ operation: 'stuck', signal: ac.signal, cancelGraceMs: 50 }, () => new Promise<never>(() => undefined)).catch((err: unknown) => err);
    setTimeout(() => ac.abort(), 10);
    expect(OperationCancelledError.isInstance(await done)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('runs nothing when the signal is already aborted', async () => {
    let ran = false;
    const e = await runOperation({ operation: 'drop', signal: AbortSignal.abort() }, async () => {
      ran = true;
      return { message: 'x' };
    }).catch((err: unknown) => err);
    expect(ran).toBe(false);
    expect(OperationCancelledError.isInstance(e)).toBe(true);
  });

  it('refuses further steps after cancellation', async () => {
    const ac = new AbortController();
    const steps: string[] = [];
    const done = runOperation({ operation: 'multi', signal: ac.signal }, async (ctx) => {
      await ctx.step(statement('one'), async () => void steps.push('one'));
      await wait(50);
      await ctx.step(statement('two'), async () => void steps.push('two'));
      return { message: 'x' };
    }).catch((err: unknown) => err);
    setTimeout(() => ac.abort(), 10);
    expect(OperationCancelledError.isInstance(await done)).toBe(true);
    await wait(80);
    expect(steps).toEqual(['one']);
  });
});

describe('user callbacks (issue 12 item 7)', () => {
  it('a throwing onProgress or onMessage breaks nothing: every step runs, the result succeeds, the throw is noted once', async () => {
    const ran: number[] = [];
    let calls = 0;
    const boom = () => {
      calls++;
      throw new Error('callback boom');
    };
    const result = await runOperation({ operation: 'backup', onProgress: boom, onMessage: boom }, async (ctx) => {
      for (const i of [1, 2, 3]) {
        ctx.progress({ percent: i * 33 });
        ctx.message(`step ${i}`);
        await ctx.step(statement(`STEP ${i}`), async () => void ran.push(i));
      }
      return { message: 'done' };
    });
    expect(result.isSuccess()).toBe(true);
    expect(ran).toEqual([1, 2, 3]);
    expect(calls).toBe(6);
    expect(result.messages.filter((m) => m.includes('callback failed (ignored): callback boom'))).toHaveLength(2);
  });

  it('a callback whose promise rejects (an async callback) leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const result = await runOperation({ operation: 'restore', onProgress: async () => Promise.reject(new Error('async boom')) }, async (ctx) => {
        ctx.progress({ bytes: 1 });
        return { message: 'ok' };
      });
      await new Promise((r) => setTimeout(r, 20));
      expect(result.isSuccess()).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a callback throw from an event-emitter callback (a child\'s stdout) does not escape as an uncaught exception', async () => {
    const { EventEmitter } = await import('node:events');
    const stdout = new EventEmitter();
    const result = await runOperation({ operation: 'backup', onProgress: () => { throw new Error('from a data event'); } }, async (ctx) => {
      stdout.on('data', (chunk: Buffer) => ctx.progress({ bytes: chunk.length }));
      stdout.emit('data', Buffer.from('abc')); // would throw out of emit() if the callback were not guarded
      return { message: 'ok' };
    });
    expect(result.isSuccess()).toBe(true);
  });
});

describe('timer limits (issue 12 item 10)', () => {
  it('MAX_TIMER_MS is the documented limit, and above it this Node really fires at once (test/evidence/node-timers.json)', async () => {
    const evidence = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'node-timers.json'), 'utf8')) as { maxDelayMs: number };
    expect(MAX_TIMER_MS).toBe(evidence.maxDelayMs);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, evidence.maxDelayMs + 1)); // Node also prints a TimeoutOverflowWarning
    expect(Date.now() - started).toBeLessThan(1_000); // the wrap the option schemas and checkTimer prevent
  });

  it('refuses a timeoutMs above 2^31-1 instead of letting Node turn it into 1 ms', async () => {
    let ran = false;
    const work = async () => {
      await wait(30);
      ran = true;
      return { message: 'ok' };
    };
    await expect(runOperation({ operation: 'backup', timeoutMs: 2 ** 31 }, work)).rejects.toThrow(/timeoutMs/);
    expect(ran).toBe(false);
    await expect(runRead({ operation: 'exists', timeoutMs: 2 ** 31 + 5 }, async () => true)).rejects.toThrow(/2147483647/);
    await expect(runOperation({ operation: 'backup', timeoutMs: 1.5 }, work)).rejects.toThrow(/timeoutMs/);
    await expect(runOperation({ operation: 'backup', cancelGraceMs: 2 ** 40 }, work)).rejects.toThrow(/cancelGraceMs/);
  });

  it('accepts the largest timer value and does not time out early', async () => {
    const result = await runOperation({ operation: 'backup', timeoutMs: 2 ** 31 - 1 }, async () => {
      await wait(30);
      return { message: 'ok' };
    });
    expect(result.isSuccess()).toBe(true);
  });
});

describe('runRead', () => {
  it('returns the value and maps errors', async () => {
    expect(await runRead({ operation: 'exists' }, async () => true)).toBe(true);
    const e = await runRead({ operation: 'exists', mapError: (err) => new QueryError(String(err)) }, async () => {
      throw 'no';
    }).catch((err: unknown) => err);
    expect(QueryError.isInstance(e)).toBe(true);
    expect((e as GdsError).operation).toBe('exists');
  });

  it('times out and cancels', async () => {
    const slow = (signal: AbortSignal) => wait(2_000, signal).then(() => 1);
    expect(OperationTimeoutError.isInstance(await runRead({ operation: 'r', timeoutMs: 20 }, slow).catch((e: unknown) => e))).toBe(true);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    expect(OperationCancelledError.isInstance(await runRead({ operation: 'r', signal: ac.signal }, slow).catch((e: unknown) => e))).toBe(true);
    expect(await runRead({ operation: 'r', timeoutMs: 1_000 }, async () => 'fast')).toBe('fast');
    expect(OperationCancelledError.isInstance(await runRead({ operation: 'r', signal: AbortSignal.abort() }, slow).catch((e: unknown) => e))).toBe(true);
  });
});
