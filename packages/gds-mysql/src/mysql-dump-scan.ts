/**
 * Checking a mysqldump / mariadb-dump SQL file before the `mariadb`/`mysql` client runs it. The
 * client takes some input for itself instead of sending it to the server (client/mysql.cc,
 * `read_and_execute` and `add_line`; test/evidence/mysql-client-commands.json):
 *
 * - a backslash followed by a character, anywhere outside a quoted string and outside a plain
 *   `/* ... *\/` comment (inside `/*! ... *\/` executable comments too), is a command: `\!` runs a
 *   shell, `\.` reads a file, `\u` switches database, `\q` ends the input early; only `\N` (NULL)
 *   is data;
 * - a statement whose first word is a command's name (`system`, `source`, `use`, `connect`,
 *   `tee`, `quit` ...; case-insensitive) is that command; `DELIMITER x` changes the statement
 *   delimiter (mysqldump writes `DELIMITER ;;` around routines and triggers).
 *
 * The scan reads the file the way the client does (line by line; quotes `'` `"` `` ` `` with
 * backslash escapes unless the session's sql_mode has NO_BACKSLASH_ESCAPES; `#` and `-- ` comments;
 * `/* *\/` comments; the current delimiter) and refuses any command other than `DELIMITER` and
 * the sandbox line MariaDB's dump tool writes first (`/*M!999999\- enable the sandbox mode *\/`).
 * It also refuses what would make its reading differ from the client's or take the restore out
 * of its database: `SET` of sql_mode to anything but a plain literal or a variable saved from
 * `@@sql_mode` (tracked, so NO_BACKSLASH_ESCAPES is followed exactly), PREPARE/EXECUTE,
 * `SET STATEMENT sql_mode`, compound statements outside routines (MariaDB's `BEGIN NOT ATOMIC`,
 * `IF`, `LOOP` ...), `SET GLOBAL`/`PERSIST` and `SQL_LOG_BIN`, `SET` statements naming a client
 * character set whose multi-byte characters can hold a backslash or quote byte (big5, cp932,
 * gbk, gb18030, sjis), `CREATE/ALTER/DROP DATABASE`, `LOAD DATA LOCAL`, NUL bytes, and a file
 * that ends inside a string or comment.
 *
 * Limits: the SQL itself runs with the restoring account's privileges; statements naming other
 * databases explicitly (`INSERT INTO other.t`) are not detected. The client is also run with
 * `--binary-mode` (which disables every command but `\C` and DELIMITER) and, where it has it,
 * `--sandbox`: the scan is the first of three guards.
 *
 * @module
 */

/** Why a dump file was refused (the message names the line). */
export class DumpRefusal extends Error {
  override readonly name = 'DumpRefusal';
  /** The 1-based line of the file. */
  readonly line: number;

  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/** The client's named commands (MariaDB 10.11/11.x and MySQL 8.0/8.4 together), lower case. */
export const CLIENT_COMMANDS: readonly string[] = Object.freeze([
  '?', 'charset', 'clear', 'connect', 'delimiter', 'edit', 'ego', 'exit', 'go', 'help', 'nopager', 'notee', 'nowarning', 'pager', 'print', 'prompt',
  'query_attributes', 'quit', 'rehash', 'resetconnection', 'sandbox', 'source', 'ssl_session_data_print', 'status', 'system', 'tee', 'use', 'warnings',
]);
const COMMAND_SET = new Set(CLIENT_COMMANDS);

/** The first line mariadb-dump writes since 10.5.25 / 10.6.18 / 10.11.8 / 11.x (May 2024). */
export const SANDBOX_LINE = '/*M!999999\\- enable the sandbox mode */';

/** Client character sets whose multi-byte characters can contain the bytes `\` `'` `"` `` ` ``. */
const UNSAFE_CHARSETS = new Set(['big5', 'cp932', 'gbk', 'gb18030', 'sjis']);

/** What the scan found. */
export interface DumpScan {
  /** Lines read. */
  lines: number;
  /** Statements sent to the server. */
  statements: number;
  /** `INSERT` statements. */
  inserts: number;
  /** `CREATE TABLE` statements (views' placeholder tables included). */
  tables: number;
  /** Whether the file starts with MariaDB's sandbox line. */
  sandboxLine: boolean;
  /** The dump tool's header line (`-- MariaDB dump 10.19 ...` / `-- MySQL dump 10.13 ...`), if seen. */
  header: string | undefined;
  /** The last non-empty line (mysqldump's `-- Dump completed on ...` in a complete dump). */
  lastLine: string;
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
const isSpace = (b: number | undefined) => b !== undefined && SPACE.has(b);
const QUOTES = new Set([0x27, 0x22, 0x60]);
const MAX_LINE = 512 * 1024 * 1024;
const MAX_KEPT = 1024 * 1024;

/**
 * A streaming scanner: {@link DumpScanner.push} each chunk of the (decompressed) file, then
 * {@link DumpScanner.end}. Each call throws {@link DumpRefusal} at the first thing refused, so a
 * feeder that writes a chunk to the client only after `push` accepted it never hands the client
 * a refused construct.
 *
 * ### Examples
 * ```ts
 * const scanner = new DumpScanner();
 * for await (const chunk of createReadStream(path)) scanner.push(chunk);
 * const scan = scanner.end();
 * ```
 */
export class DumpScanner {
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #lineNo = 0;
  #delimiter = Buffer.from(';');
  #inString = 0;
  #mlComment = false;
  #ssComment = false;
  #noBackslashEscapes = false;
  /** A comment ended: the client puts a space before the next character that is not one. */
  #needSpace = false;
  /** The current statement's text outside comments (kept up to MAX_KEPT bytes). */
  #stmt: Buffer[] = [];
  #stmtLength = 0;
  #stmtStarted = false;
  #stmtLine = 0;
  readonly #vars = new Map<string, boolean>();
  readonly #scan: DumpScan = { lines: 0, statements: 0, inserts: 0, tables: 0, sandboxLine: false, header: undefined, lastLine: '' };

  /** Scans one chunk (lines split across chunks are kept until their end). */
  push(chunk: Buffer): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      const part = chunk.subarray(from, nl);
      const line = this.#pending.length ? Buffer.concat([...this.#pending, part]) : part;
      this.#pending = [];
      this.#pendingLength = 0;
      this.#line(line);
      from = nl + 1;
    }
    if (from < chunk.length) {
      this.#pending.push(chunk.subarray(from));
      this.#pendingLength += chunk.length - from;
      if (this.#pendingLength > MAX_LINE) throw new DumpRefusal('a line longer than 512 MB', this.#lineNo + 1);
    }
  }

  /** Ends the scan: the last line, then checks the file did not end inside a string or comment. */
  end(): DumpScan {
    if (this.#pendingLength) {
      const line = Buffer.concat(this.#pending);
      this.#pending = [];
      this.#pendingLength = 0;
      this.#line(line);
    }
    if (this.#inString) throw new DumpRefusal(`the file ends inside a ${String.fromCharCode(this.#inString)}-quoted string: it is cut short`, this.#lineNo);
    if (this.#mlComment) throw new DumpRefusal('the file ends inside a /* comment: it is cut short', this.#lineNo);
    // the client sends what is left without a delimiter as a statement (com_go), never as a command
    if (this.#stmtStarted) this.#statement();
    this.#scan.lines = this.#lineNo;
    return { ...this.#scan };
  }

  #line(raw: Buffer): void {
    this.#lineNo++;
    let line = raw;
    if (line.includes(0)) throw new DumpRefusal('a NUL byte (mysqldump writes \\0; the client refuses NUL outside binary mode)', this.#lineNo);
    if (this.#lineNo === 1 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
    const text = line.toString('latin1');
    if (text.trim()) this.#scan.lastLine = text.trim().slice(0, 200);
    if (this.#scan.header === undefined && /^-- (MySQL|MariaDB) dump /.test(text)) this.#scan.header = text.trim().slice(0, 200);
    if (this.#lineNo === 1 && text.trimEnd() === SANDBOX_LINE) {
      // mariadb-dump's own first line: the client enables its sandbox; the server sees a comment
      this.#scan.sandboxLine = true;
      return;
    }
    if (!this.#stmtStarted && !this.#mlComment && !this.#inString && this.#lineCommand(line)) return;
    this.#addLine(line);
  }

  /** find_command(line) at the start of a statement: true when the line was a DELIMITER command. */
  #lineCommand(line: Buffer): boolean {
    let i = 0;
    while (i < line.length && isSpace(line[i])) i++;
    let end = i;
    while (end < line.length && line[end] !== 0x20 && line[end] !== 0x09) end++;
    const word = line.subarray(i, end).toString('latin1').toLowerCase();
    if (!COMMAND_SET.has(word)) return false;
    const rest = line.subarray(end).toString('latin1');
    if (word !== 'delimiter') {
      // with the delimiter or \g on the line, add_line reads it: the statement check below refuses it then
      if (line.includes(this.#delimiter) || rest.includes('\\g')) return false;
      throw new DumpRefusal(`the client command '${word}' (the mysql client runs it instead of sending it to the server)`, this.#lineNo);
    }
    const arg = rest.trim().split(/[ \t]/)[0] ?? '';
    if (!arg) throw new DumpRefusal('DELIMITER without a delimiter', this.#lineNo);
    if (/[\\'"`]/.test(arg) || arg.length > 15) throw new DumpRefusal(`an unusual delimiter ${JSON.stringify(arg)} (quotes and backslashes are refused)`, this.#lineNo);
    this.#delimiter = Buffer.from(arg, 'latin1');
    return true;
  }

  #keep(bytes: Buffer): void {
    if (!this.#stmtStarted) this.#stmtLine = this.#lineNo;
    this.#stmtStarted = true;
    if (this.#stmtLength >= MAX_KEPT) return;
    this.#stmt.push(Buffer.from(bytes));
    this.#stmtLength += bytes.length;
  }

  /** add_line(): one line, byte by byte, as the client reads it. */
  #addLine(line: Buffer): void {
    const delim = this.#delimiter;
    let out = 0; // bytes of this line kept so far (the client's `out != line`)
    let keptFrom = -1;
    const flush = (to: number) => {
      if (keptFrom >= 0 && to > keptFrom) this.#keep(line.subarray(keptFrom, to));
      keptFrom = -1;
    };
    const take = (pos: number, n = 1) => {
      if (keptFrom < 0) keptFrom = pos;
      out += n;
    };
    for (let pos = 0; pos < line.length; pos++) {
      const b = line[pos]!;
      if (isSpace(b) && out === 0 && !this.#stmtStarted && keptFrom < 0) continue; // leading spaces of a statement
      if (!this.#mlComment && b === 0x5c && !(this.#inString && this.#noBackslashEscapes)) {
        const next = line[pos + 1];
        if (next === undefined) break; // the client drops a trailing backslash
        if (this.#inString || next === 0x4e /* N */) {
          take(pos, 2);
          pos++;
          continue;
        }
        throw new DumpRefusal(`the client command '\\${String.fromCharCode(next)}' (a backslash outside a string is a mysql client command)`, this.#lineNo);
      }
      if (!this.#mlComment && !this.#inString && b === delim[0] && line.subarray(pos, pos + delim.length).equals(delim)) {
        flush(pos);
        this.#statement();
        pos += delim.length - 1;
        out = 0;
        continue;
      }
      if (!this.#mlComment && !this.#inString && (b === 0x23 || (b === 0x2d && line[pos + 1] === 0x2d && (isSpace(line[pos + 2]) || pos + 2 >= line.length || (!this.#stmtStarted && out === 0 && keptFrom < 0))))) {
        break; // a comment to the end of the line
      }
      if (!this.#inString && b === 0x2f && line[pos + 1] === 0x2a && !(line[pos + 2] === 0x21 || (line[pos + 2] === 0x4d && line[pos + 3] === 0x21))) {
        flush(pos);
        this.#mlComment = true;
        pos++;
        continue;
      }
      if (this.#mlComment && !this.#ssComment && b === 0x2a && line[pos + 1] === 0x2f) {
        this.#mlComment = false;
        pos++;
        this.#needSpace = true;
        continue;
      }
      if (!this.#inString && b === 0x2f && line[pos + 1] === 0x2a && line[pos + 2] === 0x21) this.#ssComment = true;
      else if (!this.#inString && this.#ssComment && b === 0x2a && line[pos + 1] === 0x2f) this.#ssComment = false;
      if (b === this.#inString) this.#inString = 0;
      else if (!this.#mlComment && !this.#inString && QUOTES.has(b)) this.#inString = b;
      if (!this.#mlComment) {
        if (this.#needSpace && !isSpace(b)) {
          flush(pos);
          this.#keep(Buffer.from(' '));
        }
        this.#needSpace = false;
        take(pos);
      }
    }
    flush(line.length);
    if (this.#stmtStarted || this.#inString) this.#keep(Buffer.from('\n'));
  }

  /** A statement ended (at the delimiter, or at the end of the file). */
  #statement(): void {
    const text = Buffer.concat(this.#stmt).toString('latin1');
    const line = this.#stmtLine || this.#lineNo;
    this.#stmt = [];
    this.#stmtLength = 0;
    this.#stmtStarted = false;
    if (!text.trim()) return;
    // the client's find_command(buffer) splits at a space or tab; splitting at any space refuses more
    const first = text.trimStart().split(/\s/)[0]?.toLowerCase() ?? '';
    if (COMMAND_SET.has(first)) throw new DumpRefusal(`the client command '${first}' (the mysql client runs a statement starting with it itself)`, line);
    this.#scan.statements++;
    const tokens = tokenize(text, this.#noBackslashEscapes);
    const words = tokens.filter((t) => t.kind === 'word').map((t) => t.text.toUpperCase());
    const [w0 = '', w1 = '', w2 = ''] = words;
    if (w0 === 'INSERT') this.#scan.inserts++;
    if (w0 === 'CREATE' && (w1 === 'TABLE' || (w1 === 'TEMPORARY' && w2 === 'TABLE'))) this.#scan.tables++;
    if (['CREATE', 'ALTER', 'DROP'].includes(w0) && (w1 === 'DATABASE' || w1 === 'SCHEMA')) throw new DumpRefusal(`${w0} ${w1}: gds restores one database under the name it is given (dump without --databases / --all-databases)`, line);
    // MariaDB runs compound statements outside routines (BEGIN NOT ATOMIC, IF, CASE, LOOP, WHILE, REPEAT, FOR, labelled
    // blocks): one could change sql_mode where the scan cannot follow; mysqldump never writes them
    const labelled = tokens[1]?.text === ':' && ['BEGIN', 'LOOP', 'WHILE', 'REPEAT', 'FOR'].includes(w1);
    if ((w0 === 'BEGIN' && w1 === 'NOT') || ['IF', 'CASE', 'LOOP', 'WHILE', 'REPEAT', 'FOR'].includes(w0) || labelled) {
      throw new DumpRefusal(`a compound statement (${labelled ? `${w0}: ${w1}` : w0}) outside a routine is refused in a dump`, line);
    }
    if (w0 === 'SET' && w1 === 'STATEMENT' && words.some((w) => /sql_mode$/i.test(w))) throw new DumpRefusal('SET STATEMENT sql_mode ... FOR: the mode the client reads the rest with would be unknown', line);
    if (w0 === 'PREPARE' || w0 === 'EXECUTE' || w0 === 'DEALLOCATE') throw new DumpRefusal(`${w0}: prepared statements are refused in a dump (they could change how the client reads the rest)`, line);
    if (w0 === 'LOAD' && words.slice(1, 6).includes('LOCAL')) throw new DumpRefusal('LOAD ... LOCAL reads a file of the machine running the restore', line);
    if (w0 === 'SET') this.#setStatement(tokens, line);
    else for (const t of tokens) if (t.kind === 'uservar') this.#vars.delete(t.text);
  }

  /** SET: follows sql_mode (NO_BACKSLASH_ESCAPES changes how strings are read) and refuses unsafe client charsets. */
  #setStatement(tokens: Token[], line: number): void {
    for (const t of tokens) {
      if ((t.kind === 'word' || t.kind === 'string') && UNSAFE_CHARSETS.has(t.text.toLowerCase())) {
        throw new DumpRefusal(`SET with the character set ${t.text}: its multi-byte characters can contain a backslash or quote byte, so the client's reading cannot be checked`, line);
      }
    }
    const gate = tokens.find((t) => t.kind === 'gate' && t.text !== '*/')?.text;
    const body = tokens.filter((t) => t.kind !== 'gate');
    body.splice(0, body.findIndex((t) => t.kind === 'word'));
    // split at top-level commas: one assignment each
    const parts: Token[][] = [[]];
    let depth = 0;
    for (const t of body.slice(1)) {
      if (t.text === '(') depth++;
      if (t.text === ')') depth--;
      if (t.text === ',' && depth === 0) parts.push([]);
      else parts[parts.length - 1]!.push(t);
    }
    const touched = new Set<string>();
    for (const part of parts) {
      const eq = part.findIndex((t) => t.text === '=' || t.text === ':=');
      const lhs = eq < 0 ? part : part.slice(0, eq);
      const rhs = eq < 0 ? [] : part.slice(eq + 1);
      const target = lhs.map((t) => t.text.toLowerCase()).join(' ');
      if (/^(global|persist|persist_only)\b|^@@(global|persist|persist_only)\./.test(target)) {
        throw new DumpRefusal(`SET ${target}: a database restore does not change server-wide settings (MySQL's mysqldump writes SET @@GLOBAL.GTID_PURGED unless --set-gtid-purged=OFF)`, line);
      }
      if (/(^|[ .@])sql_log_bin$/.test(target)) throw new DumpRefusal(`SET ${target}: the restore would not reach the binary log and the replicas (dump with --set-gtid-purged=OFF)`, line);
      const isMode = /(^|[ .@])sql_mode$/.test(target) && !/^@[^@]/.test(target);
      if (isMode) {
        // MySQL skips /*M! ... */ and both skip /*!N ... */ above their version: the mode would then be unknown
        if (gate && (gate.startsWith('/*M') || Number(gate.slice(3) || 0) > 80000)) throw new DumpRefusal(`SET sql_mode inside the version comment ${gate} that a server may skip`, line);
        this.#noBackslashEscapes = this.#modeValue(rhs, line);
        continue;
      }
      const userVar = lhs.length === 1 && lhs[0]!.kind === 'uservar' ? lhs[0]!.text : undefined;
      if (userVar) {
        touched.add(userVar);
        const value = rhs.length === 1 ? rhs[0]! : undefined;
        if (value?.kind === 'string' && !value.text.includes('\\')) this.#vars.set(userVar, /no_backslash_escapes/i.test(value.text));
        else if (value?.kind === 'sysvar' && /^@@(session\.|local\.)?sql_mode$/i.test(value.text)) this.#vars.set(userVar, this.#noBackslashEscapes);
        else this.#vars.delete(userVar);
      }
      for (const t of rhs) if (t.kind === 'uservar' && !touched.has(t.text) && rhs.length !== 1) this.#vars.delete(t.text);
    }
  }

  #modeValue(rhs: Token[], line: number): boolean {
    const value = rhs.length === 1 ? rhs[0]! : undefined;
    if (value?.kind === 'string') {
      if (value.text.includes('\\') || /^\s*\d+\s*$/.test(value.text)) throw new DumpRefusal('SET sql_mode to a literal with a backslash or a number', line);
      return /no_backslash_escapes/i.test(value.text);
    }
    if (value?.kind === 'uservar') {
      const known = this.#vars.get(value.text);
      if (known === undefined) throw new DumpRefusal(`SET sql_mode from ${value.text}, which was not saved from @@sql_mode or a literal`, line);
      return known;
    }
    if (value?.kind === 'sysvar' && /^@@(session\.|local\.)?sql_mode$/i.test(value.text)) return this.#noBackslashEscapes;
    throw new DumpRefusal('SET sql_mode to an expression (only a literal, or a variable saved from @@sql_mode, is followed)', line);
  }
}

interface Token {
  kind: 'word' | 'string' | 'uservar' | 'sysvar' | 'gate' | 'punct';
  text: string;
}

/** Splits a statement's text into words, strings (their raw content), variables and punctuation. */
function tokenize(text: string, noBackslashEscapes: boolean): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const gate = /^\/\*M?!\d*|^\*\//.exec(text.slice(i, i + 12));
    if (gate) {
      tokens.push({ kind: 'gate', text: gate[0] });
      i += gate[0].length;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let content = '';
      while (j < text.length) {
        const d = text[j]!;
        if (d === '\\' && !noBackslashEscapes && j + 1 < text.length) {
          content += d + text[j + 1];
          j += 2;
          continue;
        }
        if (d === c) {
          if (text[j + 1] === c) {
            content += c;
            j += 2;
            continue;
          }
          break;
        }
        content += d;
        j++;
      }
      tokens.push({ kind: c === '`' ? 'word' : 'string', text: content });
      i = j + 1;
      continue;
    }
    const v = /^@@[A-Za-z0-9_$.]+|^@[A-Za-z0-9_$.]+|^@(?=['"`])/.exec(text.slice(i, i + 200));
    if (v) {
      tokens.push({ kind: v[0].startsWith('@@') ? 'sysvar' : 'uservar', text: v[0].toLowerCase() });
      i += v[0].length;
      continue;
    }
    const w = /^[A-Za-z0-9_$\u0080-\u00ff]+(\.[A-Za-z0-9_$]+)*/.exec(text.slice(i, i + 300));
    if (w) {
      tokens.push({ kind: 'word', text: w[0] });
      i += w[0].length;
      continue;
    }
    if (text.startsWith(':=', i)) {
      tokens.push({ kind: 'punct', text: ':=' });
      i += 2;
      continue;
    }
    tokens.push({ kind: 'punct', text: c });
    i++;
  }
  return tokens;
}
