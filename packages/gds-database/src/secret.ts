/**
 * Secrets (passwords, tokens, private keys) held in a wrapper that never prints its value:
 * `String(secret)`, `JSON.stringify(secret)` and `util.inspect(secret)` all give `'***'`.
 * While a secret is alive its value is also known to {@link redact}, which every error message,
 * operation result and statement list of gds passes through, so that a driver message quoting
 * a password cannot leak it either.
 *
 * Lifetime: every `Secret` object is one holder of its value, and the value is redacted for as
 * long as any holder has not called {@link Secret.forget} (or been garbage-collected).
 * {@link Secret.from} gives each caller its own holder, so a connection that forgets its copy on
 * `close()` never un-redacts the value for another connection, a failover target or the caller.
 *
 * The store of live values is private to this module (a map from a hash of the value to its
 * holder count). Another copy of `@gds/database` loaded in the same process (two versions, or a
 * bundle) shares redaction through one hidden, non-enumerable registry of redacting functions on
 * `globalThis`: it holds functions that redact a text, never the values.
 *
 * @module
 */
import { createHash } from 'node:crypto';

const REDACTED = '***';
const REGISTRY_KEY = Symbol.for('@gds/database/secret-redactors');
/** Secrets shorter than this are not searched for in text: they would redact ordinary words. */
const MIN_REDACTABLE_LENGTH = 4;

interface LiveValue {
  value: string;
  holders: number;
}

/** The live values of this copy of the module, by hash; never exported, never on globalThis. */
const live = new Map<string, LiveValue>();

const hashOf = (value: string): string => createHash('sha256').update(value).digest('base64');

function hold(value: string): string {
  const key = hashOf(value);
  const entry = live.get(key);
  if (entry) entry.holders++;
  else live.set(key, { value, holders: 1 });
  return key;
}

function release(key: string): void {
  const entry = live.get(key);
  if (!entry) return;
  if (--entry.holders <= 0) live.delete(key);
}

/** Releases the hold of a Secret that was garbage-collected without `forget()`. */
const finalizer = new FinalizationRegistry<string>(release);

function redactOwn(text: string): string {
  let out = text;
  for (const { value } of live.values()) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

/** The process-wide registry the copies of this module share: functions only, no values. */
interface RedactorRegistry {
  register(redactor: (text: string) => string): void;
  redactors(): Iterable<(text: string) => string>;
}

function sharedRegistry(): RedactorRegistry {
  const holder = globalThis as unknown as Record<symbol, RedactorRegistry | undefined>;
  const existing = holder[REGISTRY_KEY];
  if (existing) return existing;
  const redactors = new Set<(text: string) => string>();
  const registry: RedactorRegistry = Object.freeze({
    register: (redactor: (text: string) => string) => void redactors.add(redactor),
    redactors: () => [...redactors],
  });
  Object.defineProperty(globalThis, REGISTRY_KEY, { value: registry, enumerable: false, writable: false, configurable: false });
  return registry;
}

const registry = sharedRegistry();
registry.register(redactOwn);

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
  /** The hash this holder holds in the live store, until forgotten; `undefined` for short values. */
  #held: string | undefined;

  /** Wraps `value` (one holder of it); an empty value is allowed and redacts nothing. */
  constructor(value: string) {
    this.#value = value;
    if (value.length >= MIN_REDACTABLE_LENGTH) {
      this.#held = hold(value);
      finalizer.register(this, this.#held, this);
    }
  }

  /**
   * Wraps a string, or gives an existing Secret's value a new holder of its own (see {@link copy}),
   * so that whoever calls `from()` may `forget()` its result without affecting anyone else;
   * `undefined` stays `undefined`.
   *
   * ### Examples
   * ```ts
   * const shared = new Secret('pw-1234');
   * const mine = Secret.from(shared)!;
   * mine.forget();
   * redact('pw-1234'); // '***': `shared` still holds it
   * ```
   */
  static from(value: string | Secret | undefined | null): Secret | undefined {
    if (value === undefined || value === null) return undefined;
    return value instanceof Secret ? value.copy() : new Secret(value);
  }

  /**
   * A new holder of the same value: forgetting either one keeps the value redacted while the
   * other is held.
   *
   * ### Examples
   * ```ts
   * const forFailover = config.password?.copy();
   * ```
   */
  copy(): Secret {
    return new Secret(this.#value);
  }

  /** The real value. Call it only where the value must go (a driver option, a child's environment). */
  reveal(): string {
    return this.#value;
  }

  /** Whether the secret is the empty string. */
  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  /**
   * Ends this holder's hold: {@link redact} stops searching for the value once no holder is left
   * (another live Secret with the same value keeps it redacted). Calling it twice is harmless.
   */
  forget(): void {
    if (this.#held === undefined) return;
    finalizer.unregister(this);
    release(this.#held);
    this.#held = undefined;
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
  let out = redactOwn(redactUrlPasswords(text));
  for (const redactor of registry.redactors()) if (redactor !== redactOwn) out = redactor(out);
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
