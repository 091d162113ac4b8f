// The demos' step runner: what a failed step prints, in text and in JSON, and what it throws.
import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import type { CliContext } from '../context.js';
import { ReportedError } from '../usage-error.js';
import { demoRun } from './demo-steps.js';

function context(json: boolean, signal = new AbortController().signal): { ctx: CliContext; out: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const ctx = { output: { json, out, err: new PassThrough() }, signal } as unknown as CliContext;
  return { ctx, out: () => text };
}

/** Runs one good step and one that throws `boom`, the way the demos do. */
async function runTwo(ctx: CliContext): Promise<unknown> {
  const run = demoRun(ctx);
  try {
    await run.step('first', async () => 'done');
    await run.step('second', async () => {
      throw Object.assign(new Error('boom'), { code: 'VALIDATION', hint: 'do this' });
    });
    run.succeeded();
    return undefined;
  } catch (error) {
    try {
      run.failed(error);
    } catch (thrown) {
      return thrown;
    }
  } finally {
    run.summary();
  }
}

describe('demoRun', () => {
  it('text: the failed step is rethrown as it was, and the summary counts it', async () => {
    const { ctx, out } = context(false);
    const thrown = await runTwo(ctx);
    expect((thrown as Error).message).toBe('boom');
    expect(thrown).not.toBeInstanceOf(ReportedError);
    expect(out()).toMatch(/▶ first\n {2}done\n/);
    expect(out()).toMatch(/✓ first {58}/);
    expect(out()).toMatch(/✗ second/);
    expect(out()).toMatch(/1 steps passed, 1 failed\n$/);
  });

  it('JSON: one document with both steps and the error, then exit 1 (nothing else printed)', async () => {
    const { ctx, out } = context(true);
    const thrown = await runTwo(ctx);
    expect(thrown).toBeInstanceOf(ReportedError);
    expect((thrown as ReportedError).exitCode).toBe(1);
    const doc = JSON.parse(out()) as { ok: boolean; steps: { title: string; ok: boolean; ms: number; detail?: string }[]; error: unknown };
    expect(doc.ok).toBe(false);
    expect(doc.steps.map((s) => [s.title, s.ok, s.detail])).toEqual([
      ['first', true, 'done'],
      ['second', false, 'boom'],
    ]);
    expect(doc.steps.every((s) => Number.isInteger(s.ms))).toBe(true);
    expect(doc.error).toEqual({ code: 'VALIDATION', message: 'boom', hint: 'do this' });
  });

  it('a cancelled run exits 130, and no step starts once the signal is aborted', async () => {
    const controller = new AbortController();
    const { ctx } = context(true, controller.signal);
    const run = demoRun(ctx);
    controller.abort();
    let ran = false;
    const error = await run.step('never', async () => ((ran = true), undefined)).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(run.steps).toEqual([]);
    expect(() => run.failed(error)).toThrow(expect.objectContaining({ exitCode: 130 }) as unknown as Error);
  });
});
