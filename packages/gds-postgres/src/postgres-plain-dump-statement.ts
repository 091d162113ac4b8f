/**
 * The statement-level half of the plain-dump scan (postgres-plain-dump.ts feeds it tokens): where
 * psql ends a statement (its `CREATE FUNCTION ... BEGIN ... END` heuristic, psqlscan.l), whether a
 * statement is `COPY ... FROM STDIN` (so psql reads the next lines as data), and the statements that
 * would change how psql lexes what follows (`client_encoding`, `standard_conforming_strings`,
 * `SET NAMES`, `set_config`, `pg_settings`, `RESET ALL`, `DISCARD ALL`).
 *
 * Limits: code that runs inside the server (a function called by a later statement, a trigger, a
 * generated column) can still change either setting by a computed name; this text scan cannot see
 * that. psql's `\restrict` (required by gds for plain restores, see `requirePsqlRestrict`) is the
 * guard that holds then.
 *
 * @module
 */

/** Why a plain file was refused. */
export class PlainDumpRefusal extends Error {
  constructor(
    message: string,
    /** 1-based line of the offending text, when there is one. */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'PlainDumpRefusal';
  }
}

/**
 * Encodings psql lexes byte by byte like ASCII (PostgreSQL's server encodings, as pg_dump names
 * them: src/common/encnames.c). Client-only encodings (SJIS, BIG5, GBK, UHC, GB18030, JOHAB) put
 * backslash and quote bytes inside characters, so a byte scan cannot follow psql there.
 */
const SAFE_ENCODINGS = new Set([
  'SQL_ASCII', 'EUC_JP', 'EUC_CN', 'EUC_KR', 'EUC_TW', 'EUC_JIS_2004', 'UTF8', 'MULE_INTERNAL',
  'LATIN1', 'LATIN2', 'LATIN3', 'LATIN4', 'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10',
  'WIN1256', 'WIN1258', 'WIN866', 'WIN874', 'KOI8R', 'WIN1251', 'WIN1252', 'ISO_8859_5', 'ISO_8859_6',
  'ISO_8859_7', 'ISO_8859_8', 'WIN1250', 'WIN1253', 'WIN1254', 'WIN1255', 'WIN1257', 'KOI8U',
]);
const SETTINGS = new Set(['client_encoding', 'standard_conforming_strings']);
const SET_WORDS = new Set(['set', 'reset', 'session', 'local']);
const WATCHED = ['client_encoding', 'standard_conforming_strings', 'set_config', 'pg_settings'];
const BEGIN_WORDS = new Set(['create', 'function', 'procedure', 'or', 'replace', 'begin', 'case', 'end']);
const SEARCH_PATH = "i:select i:pg_catalog p:. i:set_config p:( s:search_path p:, s: p:, i:false p:)";

/** The scanner's view of one statement's tokens outside comments. */
export class StatementTokens {
  #sig: string[] = [];
  #count = 0; // tokens seen
  #idents = 0; // psql's identifier_count
  #first = [0, 0, 0, 0]; // psql's identifiers[]
  #beginDepth = 0;
  #depth = 0;
  #prev = '';
  #copy = 0; // 0 not COPY, 1 after COPY, 2 after name, 3 after '.', 4 in column list, 5 after FROM, 6 FROM STDIN, 7 not copy-in, 8 unreadable
  #mentions = '';
  #isDo = false;
  #lit = '';
  /** the dump's `SET client_encoding = '<server encoding>'` ran (psql then lexes as gds does) */
  encodingSet = false;
  /** the dump's `SET standard_conforming_strings = on` ran */
  standardStrings = false;

  /** Parenthesis depth (psql's paren_depth). */
  get depth(): number {
    return this.#depth;
  }

  /** Whether literal contents are wanted (a DO block's body is code). */
  get wantsLiterals(): boolean {
    return this.#isDo;
  }

  /** An unquoted identifier or keyword; `fresh` is false right after a number (`1e`, psql 15's number junk). */
  ident(text: string, fresh: boolean, line: number): void {
    const t = text.toLowerCase();
    if (!fresh && BEGIN_WORDS.has(t)) {
      throw new PlainDumpRefusal(`"${text}" right after a number on line ${line} splits statements differently in psql 13/14 and 15+; gds does not run it`, line);
    }
    if (fresh) {
      // psqlscan.l's {identifier} rule: CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ... END
      if (this.#idents === 0) this.#first = [0, 0, 0, 0];
      if (['create', 'function', 'procedure', 'or', 'replace'].includes(t) && this.#idents < 4) this.#first[this.#idents] = t.charCodeAt(0);
      this.#idents++;
      const [a, b, c, d] = this.#first;
      const c_ = 0x63, f = 0x66, p = 0x70, o = 0x6f, r = 0x72;
      if (a === c_ && (b === f || b === p || (b === o && c === r && (d === f || d === p))) && this.#depth === 0) {
        if (t === 'begin') this.#beginDepth++;
        else if (t === 'case' && this.#beginDepth >= 1) this.#beginDepth++;
        else if (t === 'end' && this.#beginDepth > 0) this.#beginDepth--;
      }
    }
    if (this.#count === 0 && t === 'do') this.#isDo = true;
    // a setting named where SET, RESET, ALTER ... SET and CREATE FUNCTION ... SET put one (a column of that name is fine)
    if (SETTINGS.has(t) && SET_WORDS.has(this.#prev)) this.#mentions ||= t;
    if (t === 'set_config' || t === 'pg_settings' || t === 'uescape') this.#mentions ||= t;
    if (t === 'names' && ['set', 'session', 'local'].includes(this.#prev)) this.#mentions ||= 'SET NAMES';
    if (t === 'all' && (this.#prev === 'reset' || this.#prev === 'discard')) this.#mentions ||= `${this.#prev.toUpperCase()} ALL`;
    this.#copyStep('i', t);
    this.#push(`i:${t}`, t);
  }

  /** A "quoted identifier" (content as written); `unicode` for U&"...". */
  qident(content: string, unicode: boolean): void {
    const t = content.toLowerCase();
    if ((SETTINGS.has(t) && SET_WORDS.has(this.#prev)) || t === 'set_config' || t === 'pg_settings') this.#mentions ||= t;
    if (unicode && content.includes('\\')) this.#mentions ||= 'a U&"..." identifier with escapes';
    this.#copyStep('q', t);
    this.#push(`q:${t}`, '');
  }

  /** A string literal (content as written, capped); `escapes` for E'...'. */
  string(content: string, escapes: boolean): void {
    this.#copyStep('s', '');
    this.#push(`s:${escapes ? '\\E' : ''}${content}`, '');
  }

  /** A byte of literal content, when {@link wantsLiterals}. */
  literalByte(b: number): void {
    this.#lit = (this.#lit + String.fromCharCode(b | (b >= 0x41 && b <= 0x5a ? 0x20 : 0))).slice(-32);
    for (const w of WATCHED) if (this.#lit.endsWith(w)) this.#mentions ||= w;
  }

  /** Punctuation or an operator character (`(`, `)`, `.`, `=`, `,`, ...); numbers come as `0`. */
  punct(ch: string): void {
    if (ch === '(') this.#depth++;
    else if (ch === ')' && this.#depth > 0) this.#depth--;
    this.#copyStep('p', ch);
    this.#push(`p:${ch}`, '');
  }

  /** A `;` outside parentheses: does psql end the statement here (not inside BEGIN ... END)? */
  terminates(): boolean {
    return this.#depth === 0 && this.#beginDepth === 0;
  }

  /**
   * The statement ended: returns whether psql will read COPY data next, or throws
   * {@link PlainDumpRefusal} for a statement that changes how psql lexes what follows.
   */
  end(line: number): boolean {
    const sig = this.#sig.join(' ');
    const shown = this.#sig.map((e) => (e[0] === 's' ? `'${e.slice(2)}'` : e.slice(2))).join(' ').slice(0, 120);
    const copy = this.#copy;
    const mentions = this.#mentions;
    this.#reset();
    const enc = /^i:set i:client_encoding p:= s:([A-Za-z0-9_]+)$/.exec(sig);
    if (enc && SAFE_ENCODINGS.has(enc[1]!)) {
      this.encodingSet = true;
      return false;
    }
    if (sig === 'i:set i:standard_conforming_strings p:= i:on') {
      this.standardStrings = true;
      return false;
    }
    if (sig === SEARCH_PATH) return false;
    if (mentions) {
      const why = SETTINGS.has(mentions) || mentions === 'SET NAMES' ? 'psql would then lex the rest of the file differently from gds (only pg_dump\'s own `SET client_encoding = \'<server encoding>\';` and `SET standard_conforming_strings = on;` are accepted)' : 'it can change client_encoding or standard_conforming_strings, after which psql lexes the rest of the file differently from gds';
      throw new PlainDumpRefusal(`the statement ending on line ${line} (${shown}) uses ${mentions}: ${why}; gds does not run it`, line);
    }
    if (copy !== 0 && copy !== 6 && copy !== 7) throw new PlainDumpRefusal(`the COPY statement ending on line ${line} has a form gds cannot read (pg_dump writes COPY name (columns) FROM stdin;); gds does not run it`, line);
    return copy === 6;
  }

  #reset(): void {
    this.#sig = [];
    this.#count = 0;
    this.#idents = 0;
    this.#prev = '';
    this.#copy = 0;
    this.#mentions = '';
    this.#isDo = false;
    this.#lit = '';
  }

  #push(entry: string, word: string): void {
    if (this.#sig.length < 16) this.#sig.push(entry.slice(0, 80));
    else this.#sig[15] = '...';
    this.#count++;
    this.#prev = word;
  }

  // COPY [BINARY] name[.name...] [(columns)] FROM STDIN|STDOUT (gram.y CopyStmt): psql reads data next
  #copyStep(kind: 'i' | 'q' | 's' | 'p', t: string): void {
    const s = this.#copy;
    if (this.#count === 0) {
      this.#copy = kind === 'i' && t === 'copy' ? 1 : 0;
      return;
    }
    if (s === 0 || s === 6 || s === 7 || s === 8) {
      if (s === 6 || s === 7) this.#copy = s; // options after FROM STDIN / TO ... do not matter
      return;
    }
    if (s === 1) this.#copy = kind === 'p' && t === '(' ? 7 : kind === 'i' && t === 'binary' && this.#prev === 'copy' ? 1 : kind === 'i' || kind === 'q' ? 2 : 8;
    else if (s === 3) this.#copy = kind === 'i' || kind === 'q' ? 2 : 8;
    else if (s === 4) this.#copy = kind === 'p' && t === ')' && this.#depth === 0 ? 9 : 4;
    else if (s === 5) this.#copy = kind === 'i' && (t === 'stdin' || t === 'stdout') ? 6 : (kind === 'i' && t === 'program') || kind === 's' ? 7 : 8;
    else if (s === 2 || s === 9) {
      if (kind === 'p' && t === '.' && s === 2) this.#copy = 3;
      else if (kind === 'p' && t === '(' && s === 2) this.#copy = 4;
      else if (kind === 'i' && t === 'from') this.#copy = 5;
      else if (kind === 'i' && t === 'to') this.#copy = 7;
      else this.#copy = 8;
    }
  }
}
