/**
 * The one place where the core's API-spelled words become CLI spellings: a hint that says
 * `pass force: true` or `raise timeoutMs` reaches a person at a shell as `pass --force` or
 * `raise --timeout`; validation issues name `--opt connection-limit`, not `/connectionLimit`,
 * and carry no JSON-pointer noise (`/source:`, `(value):`).
 *
 * @module
 */

/** API option names that are CLI flags of their own (the rest are `--opt kebab-key=value`). */
export const API_OPTION_TO_FLAG: Readonly<Record<string, string>> = Object.freeze({
  force: '--force',
  replace: '--replace',
  dryRun: '--dry-run',
  timeoutMs: '--timeout',
  includeSystem: '--system',
  ifNotExists: '--if-not-exists',
});

/** API methods (as hints name them) to the gds command that does the same. */
export const API_METHOD_TO_COMMAND: Readonly<Record<string, string>> = Object.freeze({
  'listTables()': 'gds tables <db>',
  'listSchemas()': 'gds schemas <db>',
  'listDatabases()': 'gds ls',
  'getMetadata()': 'gds info <db>',
  'failover()': 'gds ha failover',
  'getStatus()': 'gds ha status',
  'getConfiguration()': 'gds ha status',
  'monitorLag()': 'gds ha lag',
  'backup()': 'gds backup',
  'restore()': 'gds restore',
  'drop()': 'gds drop <db>',
  'create()': 'gds create <db>',
  'vacuum()': 'gds postgres vacuum <db>',
});

/** Whole phrases of API advice and how a CLI user does the same. */
export const API_PHRASE_TO_CLI: readonly (readonly [RegExp, string])[] = Object.freeze([
  [/\bpass init or append\b/g, 'pass --opt init=true or --opt append=true'],
  [/\buse getDatabase\(([^)]+)\)/g, 'use the name $1'],
  [/\bpass its connection URL instead\b/g, 'pass its connection URL to --target instead'],
] as const);

/** `connectionLimit` to `connection-limit`. */
export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * How the CLI spells the API option `key`: its own flag, or `--opt kebab-key`.
 *
 * ### Examples
 * ```ts
 * cliOptionName('timeoutMs'); // '--timeout'
 * cliOptionName('connectionLimit'); // '--opt connection-limit'
 * ```
 */
export function cliOptionName(key: string): string {
  return API_OPTION_TO_FLAG[key] ?? `--opt ${kebab(key)}`;
}

/**
 * Rewrites a hint or message from API spelling to CLI spelling.
 *
 * ### Examples
 * ```ts
 * toCliText('close them, or pass force: true to end them'); // 'close them, or pass --force to end them'
 * toCliText('pass overwrite: true'); // 'pass --opt overwrite=true'
 * toCliText('raise timeoutMs, or look for locks'); // 'raise --timeout, or look for locks'
 * ```
 */
export function toCliText(text: string): string {
  let out = text;
  for (const [phrase, cli] of API_PHRASE_TO_CLI) out = out.replace(phrase, cli);
  for (const [method, command] of Object.entries(API_METHOD_TO_COMMAND)) out = out.split(`(${method})`).join(`(${command})`).split(method).join(command);
  // `key: value` as an option object spells it (`force: true`, `overwrite: true`, `mode: 'x'`)
  out = out.replace(/\b([a-z][A-Za-z]*): (true|false|-?\d+|'[^']*')/g, (_whole, key: string, value: string) => {
    const flag = API_OPTION_TO_FLAG[key];
    if (flag) return value === 'true' ? flag : `${flag}=${value.replace(/'/g, '')}`;
    return `--opt ${kebab(key)}=${value.replace(/'/g, '')}`;
  });
  // a bare option name the API spells (`raise timeoutMs`, `use mode ifNotExists`)
  out = out.replace(/\bmode ifNotExists\b/g, '--if-not-exists');
  for (const [key, flag] of Object.entries(API_OPTION_TO_FLAG)) if (/[A-Z]/.test(key)) out = out.replace(new RegExp(`\\b${key}\\b`, 'g'), flag);
  return out;
}

/** One validation issue as the core reports it. */
export interface Issue {
  /** JSON pointer of the field (`/connectionLimit`), `''` for the whole value. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** What the CLI knows of an option (from the engine's schema), to list allowed values and known keys. */
export interface OptionInfo {
  /** The API key. */
  key: string;
  /** Allowed values, for an enum. */
  values?: readonly unknown[];
}

/** Edit distance (for "did you mean"). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The closest of `known` to `word`, if close enough to be a typo.
 *
 * ### Examples
 * ```ts
 * suggest('ownr', ['owner', 'template']); // 'owner'
 * ```
 */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = distance(word.toLowerCase(), k.toLowerCase());
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Validation issues in CLI words: the option by its CLI name, an enum's allowed values, an
 * unknown key with a suggestion and the known keys.
 *
 * ### Examples
 * ```ts
 * cliIssues([{ path: '/ownr', message: 'is not a known option' }], [{ key: 'owner' }]);
 * // "unknown --opt ownr (did you mean --opt owner?); known: owner"
 * ```
 */
export function cliIssues(issues: readonly Issue[], options: readonly OptionInfo[] = []): string {
  return issues
    .map((issue) => {
      const key = issue.path.split('/')[1] ?? '';
      if (!key) return toCliText(issue.message);
      const name = cliOptionName(key);
      const info = options.find((o) => o.key === key);
      if (/not a known option|must NOT have additional properties|unexpected property/i.test(issue.message)) {
        const known = options.filter((o) => !(o.key in API_OPTION_TO_FLAG)).map((o) => kebab(o.key));
        const guess = suggest(kebab(key), known);
        return `unknown ${name}${guess ? ` (did you mean --opt ${guess}?)` : ''}${known.length ? `; known: ${known.join(', ')}` : ''}`;
      }
      if (info?.values) return `${name} must be one of ${info.values.map((v) => String(v)).join(', ')}`;
      return /^(must|is|should|expected)\b/i.test(issue.message) ? `${name} ${toCliText(issue.message)}` : toCliText(issue.message);
    })
    .join('; ');
}

/** What runCommand prints of an error. */
export interface CliErrorInfo {
  /** The gds error code. */
  code?: string;
  /** The message. */
  message: string;
  /** The hint. */
  hint?: string;
}

/**
 * Rewrites a printed error into CLI words (in place): validation issues by `--opt` name with
 * no JSON pointers, API spellings in the message and the hint turned into CLI spellings.
 *
 * ### Examples
 * ```ts
 * const info = { message: 'Invalid options for create: /connectionLimit: must be integer' };
 * inCliWords(error, info); // info.message: 'Invalid options for create: --opt connection-limit must be integer'
 * ```
 */
export function inCliWords(error: unknown, info: CliErrorInfo): CliErrorInfo {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const list = issues as Issue[];
    const detail = list.map((i) => `${i.path || '(value)'}: ${i.message}`).join('; ');
    const base = info.message.endsWith(`: ${detail}`) ? info.message.slice(0, -detail.length - 2) : info.message;
    info.message = `${base}: ${cliIssues(list)}`;
  } else {
    info.message = toCliText(info.message);
  }
  if (info.hint) info.hint = toCliText(info.hint);
  return info;
}
