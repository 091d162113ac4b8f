/**
 * Secrets (passwords, tokens, private keys) held in a wrapper that never prints its value:
 * `String(secret)`, `JSON.stringify(secret)` and `util.inspect(secret)` all give `'***'`.
 * While a secret is alive its value is also known to {@link redact}, which every error message,
 * operation result and statement list of gds passes through, so that a driver message quoting
 * a password cannot leak it either.
 *
 * Lifetime: the value is redacted for as long as anyone holds it. Creating a `Secret` is one hold;
 * {@link Secret.from} given an existing Secret returns that same object with one more hold (a
 * reference count), and {@link Secret.forget} gives one hold back. So a connection that forgets
 * its config's password on `close()` never un-redacts it for another manager made from the same
 * config, a failover target or the caller who made it. A Secret that is garbage-collected gives
 * back the holds it still had.
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

function hold(key: string, value: string): void {
  const entry = live.get(key);
  if (entry) entry.holders++;
  else live.set(key, { value, holders: 1 });
}

function release(key: string, count = 1): void {
  const entry = live.get(key);
  if (!entry) return;
  entry.holders -= count;
  if (entry.holders <= 0) live.delete(key);
}

/** One Secret object's holds on its value (kept apart from the object, for the finalizer). */
interface Holds {
  readonly key: string;
  count: number;
}

/** Gives back the holds of a Secret that was garbage-collected without `forget()`. */
const finalizer = new FinalizationRegistry<Holds>((holds) => {
  if (holds.count > 0) release(holds.key, holds.count);
  holds.count = 0;
});

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
  /** This object's holds on its value in the live store; `undefined` for short values. */
  readonly #holds: Holds | undefined;

  /** Wraps `value` (one hold on it); an empty value is allowed and redacts nothing. */
  constructor(value: string) {
    this.#value = value;
    if (value.length >= MIN_REDACTABLE_LENGTH) {
      this.#holds = { key: hashOf(value), count: 1 };
      hold(this.#holds.key, value);
      finalizer.register(this, this.#holds);
    }
  }

  /**
   * Wraps a string, or returns an existing Secret as it is with one more hold on it (see
   * {@link retain}), so that whoever calls `from()` may `forget()` its result once without
   * un-redacting the value for anyone else; `undefined` stays `undefined`.
   *
   * ### Examples
   * ```ts
   * const shared = new Secret('pw-1234');
   * const mine = Secret.from(shared)!; // the same object, held twice
   * mine.forget();
   * redact('pw-1234'); // '***': the creator's hold remains
   * ```
   */
  static from(value: string | Secret | undefined | null): Secret | undefined {
    if (value === undefined || value === null) return undefined;
    return value instanceof Secret ? value.retain() : new Secret(value);
  }

  /**
   * Takes one more hold on the value (give it back with {@link forget}) and returns this Secret.
   *
   * ### Examples
   * ```ts
   * const password = config.password?.retain(); // a second user of the same Secret
   * ```
   */
  retain(): this {
    if (this.#holds) {
      this.#holds.count++;
      hold(this.#holds.key, this.#value);
    }
    return this;
  }

  /**
   * A new, separate Secret with the same value and a hold of its own.
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
   * Gives back one hold: {@link redact} stops searching for the value once no hold is left on it
   * (by this object, by a {@link retain}, or by another Secret with the same value). Calling it
   * more often than there are holds is harmless.
   */
  forget(): void {
    if (!this.#holds || this.#holds.count === 0) return;
    this.#holds.count--;
    release(this.#holds.key);
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
