// The reader (spec §2): bytes to values. It works on latin1 strings (one char
// per byte) and is iterative, so nesting depth is bounded by memory only.
// Every list cell built from source text is recorded with its position in side
// tables, which error reports, the compiler and source maps read.

import { noteSymbol } from './fibers.js';
import { parseInt64 } from './numbers.js';
import { Cons, sym, VError, type Sym, type Value } from './values.js';

/** A text being read: a file's bytes or a string given to `read`. */
export class Source {
  private lineStarts: number[] | undefined;
  constructor(
    readonly path: string,
    readonly text: string,
  ) {}

  /** 1-based line and column; the column counts characters (UTF-8 sequences), not bytes. */
  lineCol(offset: number): { line: number; col: number } {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    let col = 1;
    for (let i = starts[lo]; i < offset && i < this.text.length; i++) {
      const b = this.text.charCodeAt(i);
      if (b < 0x80 || b > 0xbf) col++;
    }
    return { line: lo + 1, col };
  }

  /** The raw bytes of the 1-based line, without its newline. */
  lineText(line: number): string {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    const start = starts[line - 1] ?? this.text.length;
    const end = line < starts.length ? starts[line] - 1 : this.text.length;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export interface Pos {
  readonly src: Source;
  readonly offset: number;
}

/** Where the element held by a cell starts. */
export const elementPos = new WeakMap<Cons, Pos>();
/** Where the list whose first cell this is opens (its bracket or prefix). */
export const listPos = new WeakMap<Cons, Pos>();
/** Where a reader error happened, for file:line:column reports. */
export const readErrorPos = new WeakMap<VError, Pos>();

class ReadFailure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

// Character classes by byte value.
const WS = new Uint8Array(256);
for (const c of ' \t\v\r\n') WS[c.charCodeAt(0)] = 1;
const SYMCHAR = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch) || '_+-*\\/=<>!&?:'.includes(ch)) SYMCHAR[c] = 1;
}

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

const QUASIQUOTE = sym('quasiquote');
const UNQUOTE = sym('unquote');
const UNQUOTE_SPLICING = sym('unquote-splicing');

type Open =
  | { kind: 'list'; closer: number; quoted: boolean; start: number; items: Value[]; starts: number[] }
  | { kind: 'prefix'; wrap: 'quote' | Sym; start: number };

class Reader {
  readonly text: string;
  constructor(readonly src: Source) {
    // The reference reads C strings: a NUL byte ends the text.
    const nul = src.text.indexOf('\0');
    this.text = nul < 0 ? src.text : src.text.slice(0, nul);
  }

  skipSpace(pos: number): number {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(pos);
      if (c === 59 /* ; */) {
        while (pos < t.length && t.charCodeAt(pos) !== 10) pos++;
      } else if (c < 256 && WS[c]) pos++;
      else return pos;
    }
  }

  private at(offset: number): Pos {
    return { src: this.src, offset };
  }

  /** Reads one datum starting at pos (after optional whitespace). */
  datum(pos: number): { value: Value; start: number; end: number } {
    const t = this.text;
    const open: Open[] = [];
    for (;;) {
      pos = this.skipSpace(pos);
      if (pos >= t.length) throw new ReadFailure('Unexpected  end of input', pos);
      const start = pos;
      const c = t.charCodeAt(pos);
      let value: Value;
      if (c === 40 /* ( */ || c === 123 /* { */) {
        const closer = c === 40 ? 41 : 125;
        if (t.charCodeAt(pos + 1) === closer) {
          value = null;
          pos += 2;
        } else {
          open.push({ kind: 'list', closer, quoted: c === 123, start, items: [], starts: [] });
          pos++;
          if (pos >= t.length) throw this.unclosed(closer, pos);
          continue;
        }
      } else if (c === 39 /* ' */) {
        open.push({ kind: 'prefix', wrap: 'quote', start });
        pos++;
        continue;
      } else if (c === 96 /* ` */) {
        open.push({ kind: 'prefix', wrap: QUASIQUOTE, start });
        pos++;
        continue;
      } else if (c === 44 /* , */) {
        const splice = t.charCodeAt(pos + 1) === 64; /* @ */
        open.push({ kind: 'prefix', wrap: splice ? UNQUOTE_SPLICING : UNQUOTE, start });
        pos += splice ? 2 : 1;
        continue;
      } else if (c === 34 /* " */) {
        [value, pos] = this.string(pos);
      } else if (c < 128 && SYMCHAR[c]) {
        let end = pos;
        while (end < t.length && SYMCHAR[t.charCodeAt(end)]) end++;
        value = this.token(t.slice(pos, end), pos);
        pos = end;
      } else {
        throw new ReadFailure(`[offset: ${pos}] Unexpected character ${t[pos]}`, pos);
      }

      // Deliver the value to whatever is waiting for it.
      let valueStart = start;
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return { value, start: valueStart, end: pos };
        if (top.kind === 'prefix') {
          open.pop();
          value = this.wrap(top.wrap, value, top.start, valueStart);
          valueStart = top.start;
          continue;
        }
        top.items.push(value);
        top.starts.push(valueStart);
        pos = this.skipSpace(pos);
        if (pos >= t.length) throw this.unclosed(top.closer, pos);
        if (t.charCodeAt(pos) !== top.closer) break;
        pos++;
        open.pop();
        value = this.build(top.items, top.starts, top.quoted, top.start);
        valueStart = top.start;
      }
    }
  }

  private unclosed(closer: number, pos: number): ReadFailure {
    const c = String.fromCharCode(closer);
    return new ReadFailure(`[offset: ${pos}] Unexpected end of input reading expr, while looking for \`${c}\``, pos);
  }

  private build(items: Value[], starts: number[], quoted: boolean, open: number): Cons {
    let list: Cons | null = null;
    for (let i = items.length - 1; i >= 0; i--) {
      list = new Cons(items[i], list, quoted);
      elementPos.set(list, this.at(starts[i]));
    }
    listPos.set(list!, this.at(open));
    return list!;
  }

  private wrap(kind: 'quote' | Sym, value: Value, prefixStart: number, valueStart: number): Cons {
    // 'x is the Q-expression {x}; the others are S-expressions (name x).
    if (kind === 'quote') return this.build([value], [valueStart], true, prefixStart);
    return this.build([kind, value], [prefixStart, valueStart], false, prefixStart);
  }

  private token(tok: string, pos: number): Value {
    const c = tok.charCodeAt(0);
    if ((c === 45 || (c >= 48 && c <= 57)) && tok !== '-' && /^-?[0-9]+$/.test(tok)) {
      const n = parseInt64(tok);
      if (n === undefined) throw new ReadFailure(`Invalid number format ${tok}`, pos);
      return n;
    }
    noteSymbol(tok);
    return sym(tok);
  }

  private string(pos: number): [string, number] {
    const t = this.text;
    let out = '';
    let i = pos + 1;
    for (;;) {
      if (i >= t.length) throw new ReadFailure('Unexpected  end of input at string literal', i);
      const ch = t[i];
      if (ch === '"') return [out, i + 1];
      if (ch === '\\') {
        i++;
        if (i >= t.length) throw new ReadFailure('Unexpected end of input after escape character', i);
        const e = ESCAPES[t[i]];
        if (e === undefined) throw new ReadFailure(`Invalid escape character \\${t[i]}`, i);
        out += e;
        i++;
        continue;
      }
      // Copy a run of plain bytes at once.
      let j = i;
      while (j < t.length && t[j] !== '"' && t[j] !== '\\') j++;
      out += t.slice(i, j);
      i = j;
    }
  }
}

function failure(src: Source, f: unknown): VError {
  if (!(f instanceof ReadFailure)) throw f;
  const err = new VError(f.message);
  readErrorPos.set(err, { src, offset: f.offset });
  return err;
}

export interface ParsedProgram {
  /** The top-level data, in order; a reader error is the last element (spec §2.9). */
  readonly forms: Value[];
  /** Where each form starts. */
  readonly starts: number[];
  /** The reader error, if the text has one. */
  readonly error: VError | undefined;
}

/** File parsing (script mode and `load`): datum after datum until the end or the first error. */
export function parseProgram(src: Source): ParsedProgram {
  const r = new Reader(src);
  const forms: Value[] = [];
  const starts: number[] = [];
  let pos = r.skipSpace(0);
  while (pos < r.text.length) {
    try {
      const d = r.datum(pos);
      forms.push(d.value);
      starts.push(d.start);
      pos = r.skipSpace(d.end);
    } catch (f) {
      const err = failure(src, f);
      forms.push(err);
      starts.push((f as ReadFailure).offset);
      return { forms, starts, error: err };
    }
  }
  return { forms, starts, error: undefined };
}

/** `read`: the first datum of the text, ignoring the rest; a reader error is returned as an Error. */
export function readOne(src: Source): Value {
  try {
    return new Reader(src).datum(0).value;
  } catch (f) {
    return failure(src, f);
  }
}
