/**
 * Secrets (passwords, tokens, private keys) held in a wrapper that never prints its value:
 * `String(secret)`, `JSON.stringify(secret)` and `util.inspect(secret)` all give `'***'`.
 * While a secret is alive its value is also known to {@link redact}, which every error message,
 * operation result and statement list of gds passes through, so that a driver message quoting
 * a password cannot leak it either. Call {@link Secret.forget} when the secret is no longer needed
 * (connections do this on `close()`).
 *
 * @module
 */

const REDACTED = '***';
const KNOWN_KEY = Symbol.for('@gds/database/known-secrets');
/** Secrets shorter than this are not searched for in text: they would redact ordinary words. */
const MIN_REDACTABLE_LENGTH = 4;

type KnownSecrets = Map<string, number>;

function knownSecrets(): KnownSecrets {
  const holder = globalThis as unknown as Record<symbol, KnownSecrets | undefined>;
  let known = holder[KNOWN_KEY];
  if (!known) {
    known = new Map();
    holder[KNOWN_KEY] = known;
  }
  return known;
}

/**
 * A secret value that redacts itself everywhere it could be printed.
 *
 * ### Examples
 * ```ts
 * const password = new Secret(process.env.PGPASSWORD ?? '');
 * console.log(`${password}`); // ***
 * const env = { PGPASSWORD: password.reveal() }; // only where the value must really go
 * ```
 */
export class Secret {
  readonly #value: string;
  #forgotten = false;

  /** Wraps `value`; an empty value is allowed and redacts nothing. */
  constructor(value: string) {
    this.#value = value;
    if (value.length >= MIN_REDACTABLE_LENGTH) {
      const known = knownSecrets();
      known.set(value, (known.get(value) ?? 0) + 1);
    }
  }

  /** Wraps a string, or returns an existing Secret as it is; `undefined` stays `undefined`. */
  static from(value: string | Secret | undefined | null): Secret | undefined {
    if (value === undefined || value === null) return undefined;
    return value instanceof Secret ? value : new Secret(value);
  }

  /** The real value. Call it only where the value must go (a driver option, a child's environment). */
  reveal(): string {
    return this.#value;
  }

  /** Whether the secret is the empty string. */
  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  /** Stops {@link redact} from searching for this value (another live Secret with it keeps it known). */
  forget(): void {
    if (this.#forgotten || this.#value.length < MIN_REDACTABLE_LENGTH) return;
    this.#forgotten = true;
    const known = knownSecrets();
    const count = (known.get(this.#value) ?? 1) - 1;
    if (count <= 0) known.delete(this.#value);
    else known.set(this.#value, count);
  }

  /** Always `'***'`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `'***'`, so that `JSON.stringify` never prints the value. */
  toJSON(): string {
    return REDACTED;
  }

  /** Always `'Secret(***)'` in `console.log` and `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${REDACTED})`;
  }
}

/**
 * Replaces every live secret value, and the password part of any URL, in `text` with `***`.
 *
 * ### Examples
 * ```ts
 * new Secret('hunter22');
 * redact('login failed for password hunter22'); // 'login failed for password ***'
 * redact('postgres://app:pw@db:5432/x');         // 'postgres://app:***@db:5432/x'
 * ```
 */
export function redact(text: string): string {
  let out = redactUrlPasswords(text);
  for (const value of knownSecrets().keys()) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

/**
 * Redacts the password of every `scheme://user:password@host` found in `text`.
 *
 * ### Examples
 * ```ts
 * redactUrlPasswords('mssql://sa:Str0ng!@host'); // 'mssql://sa:***@host'
 * ```
 */
export function redactUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]*)@/gi, (_m, head: string) => `${head}${REDACTED}@`);
}
