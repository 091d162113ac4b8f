/**
 * Progress of backups and restores on a terminal: a bar with the percentage where the engine
 * reports one, otherwise a spinner; with the bytes so far, the elapsed time (ticking on its own
 * between the engine's events), the throughput, and an ETA from the percent's pace. The last
 * line left on screen is the final state (100%, the final size, the whole time, the average
 * rate). Quiet when stderr is not a terminal or `--json` is given. Drawn with cli-progress on stderr.
 *
 * @module
 */
import cliProgress from 'cli-progress';
import { formatBytes } from './output.js';

/** What the renderer draws from (the core's ProgressEvent, structurally). */
export interface ProgressUpdate {
  percent?: number;
  bytes?: number;
  message?: string;
  elapsedMs: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A duration for people: `4.2s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** What one line of progress shows. */
export interface ProgressSnapshot {
  percent?: number;
  bytes?: number;
  elapsedMs: number;
  /** The final line: no ETA, the average rate. */
  final?: boolean;
  /** The spinner frame (no percent). */
  spin?: string;
}

/**
 * One line of progress: `label [bar] 42% 1.2 GiB 12.0s 98.1 MiB/s ETA 16s`, or without a percent
 * `label ⠋ 12.0s 1.2 GiB 98.1 MiB/s`. The rate is bytes over elapsed time; the ETA is the time
 * left at the pace so far (elapsed × (100 − p) / p), shown once 1% is done.
 *
 * ### Examples
 * ```ts
 * progressLine('backup app', { percent: 50, bytes: 2048, elapsedMs: 1000 }); // 'backup app [████████████░░░░░░░░░░░░] 50% 2.0 KiB 1.0s 2.0 KiB/s ETA 1.0s'
 * ```
 */
export function progressLine(label: string, snap: ProgressSnapshot, width = 24): string {
  const seconds = snap.elapsedMs / 1000;
  const rate = snap.bytes !== undefined && seconds >= 0.05 ? `${formatBytes(snap.bytes / seconds)}/s` : '';
  const bytes = formatBytes(snap.bytes);
  const elapsed = formatDuration(snap.elapsedMs);
  if (snap.percent !== undefined) {
    const p = Math.max(0, Math.min(100, snap.percent));
    const filled = Math.round((p / 100) * width);
    const eta = !snap.final && p >= 1 && p < 100 ? `ETA ${formatDuration((snap.elapsedMs * (100 - p)) / p)}` : '';
    return [`${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.round(p)}%`, bytes, elapsed, rate, eta].filter(Boolean).join(' ');
  }
  return [`${label} ${snap.spin ?? FRAMES[0]}`, elapsed, bytes, rate].filter(Boolean).join(' ');
}

/**
 * Draws progress events; call `stop()` when the operation ends.
 *
 * ### Examples
 * ```ts
 * const progress = new ProgressRenderer(process.stderr, 'backup app');
 * await db.backup(path, { onProgress: (e) => progress.update(e) });
 * progress.stop();
 * ```
 */
export class ProgressRenderer {
  readonly #enabled: boolean;
  readonly #bar: cliProgress.SingleBar | undefined;
  #started = false;
  #frame = 0;
  #last: ProgressUpdate = { elapsedMs: 0 };
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** When the last event came (the elapsed time ticks on from its elapsedMs). */
  #lastAt = Date.now();
  #final = false;

  /** Draws on `stream` when it is a terminal and `quiet` is not set. */
  constructor(stream: NodeJS.WritableStream & { isTTY?: boolean }, label: string, options: { quiet?: boolean } = {}) {
    this.#enabled = Boolean(stream.isTTY) && !options.quiet;
    if (!this.#enabled) return;
    this.#bar = new cliProgress.SingleBar(
      {
        stream,
        format: (_options, _params, payload: { snapshot?: ProgressSnapshot }) => progressLine(label, payload.snapshot ?? { elapsedMs: 0 }),
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: false,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  /** Whether anything is drawn. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Takes one progress event. */
  update(event: ProgressUpdate): void {
    if (!this.#bar || this.#stopped) return;
    this.#last = { ...this.#last, ...event, bytes: event.bytes ?? this.#last.bytes, percent: event.percent ?? this.#last.percent };
    this.#lastAt = Date.now();
    const value = Math.max(0, Math.min(100, this.#last.percent ?? 0));
    if (!this.#started) {
      this.#started = true;
      this.#bar.start(100, value, this.payload());
      this.#timer = setInterval(() => {
        this.#frame = (this.#frame + 1) % FRAMES.length;
        this.#bar?.update(this.payload());
      }, 100);
      this.#timer.unref();
    }
    this.#bar.update(value, this.payload());
  }

  private payload(): { snapshot: ProgressSnapshot } {
    // the clock ticks between events: elapsed is the last event's plus the time since it came
    const elapsedMs = this.#final ? this.#last.elapsedMs : this.#last.elapsedMs + (Date.now() - this.#lastAt);
    return { snapshot: { percent: this.#last.percent, bytes: this.#last.bytes, elapsedMs, final: this.#final, spin: FRAMES[this.#frame] ?? '' } };
  }

  /**
   * Stops drawing for good (later events are ignored) and leaves the last line on screen: after
   * a 100% event that line is the final state (whole time, average rate, no ETA). Safe to call twice.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#bar && this.#started) {
      if (this.#last.percent === 100) {
        this.#last = { ...this.#last, elapsedMs: this.#last.elapsedMs + (Date.now() - this.#lastAt) };
        this.#final = true;
      }
      this.#bar.update(Math.max(0, Math.min(100, this.#last.percent ?? 0)), this.payload());
      this.#bar.stop();
    }
  }
}
