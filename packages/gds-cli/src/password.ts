/**
 * Passwords that never pass through argv: read from stdin (`--password-stdin`, one line, the
 * newline dropped) or asked on the terminal without echo when the server wants one and none was
 * given; and put into the target URL in memory (engines get it from there; PostgreSQL's tools get
 * it as PGPASSWORD in their environment, never on their command line).
 *
 * @module
 */
import { parseTargetUrl } from './target-url.js';

/**
 * Reads the password from `input` (all of it, up to the first newline; a trailing `\r` is dropped).
 *
 * ### Examples
 * ```ts
 * // printf '%s\n' "$PW" | gds --password-stdin --url postgres://app@db/app ls
 * const pw = await readPasswordFrom(process.stdin);
 * ```
 */
export async function readPasswordFrom(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  const line = text.split('\n')[0] ?? '';
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Asks for a password on the terminal (`input` in raw mode, nothing echoed; Enter ends it,
 * Backspace deletes, Ctrl-C or `signal` rejects).
 *
 * ### Examples
 * ```ts
 * const pw = await askPassword('Password for app@db: ', process.stdin, process.stderr);
 * ```
 */
export function askPassword(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream, signal?: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    const done = (error?: Error) => {
      input.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      if (input.isTTY) input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onAbort = () => done(new Error('password prompt cancelled'));
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('password prompt cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    // no echo before the prompt shows: keys typed as soon as it appears are never echoed
    if (input.isTTY) input.setRawMode(true);
    output.write(prompt);
    input.resume();
    input.on('data', onData);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `url` with `password` as its password (percent-encoded), replacing any it had.
 *
 * ### Examples
 * ```ts
 * urlWithPassword('postgres://app@db/app', 'p@ss'); // 'postgres://app:p%40ss@db/app'
 * ```
 */
export function urlWithPassword(url: string, password: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url);
  if (!m || !parseTargetUrl(url)) return url;
  const rest = m[2] ?? '';
  const q = rest.indexOf('?');
  const beforeQuery = q >= 0 ? rest.slice(0, q) : rest;
  const at = beforeQuery.lastIndexOf('@');
  const userinfo = at >= 0 ? beforeQuery.slice(0, at) : '';
  const user = userinfo.split(':')[0] ?? '';
  return `${m[1]}${user}:${encodeURIComponent(password)}@${rest.slice(at + 1)}`;
}
