/**
 * Progress of backups and restores on a terminal: a bar with the percentage where the engine
 * reports one, otherwise a spinner with the elapsed time and the bytes written so far. Quiet
 * when stderr is not a terminal or `--json` is given. Drawn with cli-progress on stderr.
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

  /** Draws on `stream` when it is a terminal and `quiet` is not set. */
  constructor(stream: NodeJS.WritableStream & { isTTY?: boolean }, label: string, options: { quiet?: boolean } = {}) {
    this.#enabled = Boolean(stream.isTTY) && !options.quiet;
    if (!this.#enabled) return;
    this.#bar = new cliProgress.SingleBar(
      {
        stream,
        format: (_options, params, payload: { spin?: string; bytes?: string; elapsed?: string; known?: boolean }) => {
          const head = `${label} `;
          if (payload.known) {
            const width = 24;
            const filled = Math.round(params.progress * width);
            return `${head}[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.round(params.progress * 100)}% ${payload.bytes ?? ''} ${payload.elapsed ?? ''}`.trimEnd();
          }
          return `${head}${payload.spin ?? FRAMES[0]} ${payload.elapsed ?? ''} ${payload.bytes ?? ''}`.trimEnd();
        },
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

  private payload(): { spin: string; bytes: string; elapsed: string; known: boolean } {
    return {
      spin: FRAMES[this.#frame] ?? '',
      bytes: formatBytes(this.#last.bytes),
      elapsed: `${(this.#last.elapsedMs / 1000).toFixed(1)}s`,
      known: this.#last.percent !== undefined,
    };
  }

  /** Stops drawing for good (later events are ignored) and leaves the last line on screen. Safe to call twice. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#bar && this.#started) this.#bar.stop();
  }
}
