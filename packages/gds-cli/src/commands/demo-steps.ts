/**
 * The step runner both demos share (`gds demo` on PostgreSQL, `gds demo --engine sqlite`): each
 * step's title as it starts, its detail, its time; a summary at the end (text), or one JSON
 * document with every step (`--json`), also when a step fails.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';
import { ReportedError } from '../usage-error.js';

/** One step of a demo, as the summary and the JSON document show it. */
export interface DemoStep {
  title: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

/** A demo's run: its steps so far and what prints them. */
export interface DemoRun {
  /** The steps so far, in order. */
  readonly steps: readonly DemoStep[];
  /** Prints a line (nothing with `--json`). */
  say(line: string): void;
  /** Runs a step: its title first, then the detail `fn` returns; a throw fails the step and is rethrown. */
  step(title: string, fn: () => Promise<string | undefined>): Promise<void>;
  /** With `--json`: prints the steps as a success. */
  succeeded(): void;
  /** Without `--json`: rethrows `error`; with it: prints the steps and the error, then exits 1 (130 when cancelled). */
  failed(error: unknown): never;
  /** Without `--json`: prints the summary (each step with its time, then the counts). */
  summary(): void;
}

/**
 * Starts a demo's run on the CLI's output.
 *
 * ### Examples
 * ```ts
 * const run = demoRun(ctx);
 * try {
 *   await run.step('create a sample database', async () => { await db.create(); return 'created'; });
 *   run.succeeded();
 * } catch (error) {
 *   run.failed(error);
 * } finally {
 *   run.summary();
 * }
 * ```
 */
export function demoRun(ctx: CliContext): DemoRun {
  const json = ctx.output.json;
  const steps: DemoStep[] = [];
  const say = (line: string) => {
    if (!json) ctx.output.out.write(`${line}\n`);
  };
  const rounded = () => steps.map((s) => ({ ...s, ms: Math.round(s.ms) }));
  return {
    steps,
    say,
    async step(title, fn) {
      ctx.signal.throwIfAborted();
      const started = performance.now();
      say(`\n▶ ${title}`);
      try {
        const detail = await fn();
        steps.push({ title, ok: true, ms: performance.now() - started, detail });
        if (detail) say(`  ${detail}`);
      } catch (error) {
        steps.push({ title, ok: false, ms: performance.now() - started, detail: (error as Error).message });
        throw error;
      }
    },
    succeeded() {
      if (json) printJson(ctx.output, { ok: true, steps: rounded() });
    },
    failed(error) {
      if (!json) throw error;
      const e = error as Error & { code?: string; hint?: string };
      printJson(ctx.output, { ok: false, steps: rounded(), error: { code: e.code ?? 'ERROR', message: e.message, hint: e.hint } });
      throw new ReportedError(e.message, ctx.signal.aborted ? 130 : 1);
    },
    summary() {
      if (json) return;
      const failedSteps = steps.filter((s) => !s.ok).length;
      say('\nSummary');
      for (const s of steps) say(`  ${s.ok ? '✓' : '✗'} ${s.title.padEnd(62)} ${s.ms.toFixed(0).padStart(6)} ms`);
      say(`\n${steps.length - failedSteps} steps passed, ${failedSteps} failed`);
    },
  };
}
