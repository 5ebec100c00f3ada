// fast-check arbitraries and helpers for the property tests: readable data
// (spec §2, §3), hostile reader input, and generated programs.

import fc from 'fast-check';
import { debug, display } from '../runtime/printer.js';
import { Builtin, Cons, Lambda, Sym, VError, listFromArray, sym, type Num, type Value } from '../runtime/values.js';
import { Frame } from '../runtime/frame.js';

// ---------------------------------------------------------------- numbers

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The runtime's canonical representation: a JS number while safe, else a bigint. */
export function canonical(b: bigint): Num {
  return b >= -MAX_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

/** Signed 64-bit integers, biased towards the extremes and the 2^53 boundary. */
export const int64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt(INT64_MIN, INT64_MAX),
  fc.constantFrom(
    INT64_MIN,
    INT64_MIN + 1n,
    INT64_MAX,
    INT64_MAX - 1n,
    0n,
    1n,
    -1n,
    2n,
    -2n,
    MAX_SAFE,
    MAX_SAFE + 1n,
    MAX_SAFE + 2n,
    -MAX_SAFE,
    -MAX_SAFE - 1n,
    -MAX_SAFE - 2n,
    2n ** 32n,
    -(2n ** 32n),
    2n ** 31n - 1n,
    -(2n ** 31n),
    2n ** 62n,
    -(2n ** 62n),
    3037000499n, // floor(sqrt(2^63))
    3037000500n,
  ),
  fc.bigInt(-1000n, 1000n),
  fc.bigInt(-(2n ** 54n), 2n ** 54n),
  fc.bigInt(-(2n ** 33n), 2n ** 33n),
);

// ---------------------------------------------------------------- symbols

/** The symbol constituents of spec §2.2. */
export const SYMBOL_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-*\\/=<>!&?:';
const symbolChar = fc.constantFrom(...SYMBOL_CHARS.split(''));

/** A token the reader turns into a number (spec §2.3). */
export function isNumberToken(tok: string): boolean {
  return /^-?[0-9]+$/.test(tok);
}

const symbolName: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 6, arbitrary: fc.string({ unit: symbolChar, minLength: 1, maxLength: 12 }) },
    { weight: 2, arbitrary: fc.constantFrom('-', '+', '\\', '&', '=', '==', '-1a', '0x10', '5-3', '--5', '+5', 'quote', 'quasiquote', 'unquote', 'unquote-splicing', 'if', 'nil') },
    // Longer than the reference's 200-byte limit (spec §2.2 lets implementations keep the full name).
    { weight: 1, arbitrary: fc.string({ unit: symbolChar, minLength: 190, maxLength: 400 }) },
  )
  .filter((s) => !isNumberToken(s));

export const symbolArb: fc.Arbitrary<Sym> = symbolName.map(sym);
export const keywordArb: fc.Arbitrary<Sym> = fc.string({ unit: symbolChar, maxLength: 10 }).map((s) => sym(':' + s));

// ---------------------------------------------------------------- strings

/** One byte (as a latin1 char), biased towards the bytes strings treat specially. */
export const byteChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)) },
  { weight: 2, arbitrary: fc.constantFrom('"', '\\', "'", '\x07', '\b', '\f', '\n', '\r', '\t', '\v', ' ', ';', '(', ')', '{', '}', '\x7f', '\x80', '\xc3', '\xa9', '\xff') },
  { weight: 3, arbitrary: fc.constantFrom(...'abcxyz019 -'.split('')) },
);

/** Byte strings without NUL (spec §3.1). */
export const stringArb: fc.Arbitrary<string> = fc.string({ unit: byteChar.filter((c) => c !== '\0'), maxLength: 24 });

// ---------------------------------------------------------------- data

export interface DataOptions {
  readonly numbers?: boolean;
  readonly strings?: boolean;
}

/** Readable data: numbers, symbols, keywords, strings, Nil, nested S- and Q-lists with uniform flags per list. */
export function dataArb(opts: DataOptions = {}): fc.Arbitrary<Value> {
  const atoms: Array<fc.Arbitrary<Value>> = [symbolArb, keywordArb, fc.constant(null)];
  if (opts.numbers !== false) atoms.push(int64.map(canonical), int64.map(canonical));
  if (opts.strings !== false) atoms.push(stringArb, stringArb);
  const { value } = fc.letrec<{ value: Value; list: Value }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: 6 }, fc.oneof(...atoms), tie('list')),
    list: fc
      .tuple(fc.array(tie('value'), { minLength: 1, maxLength: 6 }), fc.boolean())
      .map(([items, quoted]) => listFromArray(items, quoted)),
  }));
  return value;
}

/**
 * Values for the equality laws: data plus Errors, builtins and lambdas, and
 * lists whose cells carry mixed flags (as `cons` builds them).
 */
export const BUILTIN_A = new Builtin('a', () => null);
export const BUILTIN_B = new Builtin('b', () => null);
const someFrame = new Frame(null, true);

export const anyValueArb: fc.Arbitrary<Value> = (() => {
  const { value } = fc.letrec<{ value: Value; list: Value; lambda: Value }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 5 },
      fc.oneof(
        int64.map(canonical),
        fc.integer({ min: -3, max: 3 }),
        stringArb,
        fc.constantFrom('', 'a', '1', 'x'),
        symbolArb,
        fc.constantFrom(sym('a'), sym('x'), sym(':x')),
        fc.constant(null),
        fc.constantFrom('a', 'b', '', '1').map((m) => new VError(m)),
        fc.constantFrom<Value>(BUILTIN_A, BUILTIN_B),
      ),
      tie('list'),
      tie('lambda'),
    ),
    list: fc
      .array(fc.tuple(tie('value'), fc.boolean()), { minLength: 1, maxLength: 5 })
      .map((cells) => {
        let l: Cons | null = null;
        for (let i = cells.length - 1; i >= 0; i--) l = new Cons(cells[i][0], l, cells[i][1]);
        return l;
      }),
    lambda: fc
      .tuple(fc.array(fc.constantFrom(sym('x'), sym('y'), sym('&')), { maxLength: 3 }), tie('value'))
      .map(([formals, body]) => new Lambda(listFromArray(formals, true), body, someFrame)),
  }));
  return value;
})();

// ---------------------------------------------------------------- printing

/**
 * A printer whose output the reader reads back (spec §2): the runtime's display
 * form for numbers, symbols and Nil, its debug form (with the §3.3 escapes)
 * for strings, and list brackets chosen by the first cell's flag.
 */
export function readable(v: Value): string {
  if (v instanceof Cons) {
    const parts: string[] = [];
    for (let c: Cons | null = v; c !== null; c = c.tail) parts.push(readable(c.head));
    return (v.quoted ? '{' : '(') + parts.join(' ') + (v.quoted ? '}' : ')');
  }
  if (typeof v === 'string') return debug(v);
  return display(v);
}

/**
 * Exact sameness: like `==` but the quoted flag of every cell and the number
 * representation must match too.
 */
export function identical(a: Value, b: Value): boolean {
  // Iterative, so the reader's deepest data can be compared.
  const work: Value[] = [a, b];
  while (work.length > 0) {
    const y = work.pop()!;
    const x = work.pop()!;
    if (x instanceof Cons) {
      if (!(y instanceof Cons)) return false;
      let p: Cons | null = x;
      let q: Cons | null = y;
      while (p !== null && q !== null) {
        if (p.quoted !== q.quoted) return false;
        work.push(p.head, q.head);
        p = p.tail;
        q = q.tail;
      }
      if (p !== null || q !== null) return false;
    } else if (x instanceof VError) {
      if (!(y instanceof VError) || x.message !== y.message) return false;
    } else if (x instanceof Lambda) {
      if (!(y instanceof Lambda)) return false;
      work.push(x.formals, y.formals, x.body, y.body);
    } else if (x !== y) return false;
  }
  return true;
}

/** A copy (new cells, new Errors) with every cell's quoted flag flipped. */
export function flipQuoted(v: Value): Value {
  if (v instanceof Cons) {
    const cells: Cons[] = [];
    for (let c: Cons | null = v; c !== null; c = c.tail) cells.push(c);
    let out: Cons | null = null;
    for (let i = cells.length - 1; i >= 0; i--) out = new Cons(flipQuoted(cells[i].head), out, !cells[i].quoted);
    return out;
  }
  if (v instanceof VError) return new VError(v.message);
  if (v instanceof Lambda) return new Lambda(flipQuoted(v.formals) as Cons | null, flipQuoted(v.body), new Frame(null, true));
  return v;
}

/** A fresh copy (new cells) keeping every flag. */
export function deepCopy(v: Value): Value {
  return flipQuoted(flipQuoted(v));
}

/**
 * An injective text for values from `anyValueArb`, blind to quoted flags and
 * environments: two values are `==` exactly when their keys are the same.
 */
export function equalityKey(v: Value): string {
  if (v instanceof Cons) {
    const parts: string[] = [];
    for (let c: Cons | null = v; c !== null; c = c.tail) parts.push(equalityKey(c.head));
    return 'L[' + parts.join(',') + ']';
  }
  if (typeof v === 'number' || typeof v === 'bigint') return 'N' + String(v);
  if (typeof v === 'string') return 'S' + JSON.stringify(v);
  if (v === null) return 'L[]';
  if (v instanceof Sym) return 'Y' + JSON.stringify(v.name);
  if (v instanceof VError) return 'E' + JSON.stringify(v.message);
  if (v instanceof Builtin) return 'B' + (v === BUILTIN_A ? 'a' : v === BUILTIN_B ? 'b' : '?');
  if (v instanceof Lambda) return 'F(' + equalityKey(v.formals) + ';' + equalityKey(v.body) + ')';
  throw new Error('no key for this value');
}

// ---------------------------------------------------------------- reader input

/** Arbitrary bytes as a latin1 string. */
export const bytesArb: fc.Arbitrary<string> = fc
  .uint8Array({ maxLength: 300 })
  .map((b) => Buffer.from(b).toString('latin1'));

/** Fragments that exercise the reader's decisions. */
const fragment = fc.oneof(
  fc.constantFrom(
    '(', ')', '{', '}', "'", '`', ',', ',@', '"', '\\', ';', '\n', ' ', '\t', '\v', '\r', '\f', '.', '#', '\0',
    '\x80', '\xff', '\xc3\xa9', '-', '0', '007', '12', '-9223372036854775808', '9223372036854775807',
    '9223372036854775808', '-9223372036854775809', '99999999999999999999999', 'abc', ':k', ':', 'x', '+',
    '\\n', '\\q', '\\"', '"a b"', '()', '{}', '( )', '{ }', '(;c\n)', 'a.b', '3.14', '[', ']', '@',
  ),
  fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)),
);

/** Text built from reader-significant fragments. */
export const lexicalSoupArb: fc.Arbitrary<string> = fc.array(fragment, { maxLength: 60 }).map((f) => f.join(''));

/** Printed data with a few bytes deleted, inserted or replaced: almost-valid input. */
export const mutatedDataArb: fc.Arbitrary<string> = fc
  .tuple(
    dataArb().map(readable),
    fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [where, kind, byte] of edits) {
      const i = t.length === 0 ? 0 : where % t.length;
      const ch = String.fromCharCode(byte);
      if (kind === 0) t = t.slice(0, i) + t.slice(i + 1);
      else if (kind === 1) t = t.slice(0, i) + ch + t.slice(i);
      else t = t.slice(0, i) + ch + t.slice(i + 1);
    }
    return t;
  });

// ---------------------------------------------------------------- programs

/** Builtin names and a few variables for generated programs. */
export const PROGRAM_NAMES = [
  '+', '-', '*', '/', 'head', 'tail', 'list', 'join', 'eval', 'do', 'if', 'select', 'def', '=', '\\', 'len',
  'str', 'print', 'cons', 'init', '==', '!=', '<', 'error', 'error?', 'quote', 'read', '&', 'x', 'y', 'f', 'g',
];

const smallNumberText = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -3, max: 10 }).map(String) },
  { weight: 1, arbitrary: int64.map(String) },
);

const programAtom: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: smallNumberText },
  { weight: 6, arbitrary: fc.constantFrom(...PROGRAM_NAMES) },
  { weight: 1, arbitrary: stringArb.map(debug) },
  { weight: 1, arbitrary: fc.constantFrom(':k', '()', '{}') },
);

/** A well-formed expression as source text. */
export const programExprArb: fc.Arbitrary<string> = fc.letrec<{ expr: string; list: string }>((tie) => ({
  expr: fc.oneof({ depthSize: 'small', maxDepth: 5 }, programAtom, tie('list'), tie('list')),
  list: fc
    .tuple(
      fc.constantFrom<[string, string]>(['(', ')'], ['(', ')'], ['{', '}'], ["'(", ')'], ['`(', ')'], ['`{', '}']),
      fc.array(tie('expr'), { minLength: 1, maxLength: 5 }),
    )
    .map(([[open, close], items]) => open + items.join(' ') + close),
})).expr;

const name = fc.constantFrom('x', 'y', 'f', 'g');
const params = fc.array(fc.constantFrom('x', 'y', '&', 'f'), { maxLength: 3 }).map((p) => p.join(' '));

/** Top-level forms shaped like real programs: definitions, lambdas, calls, conditionals. */
const programFormArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: programExprArb },
  { weight: 1, arbitrary: fc.tuple(name, programExprArb).map(([n, e]) => `(def {${n}} ${e})`) },
  {
    weight: 2,
    arbitrary: fc.tuple(name, params, fc.array(programExprArb, { minLength: 1, maxLength: 3 })).map(
      ([n, p, body]) => `(def {${n}} (\\ {${p}} {${body.length === 1 ? body[0].replace(/^\((.*)\)$/s, '$1') : body.join(' ')}}))`,
    ),
  },
  { weight: 2, arbitrary: fc.tuple(name, fc.array(programExprArb, { maxLength: 3 })).map(([n, a]) => `(${[n, ...a].join(' ')})`) },
  { weight: 1, arbitrary: programExprArb.map((e) => `(print ${e})`) },
  { weight: 1, arbitrary: fc.tuple(programExprArb, programExprArb, programExprArb).map(([c, a, b]) => `(if ${c} {${a}} {${b}})`) },
  { weight: 1, arbitrary: fc.tuple(programExprArb, programExprArb, programExprArb).map(([c, a, b]) => `(select {${c} ${a}} {1 ${b}})`) },
);

/** Mostly well-typed expressions, so generated programs get past the first few forms. */
export const typedExprArb: fc.Arbitrary<string> = fc.letrec<{ num: string; list: string; str: string; any: string }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    smallNumberText,
    fc.constantFrom('x', 'y', '(len {1 2 3})', '(f 2)'),
    fc.tuple(fc.constantFrom('+', '-', '*'), fc.array(tie('num'), { minLength: 1, maxLength: 3 })).map(([op, a]) => `(${op} ${a.join(' ')})`),
    fc.tuple(tie('num'), fc.integer({ min: -1, max: 5 })).map(([a, b]) => `(/ ${a} ${b})`),
    tie('list').map((l) => `(len ${l})`),
    tie('list').map((l) => `(head ${l})`),
    tie('str').map((s) => `(len ${s})`),
    fc.tuple(tie('num'), tie('num'), tie('num')).map(([c, a, b]) => `(if ${c} {${a}} {${b}})`),
    fc.tuple(fc.constantFrom('==', '!=', '<', '>', '<=', '>='), tie('num'), tie('num')).map(([op, a, b]) => `(${op} ${a} ${b})`),
    fc.tuple(tie('num'), tie('num')).map(([a, b]) => `(eval {+ ${a} ${b}})`),
    fc.tuple(tie('any'), tie('num')).map(([a, b]) => `(do ${a} ${b})`),
    fc.tuple(tie('num'), tie('num'), tie('num')).map(([c, a, b]) => `(select {(== ${c} 0) ${a}} {1 ${b}})`),
    tie('any').map((a) => `(error? ${a})`),
    fc.tuple(tie('num'), tie('num')).map(([a, b]) => `((\\ {a b} {- a b}) ${a} ${b})`),
  ),
  list: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.array(smallNumberText, { maxLength: 4 }).map((a) => `{${a.join(' ')}}`),
    fc.constantFrom('{}', '()', "'x", '{a b c}', '{{1} {2 3}}', '(list)'),
    fc.array(tie('num'), { maxLength: 3 }).map((a) => `(list ${a.join(' ')})`),
    tie('list').map((l) => `(tail ${l})`),
    tie('list').map((l) => `(init ${l})`),
    fc.array(tie('list'), { minLength: 1, maxLength: 3 }).map((a) => `(join ${a.join(' ')})`),
    fc.tuple(tie('any'), tie('list')).map(([a, l]) => `(cons ${a} ${l})`),
    tie('num').map((n) => `(list ${n} (list ${n}))`),
  ),
  str: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    stringArb.map(debug),
    fc.array(tie('any'), { maxLength: 3 }).map((a) => `(str ${a.join(' ')})`),
  ),
  any: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    tie('num'),
    tie('list'),
    tie('str'),
    fc.constantFrom('(error "e")', ':k', 'print', '+'),
    // Code built at run time: read, then evaluate.
    programExprArb.map((e) => `(eval (read ${debug(e)}))`),
  ),
})).any;

const typedFormArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: typedExprArb.map((e) => `(print ${e})`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('x', 'y'), typedExprArb).map(([n, e]) => `(def {${n}} ${e})`) },
  {
    weight: 1,
    // A recursive function with a base case; the call budget stops the ones that never reach it.
    arbitrary: fc.tuple(typedExprArb, typedExprArb).map(
      ([base, step]) => `(def {f} (\\ {n} {if (<= n 0) {${base}} {+ 1 (f (- n 1)) (len (list ${step}))}}))`,
    ),
  },
  { weight: 1, arbitrary: typedExprArb.map((e) => `(error? ${e})`) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 30 }).map((n) => `(print (f ${n}))`) },
);

/** A whole program: a few top-level forms separated by whitespace or comments. */
export const programArb: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof(programFormArb, typedFormArb, typedFormArb), fc.constantFrom(' ', '\n', '\t', ' ; note\n')), {
    minLength: 1,
    maxLength: 8,
  })
  .map((forms) => forms.map(([f, sep]) => f + sep).join(''));
