/**
 * Checking a plain-SQL dump before psql runs it: psql executes backslash meta-commands found
 * anywhere outside quotes (`select 1; \! rm -rf ~` runs the shell), so a plain dump is scanned the
 * way psql's lexer reads it (quotes, E'' strings, "identifiers", $tag$ bodies, comments, COPY ...
 * FROM stdin data up to `\.`) and refused when it holds any meta-command other than pg_dump's own
 * `\restrict KEY` / `\unrestrict KEY` lines (those lines are recorded so the feeder can leave them
 * out: gds puts psql in restricted mode itself, with a key the file cannot know).
 *
 * Limits: the file must start with pg_dump's header; until its `SET client_encoding` and
 * `SET standard_conforming_strings = on` lines ran, non-ASCII bytes and backslashes in strings are
 * refused (psql lexes them with session settings gds cannot know); any statement that could change
 * either setting later (SET/RESET of them, SET NAMES, set_config, pg_settings, RESET/DISCARD ALL) is
 * refused, as are client encodings whose characters can contain a backslash byte (SJIS, BIG5, GBK,
 * UHC, GB18030, JOHAB): the scan reads bytes. Where psql 13/14 and 15+ lex differently (`1e'x'`)
 * the file is refused. Code run inside the server can still change a setting by a computed name:
 * psql's own `\restrict` (see {@link requirePsqlRestrict}) is the guard then.
 *
 * @module
 */
import { createReadStream, promises as fs } from 'node:fs';
import { PlainDumpRefusal, StatementTokens } from './postgres-plain-dump-statement.js';

export { PlainDumpRefusal } from './postgres-plain-dump-statement.js';
export { requirePsqlRestrict } from './postgres-plain-dump-restrict.js';

/** What the scan found. */
export interface PlainDumpScan {
  /** Byte ranges `[start, end)` of pg_dump's own `\restrict` / `\unrestrict` lines. */
  restrictLines: [number, number][];
  /** Statements seen (roughly: top-level semicolons). */
  statements: number;
  /** COPY ... FROM stdin blocks seen. */
  copyBlocks: number;
  /** pg_dump's `-- Name: ...` comments (one per dumped object). */
  entries: number;
}

const enum St {
  Normal,
  Dash,
  Slash,
  LineComment,
  Block,
  BlockStar,
  BlockSlash,
  Quote,
  QuoteEnd,
  QuoteEsc,
  Ident,
  IdentEnd,
  DollarTag,
  Dollar,
  Colon,
  Var,
  Meta,
  Copy,
}

const BS = 0x5c;
const isIdentStart = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b >= 0x80;
const isIdent = (b: number) => isIdentStart(b) || (b >= 0x30 && b <= 0x39) || b === 0x24;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isVarChar = (b: number) => isIdent(b) && b !== 0x24; // psqlscan.l variable_char
const isE = (b: number) => b === 0x45 || b === 0x65;
const RESTRICT_LINE = /^\\(un)?restrict [A-Za-z0-9]+\r?$/;

/**
 * Scans a plain dump as psql would read it and returns the ranges to leave out, or throws
 * {@link PlainDumpRefusal} naming the first meta-command or the reason the file is not a dump.
 *
 * ### Examples
 * ```ts
 * const scan = await scanPlainDump('/backups/app.sql'); // throws on `\! ...`
 * scan.restrictLines; // [[61, 134], ...]
 * ```
 */
export async function scanPlainDump(path: string): Promise<PlainDumpScan> {
  const handle = await fs.open(path, 'r');
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await handle.read(head, 0, 256, 0);
    if (bytesRead === 0) throw new PlainDumpRefusal(`${path} is empty`);
    const text = head.subarray(0, bytesRead).toString('latin1').replace(/^\uFEFF/, '');
    if (!/^--\r?\n-- PostgreSQL database dump\r?\n/.test(text)) {
      throw new PlainDumpRefusal(`${path} is not a pg_dump plain dump (it does not start with "-- PostgreSQL database dump")`, 1);
    }
  } finally {
    await handle.close();
  }
  const scan: PlainDumpScan = { restrictLines: [], statements: 0, copyBlocks: 0, entries: 0 };
  const st = new StatementTokens();
  let comment = ''; // the first bytes of a comment that starts a line
  let commentAtLineStart = false;
  let state = St.Normal;
  let escapes = false; // inside E'...'
  let word = 0; // 0: none, 1: an identifier or keyword, 2: a number (psql's token classes)
  let identRun = 0; // length of the current identifier
  let identFirst = 0;
  let identText = '';
  let identFresh = false; // the identifier did not follow a number (`1e'x'` is 1e then 'x')
  let beforeIdent = 0; // the byte before the identifier
  let numDot = false; // the number has its decimal point
  let prev = 0; // the previous byte seen in Normal
  let prev2 = 0;
  let cont = 0; // after an E'...' string: 1 just closed, 2 whitespace, 3 a \r seen (psql's {quotecontinue})
  let bsRun = 0; // backslashes just before, in a string
  let text = ''; // a string's or quoted identifier's content (capped)
  let unicode = false;
  let varName = '';
  let blockDepth = 0;
  let tag = '';
  let delim = '';
  let matched = 0;
  let line = 1;
  let lineStart = 0; // offset of the current line's first byte
  let lineBlank = true; // only whitespace so far on this line (in Normal state)
  let meta = '';
  let metaStart = 0;
  let copyPending = false;
  let copyCol = 0;
  let copyFirst = '';
  let offset = 0;

  const refuse = (why: string): never => {
    throw new PlainDumpRefusal(`line ${line}: ${why}; gds does not run it`, line);
  };
  const endIdent = (next: number) => {
    if (word !== 1) return;
    // E'..', B'..', X'..', N'..', U&'..' and U&".." are string/identifier starts in psqlscan.l, not {identifier}
    const prefix = identRun === 1 && ((next === 0x27 && /[ebxn]/i.test(identText)) || (next === 0x26 && /u/i.test(identText)));
    if (!prefix || !identFresh) st.ident(identText, identFresh, line);
  };
  const endStatement = () => {
    scan.statements++;
    if (st.end(line)) copyPending = true;
  };
  const finishMeta = (end: number) => {
    if (RESTRICT_LINE.test(meta) && lineBlank) {
      scan.restrictLines.push([metaStart, end]);
      return;
    }
    const shown = meta.replace(/\r$/, '').slice(0, 80);
    const what = /^\\connect\b|^\\c\b/.test(shown) ? ' (a dump made with --create connects to another database: restore the database it names, without --create)' : '';
    throw new PlainDumpRefusal(`the file holds the psql meta-command "${shown}" on line ${line}; gds runs only SQL from a dump${what}`, line);
  };

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      const at = offset + i;
      if (state === St.Copy) {
        if (b === 0x0a) {
          if (copyFirst === '\\.' || copyFirst === '\\.\r') state = St.Normal;
          line++;
          lineStart = at + 1;
          lineBlank = true;
          copyCol = 0;
          copyFirst = '';
          continue;
        }
        if (copyCol < 3) {
          copyFirst += String.fromCharCode(b);
          copyCol++;
          continue;
        }
        const nl = chunk.indexOf(0x0a, i);
        if (nl < 0) {
          i = n - 1;
          continue;
        }
        i = nl - 1;
        continue;
      }
      // before the dump's own SETs ran, psql lexes with the session's settings, which gds cannot know
      if (b >= 0x80 && !st.encodingSet) refuse("a non-ASCII byte before pg_dump's SET client_encoding line");
      if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a && state !== St.Meta && !(b === BS && state === St.Normal)) lineBlank = false;
      // reprocess loop: some states decide on the byte after
      for (;;) {
        switch (state) {
          case St.Normal: {
            if (word === 1 && !isIdent(b)) endIdent(b);
            if (copyPending && b !== 0x0a && b !== 0x20 && b !== 0x09 && b !== 0x0d) refuse('text after COPY ... FROM stdin; on the same line (psql reads it after the COPY data)');
            const p1 = prev;
            const p2 = prev2;
            prev2 = prev;
            prev = b;
            if (cont) cont = b === 0x0d ? 3 : b === 0x0a ? (cont === 1 ? 1 : 0) : b === 0x20 || b === 0x09 || b === 0x0c ? Math.max(cont, 2) : b === 0x2d || b === 0x27 ? cont : 0;
            if (b === 0x0a) {
              if (copyPending) {
                copyPending = false;
                scan.copyBlocks++;
                state = St.Copy;
                copyCol = 0;
                copyFirst = '';
              }
              word = 0;
              identRun = 0;
              break;
            }
            if (b === BS) {
              state = St.Meta;
              meta = '\\';
              metaStart = lineStart;
              word = 0;
              identRun = 0;
              break;
            }
            if (b === 0x2d) state = St.Dash;
            else if (b === 0x2f) {
              state = St.Slash;
              cont = 0;
            } else if (b === 0x27) {
              if (word === 1 && !identFresh && isE(identFirst === 0 ? 0 : identText.charCodeAt(identText.length - 1)) && (identRun === 1 ? isDigit(beforeIdent) || beforeIdent === 0x2e : isDigit(identText.charCodeAt(identText.length - 2)))) {
                refuse("a number directly followed by e'...' (psql 13/14 read an E'' string there, psql 15+ a plain one)");
              }
              escapes = (word === 1 && identRun === 1 && identFresh && isE(identFirst)) || cont === 3;
              cont = 0;
              state = St.Quote;
              bsRun = 0;
              text = '';
            } else if (b === 0x22) {
              state = St.Ident;
              unicode = p1 === 0x26 && (p2 === 0x55 || p2 === 0x75);
              text = '';
            } else if (b === 0x24 && word !== 1) {
              state = St.DollarTag;
              tag = '';
            } else if (b === 0x3a) {
              state = St.Colon;
            } else if (b === 0x3b && st.terminates()) {
              endStatement();
            } else if (b === 0x2e && word === 2 && !numDot) {
              numDot = true; // 1.5, 1.e (psql's {decimal}); 1..2 is 1 then ..
              break;
            } else if (b > 0x20 && !isIdent(b)) {
              st.punct(String.fromCharCode(b));
            }
            if (state === St.Normal && (isIdentStart(b) || (word === 1 && isIdent(b)))) {
              if (word !== 1) {
                identFresh = word === 0;
                word = 1;
                identRun = 0;
                identFirst = b;
                identText = '';
                beforeIdent = p1;
              }
              identRun++;
              if (identText.length < 64) identText += String.fromCharCode(b);
            } else if (state === St.Normal && isDigit(b)) {
              if (word !== 2) {
                st.punct('0');
                numDot = p1 === 0x2e && p2 !== 0x2e && word === 0 ? true : false;
              }
              word = 2;
            } else {
              word = 0;
              identRun = 0;
            }
            break;
          }
          case St.Dash:
            if (b === 0x2d) {
              state = St.LineComment;
              comment = '';
              commentAtLineStart = at - 1 === lineStart;
              if (cont) cont = Math.max(cont, 2);
              break;
            }
            st.punct('-');
            cont = 0;
            state = St.Normal;
            word = 0;
            identRun = 0;
            continue;
          case St.Slash:
            if (b === 0x2a) {
              state = St.Block; // block comments nest
              blockDepth = 1;
              break;
            }
            st.punct('/');
            state = St.Normal;
            word = 0;
            identRun = 0;
            continue;
          case St.LineComment:
            // psql ends a -- comment at \r as well as \n (psqlscan.l: non_newline is [^\n\r])
            if (b === 0x0a || b === 0x0d) {
              if (commentAtLineStart && comment.startsWith(' Name: ')) scan.entries++;
              state = St.Normal;
              continue;
            }
            if (comment.length < 8) comment += String.fromCharCode(b);
            break;
          case St.Block:
            if (b === 0x2a) state = St.BlockStar;
            else if (b === 0x2f) state = St.BlockSlash;
            break;
          case St.BlockStar:
            if (b === 0x2f) {
              blockDepth--;
              state = blockDepth === 0 ? St.Normal : St.Block;
              break;
            }
            state = St.Block;
            continue;
          case St.BlockSlash:
            if (b === 0x2a) {
              blockDepth++;
              state = St.Block;
              break;
            }
            state = St.Block;
            continue;
          case St.Quote:
            // before the dump's SET standard_conforming_strings = on, psql may read '...' as E'...': the two
            // end a string at different places only where an odd run of backslashes comes right before a quote
            if (b === 0x27 && bsRun % 2 === 1 && !st.standardStrings) refuse("a backslash right before a quote in a string before pg_dump's SET standard_conforming_strings line");
            bsRun = b === BS ? bsRun + 1 : 0;
            if (b === 0x27) state = St.QuoteEnd;
            else if (b === BS && escapes) state = St.QuoteEsc;
            if (st.wantsLiterals) st.literalByte(b);
            if (b !== 0x27 && text.length < 80) text += String.fromCharCode(b);
            break;
          case St.QuoteEsc:
            state = St.Quote;
            bsRun = 0;
            if (text.length < 80) text += `\\${String.fromCharCode(b)}`;
            break;
          case St.QuoteEnd:
            if (b === 0x27) {
              state = St.Quote;
              bsRun = 0;
              text += "'";
              break;
            }
            st.string(text, escapes);
            cont = escapes ? 1 : 0; // E'a'<CR>'b' goes on as one E string (quotecontinue)
            state = St.Normal;
            word = 0;
            identRun = 0;
            prev = 0x27;
            continue;
          case St.Ident:
            if (b === 0x22) state = St.IdentEnd;
            else if (text.length < 80) text += String.fromCharCode(b);
            break;
          case St.IdentEnd:
            if (b === 0x22) {
              state = St.Ident;
              text += '"';
              break;
            }
            st.qident(text, unicode);
            state = St.Normal;
            word = 0; // "x"$q$ starts a dollar quote, as in psql
            identRun = 0;
            prev = 0x22;
            continue;
          case St.DollarTag:
            if (b === 0x24) {
              delim = `$${tag}$`;
              matched = 0;
              state = St.Dollar;
              break;
            }
            if (tag === '' ? isIdentStart(b) : isIdent(b) && b !== 0x24) {
              tag += String.fromCharCode(b);
              break;
            }
            state = St.Normal;
            identRun = 0;
            prev = 0x24;
            if (tag !== '') {
              // {dolqfailed}: psql throws back all but the `$`, so `$E'...'` is `$` then an E'' string
              word = 1;
              identFresh = true;
              identFirst = tag.charCodeAt(0);
              identRun = tag.length;
              identText = tag.slice(0, 64);
              beforeIdent = 0x24;
              st.punct('$');
            } else if (isDigit(b)) {
              word = 2; // `$1`, a parameter: `$1$q$` then starts a dollar quote, as in psql
              numDot = true; // `$1.5` is $1 then .5
              st.punct('0');
            } else {
              word = 0;
              st.punct('$');
            }
            continue;
          case St.Dollar:
            if (st.wantsLiterals) st.literalByte(b);
            if (b === delim.charCodeAt(matched)) {
              matched++;
              if (matched === delim.length) {
                st.string('$', false);
                state = St.Normal;
                word = 0;
                identRun = 0;
                prev = 0x24;
              }
            } else matched = b === 0x24 ? 1 : 0;
            break;
          case St.Colon:
            // psqlscan.l: `::` is a cast; `:name` is a psql variable (substituted when defined)
            if (b === 0x3a) {
              st.punct('::');
              state = St.Normal;
              word = 0;
              break;
            }
            if (isVarChar(b)) {
              state = St.Var;
              varName = String.fromCharCode(b);
              break;
            }
            st.punct(':');
            state = St.Normal;
            word = 0;
            continue;
          case St.Var:
            if (isVarChar(b)) {
              if (varName.length < 64) varName += String.fromCharCode(b);
              break;
            }
            // psql's own variables are upper case (:USER, :ENCODING ...); their values would be lexed as SQL
            if (/[A-Z]/.test(varName)) refuse(`the psql variable reference :${varName}`);
            st.punct(':v');
            state = St.Normal;
            word = 0;
            continue;
          case St.Meta:
            if (b === 0x0a) {
              finishMeta(at + 1);
              state = St.Normal;
              continue;
            }
            if (meta.length < 200) meta += String.fromCharCode(b);
            break;
        }
        break;
      }
      if (b === 0x0a) {
        line++;
        lineStart = at + 1;
        lineBlank = true;
      }
    }
    offset += n;
  }
  if (state === St.Meta) finishMeta(offset);
  if (state === St.Normal) endIdent(0);
  return scan;
}

