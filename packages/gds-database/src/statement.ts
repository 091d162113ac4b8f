/**
 * Statements as objects: what a change sends to a server is built once, as a {@link Statement},
 * and that same object is both what a dry run shows (through the engine's `describeStatement`)
 * and what runs (`ctx.step(statement, (s) => driver.query(s.text, s.params))`). There is no
 * second string to drift from the first.
 *
 * @module
 */

/**
 * A statement and its parameter values.
 *
 * ### Examples
 * ```ts
 * const s: Statement = { text: 'select 1 from pg_database where datname = $1', params: ['app'] };
 * ```
 */
export interface Statement {
  /** The text, with the engine's placeholders (`$1`, `@p1`, `?`). */
  readonly text: string;
  /** The parameters, in the engine's form: values in placeholder order (`$1`, `?`), or named pairs (`@p1`). */
  readonly params: readonly unknown[];
}

/**
 * Makes a {@link Statement}.
 *
 * ### Examples
 * ```ts
 * statement('DROP DATABASE "app"'); // { text: 'DROP DATABASE "app"', params: [] }
 * ```
 */
export function statement(text: string, params: readonly unknown[] = []): Statement {
  return Object.freeze({ text, params: Object.freeze([...params]) });
}

/**
 * The default way a dry run shows a statement: its text, then the parameters as a comment
 * (`-- $1 = "app"`), line breaks escaped so the comment stays one line. Engines give their own
 * (with their placeholder names and literal syntax) in their definition.
 *
 * ### Examples
 * ```ts
 * describeStatementDefault(statement('select $1', ['x'])); // 'select $1 -- $1 = "x"'
 * ```
 */
export function describeStatementDefault(s: Statement): string {
  if (s.params.length === 0) return s.text;
  const shown = s.params.map((p, i) => `$${i + 1} = ${(typeof p === 'string' ? JSON.stringify(p) : String(p)).replace(/\r?\n/g, '\\n')}`).join(', ');
  return `${s.text} -- ${shown}`;
}

/**
 * Whether `value` is a {@link Statement}.
 *
 * ### Examples
 * ```ts
 * isStatement({ text: 'select 1', params: [] }); // true
 * ```
 */
export function isStatement(value: unknown): value is Statement {
  return typeof value === 'object' && value !== null && typeof (value as Statement).text === 'string' && Array.isArray((value as Statement).params);
}
