import { describe, expect, it } from '@jest/globals';
import { OperationCancelledError } from './errors.js';
import { runOperation, runRead } from './operation-runner.js';

describe('one AbortSignal shared by many operations', () => {
  it('adds one listener to the signal, prints no MaxListenersExceededWarning, and cancels every operation', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const added: string[] = [];
      const original = controller.signal.addEventListener.bind(controller.signal);
      controller.signal.addEventListener = ((type: string, ...rest: Parameters<AbortSignal['addEventListener']> extends [unknown, ...infer R] ? R : never) => {
        added.push(type);
        return (original as (t: string, ...r: unknown[]) => void)(type, ...rest);
      }) as AbortSignal['addEventListener'];
      const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      const runs = [
        ...Array.from({ length: 15 }, (_, i) => runRead({ operation: `read${i}`, signal: controller.signal }, never)),
        ...Array.from({ length: 15 }, (_, i) => runOperation({ operation: `change${i}`, signal: controller.signal }, (ctx) => never(ctx.signal))),
      ];
      await new Promise((r) => setTimeout(r, 20));
      expect(added.filter((t) => t === 'abort')).toHaveLength(1);
      controller.abort();
      const settled = await Promise.allSettled(runs);
      expect(settled.every((s) => s.status === 'rejected' && OperationCancelledError.isInstance(s.reason))).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('an operation that finished stops listening: a later abort does not touch it, and new operations still cancel', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 30; i++) await runRead({ operation: 'quick', signal: controller.signal }, async () => i);
    const pending = runRead({ operation: 'slow', signal: controller.signal }, (signal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OperationCancelledError);
  });
});
