/**
 * Checking a plain-SQL dump before psql runs it: psql executes backslash meta-commands found
 * anywhere outside quotes (`select 1; \! rm -rf ~` runs the shell), so a plain dump is scanned the
 * way psql's lexer reads it (quotes, E'' strings, "identifiers", $tag$ bodies, comments, COPY ...
 * FROM stdin data up to `\.`) and refused when it holds any meta-command other than pg_dump's own
 * `\restrict KEY` / `\unrestrict KEY` lines (those lines are recorded so the feeder can leave them
 * out: gds puts psql in restricted mode itself, with a key the file cannot know).
 *
 * Limits: the file must start with pg_dump's header and keep `standard_conforming_strings` on
 * (pg_dump always writes `on`), and client encodings whose multibyte characters can contain a
 * backslash byte (SJIS, BIG5, GBK, UHC, GB18030, JOHAB) are refused: the scan reads bytes.
 *
 * @module
 */
import { createReadStream, promises as fs } from 'node:fs';

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
  Meta,
  Copy,
}

const BS = 0x5c;
const isIdentStart = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b >= 0x80;
const isIdent = (b: number) => isIdentStart(b) || (b >= 0x30 && b <= 0x39) || b === 0x24;
const UNSAFE_ENCODINGS = /^(sjis|shift_jis_2004|big5|gbk|uhc|gb18030|johab|mskanji|shiftjis|win932|win936|win949|win950|cp932|cp936|cp949|cp950)$/i;
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
  let comment = ''; // the first bytes of a comment that starts a line
  let commentAtLineStart = false;
  let state = St.Normal;
  let escapes = false; // inside E'...'
  let word = 0; // 0: none, 1: an identifier or keyword, 2: a number (psql's token classes)
  let identRun = 0; // length of the current identifier
  let identFirst = 0;
  let identFresh = false; // the identifier did not follow a number (`1e'x'` is 1e then 'x')
  let depth = 0;
  let blockDepth = 0;
  let tag = '';
  let delim = '';
  let matched = 0;
  let line = 1;
  let lineStart = 0; // offset of the current line's first byte
  let lineBlank = true; // only whitespace so far on this line (in Normal state)
  let meta = '';
  let metaStart = 0;
  let stmtHead = ''; // the statement's first bytes (strings included), for COPY / SET checks
  let stmtTail = ''; // its last bytes outside strings
  let copyPending = false;
  let copyCol = 0;
  let copyFirst = '';
  let offset = 0;

  const endStatement = () => {
    scan.statements++;
    const headText = stmtHead.replace(/^\s+/, '');
    if (/^copy\b/i.test(headText) && /\bfrom\s+stdin\b/i.test(stmtTail)) copyPending = true;
    const enc = /^set\s+client_encoding\s*(?:=|to)\s*'([^']*)'/i.exec(headText);
    if (enc?.[1] && UNSAFE_ENCODINGS.test(enc[1])) throw new PlainDumpRefusal(`the dump sets client_encoding '${enc[1]}', whose characters can contain a backslash byte; gds does not run it`, line);
    if (/^set\s+standard_conforming_strings\s*(?:=|to)\s*'?(off|false)\b/i.test(headText)) throw new PlainDumpRefusal('the dump turns standard_conforming_strings off; gds runs only dumps that keep it on', line);
    stmtHead = '';
    stmtTail = '';
  };
  const addHead = (b: number) => {
    if (stmtHead.length < 160) stmtHead += String.fromCharCode(b);
  };
  const addTail = (b: number) => {
    stmtTail = (stmtTail + String.fromCharCode(b)).slice(-64);
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
      if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a && state !== St.Meta && !(b === BS && state === St.Normal)) lineBlank = false;
      // reprocess loop: some states decide on the byte after
      for (;;) {
        switch (state) {
          case St.Normal:
            if (b === 0x0a) {
              if (copyPending) {
                copyPending = false;
                scan.copyBlocks++;
                state = St.Copy;
                copyCol = 0;
                copyFirst = '';
              }
              if (stmtHead) addHead(0x20);
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
            else if (b === 0x2f) state = St.Slash;
            else if (b === 0x27) {
              escapes = word === 1 && identRun === 1 && identFresh && (identFirst === 0x45 || identFirst === 0x65);
              state = St.Quote;
              addHead(b);
              addTail(0x3f);
            } else if (b === 0x22) {
              state = St.Ident;
              addHead(b);
              addTail(0x3f);
            } else if (b === 0x24 && word !== 1) {
              state = St.DollarTag;
              tag = '';
            } else if (b === 0x3b && depth === 0) {
              endStatement();
            } else {
              if (b === 0x28) depth++;
              else if (b === 0x29 && depth > 0) depth--;
              if (stmtHead || b > 0x20) addHead(b);
              addTail(b);
            }
            if (state === St.Normal && (isIdentStart(b) || (word === 1 && isIdent(b)))) {
              if (word !== 1) {
                identFresh = word === 0;
                word = 1;
                identRun = 0;
                identFirst = b;
              }
              identRun++;
            } else if (state === St.Normal && b >= 0x30 && b <= 0x39) {
              word = 2;
            } else {
              word = 0;
              identRun = 0;
            }
            break;
          case St.Dash:
            if (b === 0x2d) {
              state = St.LineComment;
              comment = '';
              commentAtLineStart = at - 1 === lineStart;
              break;
            }
            addHead(0x2d);
            addTail(0x2d);
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
            addHead(0x2f);
            addTail(0x2f);
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
            if (b === 0x27) state = St.QuoteEnd;
            else if (escapes && b === BS) state = St.QuoteEsc;
            else addHead(b);
            break;
          case St.QuoteEsc:
            state = St.Quote;
            break;
          case St.QuoteEnd:
            if (b === 0x27) {
              state = St.Quote;
              break;
            }
            addHead(0x27);
            state = St.Normal;
            word = 0;
            identRun = 0;
            continue;
          case St.Ident:
            if (b === 0x22) state = St.IdentEnd;
            else addHead(b);
            break;
          case St.IdentEnd:
            if (b === 0x22) {
              state = St.Ident;
              break;
            }
            addHead(0x22);
            state = St.Normal;
            word = 0; // "x"$q$ starts a dollar quote, as in psql
            identRun = 0;
            continue;
          case St.DollarTag:
            if (b === 0x24) {
              delim = `$${tag}$`;
              matched = 0;
              state = St.Dollar;
              addTail(0x3f);
              break;
            }
            if ((tag === '' ? isIdentStart(b) : isIdent(b) && b !== 0x24)) {
              tag += String.fromCharCode(b);
              break;
            }
            // `$1` (a parameter), or a lone `$`: not a dollar quote; `$1$q$` then starts one, as in psql
            state = St.Normal;
            word = b >= 0x30 && b <= 0x39 && tag === '' ? 2 : 0;
            identRun = 0;
            addTail(0x24);
            continue;
          case St.Dollar:
            if (b === delim.charCodeAt(matched)) {
              matched++;
              if (matched === delim.length) {
                state = St.Normal;
                word = 0;
                identRun = 0;
              }
            } else matched = b === 0x24 ? 1 : 0;
            break;
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
  return scan;
}
