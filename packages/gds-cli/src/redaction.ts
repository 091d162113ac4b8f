/**
 * Redaction for everything the CLI prints, usable before the core is loaded: URL passwords are
 * removed by pattern, and once the core is loaded its `redact()` removes every live Secret.
 *
 * @module
 */

type Redactor = (text: string) => string;
let coreRedact: Redactor | undefined;

/**
 * Lets the CLI use the core's `redact()` once the core is loaded.
 *
 * ### Examples
 * ```ts
 * useCoreRedaction((await import('@gds/database')).redact);
 * ```
 */
export function useCoreRedaction(redact: Redactor): void {
  coreRedact = redact;
}

/** Extra values to hide (the password of `--url`, read before any engine parsed it). */
const extra = new Set<string>();

/**
 * Hides `value` in everything printed from now on (values shorter than 4 characters excepted).
 *
 * ### Examples
 * ```ts
 * hideValue(new URL(url).password);
 * ```
 */
export function hideValue(value: string): void {
  if (value.length >= 4) extra.add(value);
}

/**
 * Redacts URL passwords, hidden values and live Secrets.
 *
 * ### Examples
 * ```ts
 * redactText('postgres://u:pw@h/db'); // 'postgres://u:***@h/db'
 * ```
 */
export function redactText(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]*)@/gi, (_m, head: string) => `${head}***@`);
  for (const v of extra) if (out.includes(v)) out = out.split(v).join('***');
  for (const v of extra) {
    const encoded = encodeURIComponent(v);
    if (encoded !== v && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return coreRedact ? coreRedact(out) : out;
}
