// Property tests for the reader, printer, equality, arithmetic and evaluator
// (spec §2, §3, §4, §6.3), with fast-check.
//
// Runs are seeded so failures reproduce; set VALK_FC_SEED to explore other
// seeds and VALK_FC_SCALE (e.g. 10) to multiply the number of runs.

import test from 'ava';
import fc from 'fast-check';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { equal } from '../runtime/equality.js';
import { debug, display } from '../runtime/printer.js';
import { parseProgram, readOne, Source } from '../runtime/reader.js';
import { Session } from '../runtime/session.js';
import { Cons, Sym, sym, VError, type Num, type Value } from '../runtime/values.js';
import {
  anyValueArb,
  bytesArb,
  canonical,
  dataArb,
  deepCopy,
  equalityKey,
  flipQuoted,
  identical,
  int64,
  isNumberToken,
  lexicalSoupArb,
  mutatedDataArb,
  programArb,
  readable,
  stringArb,
  SYMBOL_CHARS,
} from './value-arbitraries.js';

const SEED = Number(process.env.VALK_FC_SEED ?? 20260214);
const SCALE = Number(process.env.VALK_FC_SCALE ?? 1);

function params(numRuns: number, salt: number): fc.Parameters<unknown> {
  return { seed: SEED + salt, numRuns: Math.max(1, Math.round(numRuns * SCALE)) };
}

function fail(message: string): never {
  throw new Error(message);
}

/** A short, printable rendering of reader input for failure messages. */
function show(text: string): string {
  const s = JSON.stringify(text.length > 300 ? text.slice(0, 300) + '…' : text);
  return `${s} (${text.length} bytes)`;
}

// ====================================================================== 1. print∘read

const data = dataArb();

test('round trip: read(readable(x)) is x, flags and number representation included', (t) => {
  fc.assert(
    fc.property(data, (x) => {
      const text = readable(x);
      const back = readOne(new Source('rt', text));
      if (back instanceof VError) fail(`reader error ${back.message} on ${show(text)}`);
      if (!equal(back, x)) fail(`not == after the round trip: ${show(text)}`);
      if (!identical(back, x)) fail(`flags or representation changed: ${show(text)} came back as ${show(readable(back))}`);
      if (readable(back) !== text) fail(`printing the re-read value differs: ${show(text)} vs ${show(readable(back))}`);
      const parsed = parseProgram(new Source('rt', text));
      if (parsed.error !== undefined || parsed.forms.length !== 1 || !identical(parsed.forms[0], x)) {
        fail(`file parsing differs from read on ${show(text)}`);
      }
    }),
    params(400, 1),
  );
  t.pass();
});

test('round trip: a sequence of printed data parses back as the same forms at the right offsets', (t) => {
  const sep = fc.constantFrom(' ', '\n', '\t', '\r\n', '  ', ' ; comment (with "brackets"\n', '\v');
  fc.assert(
    fc.property(fc.array(fc.tuple(data, sep), { maxLength: 6 }), sep, (items, lead) => {
      let text = lead;
      const starts: number[] = [];
      for (const [x, s] of items) {
        starts.push(text.length);
        text += readable(x) + s;
      }
      const parsed = parseProgram(new Source('seq', text));
      if (parsed.error !== undefined) fail(`reader error ${parsed.error.message} on ${show(text)}`);
      if (parsed.forms.length !== items.length) fail(`${parsed.forms.length} forms for ${items.length} on ${show(text)}`);
      items.forEach(([x], i) => {
        if (!identical(parsed.forms[i], x)) fail(`form ${i} differs on ${show(text)}`);
        if (parsed.starts[i] !== starts[i]) fail(`form ${i} starts at ${parsed.starts[i]}, not ${starts[i]}, in ${show(text)}`);
      });
    }),
    params(200, 2),
  );
  t.pass();
});

test('round trip: read takes the first datum and ignores whatever follows (spec §2.9)', (t) => {
  fc.assert(
    fc.property(data, fc.constantFrom(' ', '\n', '\t'), fc.oneof(lexicalSoupArb, bytesArb), (x, sep, rest) => {
      const text = readable(x) + sep + rest;
      const back = readOne(new Source('first', text));
      if (!identical(back, x)) fail(`read of ${show(text)} is not the first datum`);
    }),
    params(200, 3),
  );
  t.pass();
});

test('printer: display form of string-free data is readable and lays lists out as spec §3.2 says', (t) => {
  fc.assert(
    fc.property(dataArb({ strings: false }), (x) => {
      const text = display(x);
      if (text !== readable(x)) fail(`display ${show(text)} differs from ${show(readable(x))}`);
      if (!identical(readOne(new Source('d', text)), x)) fail(`display form ${show(text)} does not read back`);
    }),
    params(200, 4),
  );
  t.pass();
});

test('printer: debug form of number-free data is readable, strings escaped as spec §3.3 says', (t) => {
  fc.assert(
    fc.property(dataArb({ numbers: false }), (x) => {
      const text = debug(x);
      if (text !== readable(x)) fail(`debug ${show(text)} differs from ${show(readable(x))}`);
      if (!identical(readOne(new Source('d', text)), x)) fail(`debug form ${show(text)} does not read back`);
    }),
    params(200, 5),
  );
  t.pass();
});

test('printer: strings display raw and debug-print with exactly the §3.3 escapes', (t) => {
  const esc: Record<string, string> = { '\x07': 'a', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't', '\v': 'v', '\\': '\\', "'": "'", '"': '"' };
  fc.assert(
    fc.property(stringArb, (s) => {
      if (display(s) !== s) fail(`display of ${show(s)} is not raw`);
      let expected = '"';
      for (const c of s) expected += c in esc ? '\\' + esc[c] : c;
      expected += '"';
      if (debug(s) !== expected) fail(`debug of ${show(s)} is ${show(debug(s))}, expected ${show(expected)}`);
      if (readOne(new Source('s', debug(s))) !== s) fail(`debug form of ${show(s)} does not read back`);
    }),
    params(300, 6),
  );
  t.pass();
});

test('round trip: every signed 64-bit integer reads back canonically, the extremes included', (t) => {
  for (const b of [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n]) {
    t.true(readOne(new Source('n', b.toString())) === canonical(b), b.toString());
  }
  t.true(readOne(new Source('n', '-0')) === 0);
  t.true(readOne(new Source('n', '007')) === 7);
  fc.assert(
    fc.property(int64, fc.nat(3), (b, zeros) => {
      const text = (b < 0n ? '-' : '') + '0'.repeat(zeros) + (b < 0n ? -b : b).toString();
      const v = readOne(new Source('n', text));
      if (v !== canonical(b)) fail(`${text} read as ${String(v)} (${typeof v})`);
      if (display(v) !== b.toString()) fail(`${text} displays as ${display(v)}`);
      if (debug(v) !== `Num[${b}]`) fail(`${text} debug-prints as ${debug(v)}`);
    }),
    params(400, 7),
  );
  t.pass();
});

// ====================================================================== 2. reader totality

const ESCAPE_LETTERS = new Set(['a', 'b', 'f', 'n', 'r', 't', 'v', '\\', "'", '"']);
/** Bytes that may begin a datum (or are skipped before one). */
const DATUM_START = new Set([...SYMBOL_CHARS, '(', '{', "'", '`', ',', '"', ' ', '\t', '\v', '\r', '\n', ';']);

/** Checks a reader Error against the kinds of spec §2.8 and the text it came from. */
function checkReaderError(err: VError, text: string): void {
  const nul = text.indexOf('\0');
  const effective = nul < 0 ? text : text.slice(0, nul);
  const m = err.message;
  if (m === 'Unexpected  end of input' || m === 'Unexpected  end of input at string literal') return;
  if (m === 'Unexpected end of input after escape character') {
    if (!effective.endsWith('\\')) fail(`${m} but the text does not end in a backslash: ${show(text)}`);
    return;
  }
  let r = /^\[offset: (\d+)\] Unexpected end of input reading expr, while looking for `([)}])`$/.exec(m);
  if (r !== null) {
    if (Number(r[1]) !== effective.length) fail(`${m}: offset is not the end of ${show(text)}`);
    return;
  }
  r = /^\[offset: (\d+)\] Unexpected character ([\s\S])$/.exec(m);
  if (r !== null) {
    const at = Number(r[1]);
    if (effective[at] !== r[2]) fail(`${JSON.stringify(m)}: the text has ${JSON.stringify(effective[at])} there: ${show(text)}`);
    if (DATUM_START.has(r[2]) && r[2] !== ')' && r[2] !== '}') fail(`${JSON.stringify(m)}: that character can start a datum: ${show(text)}`);
    return;
  }
  r = /^Invalid escape character \\([\s\S])$/.exec(m);
  if (r !== null) {
    if (ESCAPE_LETTERS.has(r[1])) fail(`${JSON.stringify(m)} is a valid escape: ${show(text)}`);
    return;
  }
  r = /^Invalid number format (-?[0-9]+)$/.exec(m);
  if (r !== null) {
    const n = BigInt(r[1]);
    if (n >= -(2n ** 63n) && n <= 2n ** 63n - 1n) fail(`${m} is within 64 bits`);
    return;
  }
  fail(`reader error ${JSON.stringify(m)} is none of the kinds of spec §2.8, on ${show(text)}`);
}

/** Whether a value could have come from the reader (no Errors or other runtime values inside). */
function isData(v: Value): boolean {
  const work: Value[] = [v];
  while (work.length > 0) {
    const x = work.pop()!;
    if (x instanceof Cons) for (let c: Cons | null = x; c !== null; c = c.tail) work.push(c.head);
    else if (!(x === null || typeof x === 'number' || typeof x === 'bigint' || typeof x === 'string' || x instanceof Sym)) return false;
  }
  return true;
}

/** Parses text every way the runtime can and checks the outcome is data or a well-formed reader Error. */
function checkReader(text: string): ReturnType<typeof parseProgram> {
  const src = new Source('input', text);
  let parsed: ReturnType<typeof parseProgram>;
  let first: Value;
  try {
    parsed = parseProgram(src);
    first = readOne(src);
  } catch (e) {
    fail(`host exception ${String(e)} reading ${show(text)}`);
  }
  const { forms, starts, error } = parsed;
  if (forms.length !== starts.length) fail(`forms and starts disagree on ${show(text)}`);
  for (let i = 0; i < starts.length; i++) {
    if (!(starts[i] >= 0 && starts[i] <= text.length)) fail(`start ${starts[i]} outside ${show(text)}`);
    if (i > 0 && !(starts[i] > starts[i - 1])) fail(`starts not increasing on ${show(text)}`);
  }
  const dataForms = error === undefined ? forms : forms.slice(0, -1);
  if (error !== undefined) {
    if (forms[forms.length - 1] !== error) fail(`the reader error is not the last form on ${show(text)}`);
    checkReaderError(error, text);
  }
  for (const f of dataForms) if (!isData(f)) fail(`a form that is not data on ${show(text)}`);
  if (first instanceof VError) checkReaderError(first, text);
  else if (!isData(first)) fail(`read gave something that is not data on ${show(text)}`);
  if (forms.length > 0) {
    if (!identical(first, forms[0])) fail(`read and file parsing disagree on the first datum of ${show(text)}`);
  } else if (!(first instanceof VError && first.message === 'Unexpected  end of input')) {
    fail(`read of blank text ${show(text)} is not «Unexpected  end of input»`);
  }
  return parsed;
}

test('reader totality: random bytes', (t) => {
  fc.assert(fc.property(bytesArb, (text) => void checkReader(text)), params(1000, 10));
  t.pass();
});

test('reader totality: reader-significant fragments in random order', (t) => {
  fc.assert(fc.property(lexicalSoupArb, (text) => void checkReader(text)), params(1500, 11));
  t.pass();
});

test('reader totality: printed data with a few bytes edited', (t) => {
  fc.assert(fc.property(mutatedDataArb, (text) => void checkReader(text)), params(800, 12));
  t.pass();
});

/** What spec §2 says a one-byte text reads as: a description of the single outcome. */
function oneByteOutcome(c: string): string {
  if (c === '\0' || ' \t\v\r\n;'.includes(c)) return 'nothing';
  if (c === '(' || c === '{') return `error [offset: 1] Unexpected end of input reading expr, while looking for \`${c === '(' ? ')' : '}'}\``;
  if ("'`,".includes(c)) return 'error Unexpected  end of input';
  if (c === '"') return 'error Unexpected  end of input at string literal';
  if (/[0-9]/.test(c)) return 'number ' + c;
  if (SYMBOL_CHARS.includes(c)) return 'symbol ' + c;
  return `error [offset: 0] Unexpected character ${c}`;
}

function describe(p: ReturnType<typeof parseProgram>): string {
  if (p.error !== undefined) return p.forms.length === 1 ? 'error ' + p.error.message : `${p.forms.length - 1} forms then an error`;
  if (p.forms.length === 0) return 'nothing';
  if (p.forms.length > 1) return `${p.forms.length} forms`;
  const v = p.forms[0];
  return (typeof v === 'number' ? 'number ' : v instanceof Sym ? 'symbol ' : 'other ') + display(v);
}

const ESCAPED: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

test('reader totality: every byte alone and in each context', (t) => {
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    for (const text of [c, c + ' x', 'x' + c, '(' + c + ')', '{a ' + c + '}', '"' + c + '"', '"\\' + c + '"', "'" + c, ',' + c, '-' + c, c.repeat(3)]) {
      checkReader(text);
    }
    t.is(describe(parseProgram(new Source('b', c))), oneByteOutcome(c), `the byte ${b} alone`);
    if (b !== 0 && b !== 34 && b !== 92) t.is(readOne(new Source('b', '"' + c + '"')), c, `string of byte ${b}`);
    const esc = readOne(new Source('b', '"\\' + c + '"'));
    if (b === 0) t.is((esc as VError).message, 'Unexpected end of input after escape character', 'backslash then NUL');
    else if (c in ESCAPED) t.is(esc, ESCAPED[c], `escape \\${c}`);
    else t.is((esc as VError).message, `Invalid escape character \\${c}`, `escape of byte ${b}`);
  }
});

const N = 100_000;
/** Depth for the hostile cases that go through the same code paths as the N-deep ones. */
const M = 20_000;

test('reader totality: hostile inputs', (t) => {
  const expectError = (text: string, message: string | RegExp): void => {
    const p = checkReader(text);
    const msg = p.error?.message ?? '(no error)';
    if (typeof message === 'string') t.is(msg, message, show(text));
    else t.regex(msg, message, show(text));
  };
  const expectData = (text: string, check: (v: Value) => void): void => {
    const p = checkReader(text);
    t.is(p.error, undefined, show(text));
    t.is(p.forms.length, 1, show(text));
    check(p.forms[0]);
  };

  expectError('('.repeat(N), `[offset: ${N}] Unexpected end of input reading expr, while looking for \`)\``);
  expectError('{'.repeat(N), `[offset: ${N}] Unexpected end of input reading expr, while looking for \`}\``);
  expectError("'".repeat(M), 'Unexpected  end of input');
  expectError('`'.repeat(M), 'Unexpected  end of input');
  expectError(','.repeat(M), 'Unexpected  end of input');
  expectError(',@'.repeat(M), 'Unexpected  end of input');
  expectError(')'.repeat(N), '[offset: 0] Unexpected character )');
  expectError('}'.repeat(1000), '[offset: 0] Unexpected character }');
  expectError('(' + 'x '.repeat(N), `[offset: ${1 + 2 * N}] Unexpected end of input reading expr, while looking for \`)\``);
  expectError('('.repeat(M) + '}'.repeat(M), `[offset: ${M}] Unexpected character }`);
  expectError('9'.repeat(N), /^Invalid number format 9{100000}$/);
  expectError('-' + '9'.repeat(N), /^Invalid number format -9{100000}$/);
  expectError('9223372036854775808', 'Invalid number format 9223372036854775808');
  expectError('-9223372036854775809', 'Invalid number format -9223372036854775809');
  expectError('"' + 'a'.repeat(1_000_000), 'Unexpected  end of input at string literal');
  expectError('"abc\\', 'Unexpected end of input after escape character');
  expectError('"\\0"', 'Invalid escape character \\0');
  expectError('( )', '[offset: 2] Unexpected character )');
  expectError('3.14', '[offset: 1] Unexpected character .');
  expectError('(;c\n)', '[offset: 4] Unexpected character )');
  expectError('{ }', '[offset: 2] Unexpected character }');
  expectError('(a}', '[offset: 2] Unexpected character }');
  expectError('\f', '[offset: 0] Unexpected character \f');
  expectError("')", '[offset: 1] Unexpected character )');
  expectError('#t', '[offset: 0] Unexpected character #');
  expectError('[1]', '[offset: 0] Unexpected character [');

  // Deep nesting reads, prints and compares without exhausting the JS stack.
  const nested = '('.repeat(N) + ')'.repeat(N);
  expectData(nested, (v) => {
    t.is(display(v), nested);
    t.true(equal(v, readOne(new Source('h', '{'.repeat(N) + '}'.repeat(N)))));
  });
  expectData("'".repeat(M) + 'x', (v) => t.is(debug(v), '{'.repeat(M) + 'x' + '}'.repeat(M)));
  expectData('`'.repeat(M) + '5', (v) => t.is(display(v), '(quasiquote '.repeat(M) + '5' + ')'.repeat(M)));
  expectData(',@'.repeat(M) + 'x', (v) => t.is(display(v), '(unquote-splicing '.repeat(M) + 'x' + ')'.repeat(M)));
  expectData(', '.repeat(M) + 'x', (v) => t.is(display(v), '(unquote '.repeat(M) + 'x' + ')'.repeat(M)));
  expectData('(' + 'x '.repeat(N) + ')', (v) => t.is(display(v), '(' + 'x '.repeat(N - 1) + 'x)'));
  expectData('a'.repeat(1_000_000), (v) => {
    // Spec §2.2: the reference truncates to 200 bytes; implementations may keep the full name.
    const name = display(v);
    t.true(name.length >= 200 && 'a'.repeat(1_000_000).startsWith(name));
  });
  expectData('"' + '\xff\x01'.repeat(N) + '"', (v) => t.is(v, '\xff\x01'.repeat(N)));
  expectData('-9223372036854775808', (v) => t.is(v, -(2n ** 63n)));
  expectData('9223372036854775807', (v) => t.is(v, 2n ** 63n - 1n));
  expectData('0'.repeat(N) + '1', (v) => t.is(v, 1));
  expectData(':', (v) => t.is(v, sym(':')));
  expectData('-', (v) => t.is(v, sym('-')));
  expectData('--5', (v) => t.is(v, sym('--5')));
  expectData('(a ; c\n)', (v) => t.is(display(v), '(a)'));
  expectData("'(1 2)", (v) => t.is(display(v), '{(1 2)}'));
  // A NUL byte ends the text, as it does for the reference's C strings.
  expectData('x\0)))', (v) => t.is(v, sym('x')));
});

// ====================================================================== 3. evaluator totality

const scratch = mkdtempSync(join(tmpdir(), 'valk-props-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Fails if anything writes to the real stdout/stderr while `fn` runs: the
 * runtime must send all output through the session's sink.
 */
function noHostOutput<T>(fn: () => T): T {
  const saved = { writeSync: fs.writeSync, out: process.stdout.write, err: process.stderr.write };
  const leaks: string[] = [];
  (fs as { writeSync: unknown }).writeSync = (fd: number, ...rest: unknown[]): number => {
    if (fd === 1 || fd === 2) {
      leaks.push(`writeSync(${fd})`);
      const b = rest[0];
      return typeof b === 'string' ? Buffer.byteLength(b) : (b as Buffer).length;
    }
    return (saved.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  };
  process.stdout.write = (() => (leaks.push('process.stdout.write'), true)) as typeof process.stdout.write;
  process.stderr.write = (() => (leaks.push('process.stderr.write'), true)) as typeof process.stderr.write;
  syncBuiltinESMExports();
  try {
    const r = fn();
    if (leaks.length > 0) fail(`output bypassed the sink: ${leaks.join(', ')}`);
    return r;
  } finally {
    (fs as { writeSync: unknown }).writeSync = saved.writeSync;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    syncBuiltinESMExports();
  }
}

/** Runs a program in script mode in a fresh session; all output is collected. */
function runProgram(text: string, fuel: number): RunResult {
  let stdout = '';
  let stderr = '';
  const session = new Session({
    cwd: scratch,
    fuel,
    sink: (fd, bytes) => {
      if (fd === 1) stdout += bytes.toString('latin1');
      else if (fd === 2) stderr += bytes.toString('latin1');
      else fail(`output to fd ${String(fd)}`);
    },
  });
  try {
    session.runSource(new Source('gen.valk', text));
    session.out.flush();
  } catch (e) {
    fail(`host exception ${e instanceof Error ? (e.stack ?? e.message) : String(e)} running ${show(text)}`);
  }
  if (session.machine.stack.length !== 0) fail(`${session.machine.stack.length} steps left on the stack after ${show(text)}`);
  if (session.machine.depth !== 0) fail(`stack-depth is ${session.machine.depth} after ${show(text)}`);
  return { stdout, stderr };
}

function checkRun(text: string, fuel = 3000): RunResult {
  const r = noHostOutput(() => runProgram(text, fuel));
  const internal = /Internal error[^\n]*/.exec(r.stdout + r.stderr);
  if (internal !== null) fail(`a host exception was caught inside the evaluator: ${internal[0]}\nprogram: ${show(text)}`);
  if (r.stderr !== '' && !r.stderr.startsWith('gen.valk:')) fail(`unexpected stderr ${show(r.stderr)} for ${show(text)}`);
  return r;
}

test('evaluator totality: random bytes as programs', (t) => {
  fc.assert(fc.property(fc.oneof(bytesArb, lexicalSoupArb), (text) => void checkRun(text)), params(400, 20));
  t.pass();
});

test('evaluator totality: generated well-formed programs', (t) => {
  fc.assert(
    fc.property(programArb, (text) => {
      checkRun(text);
    }),
    params(500, 21),
  );
  t.pass();
});

test('evaluator totality: generated programs are deterministic', (t) => {
  fc.assert(
    fc.property(programArb, (text) => {
      const a = checkRun(text);
      const b = checkRun(text);
      if (a.stdout !== b.stdout || a.stderr !== b.stderr) fail(`two runs of ${show(text)} differ`);
    }),
    params(100, 22),
  );
  t.pass();
});

test('evaluator totality: hostile programs', (t) => {
  const out = (text: string, fuel = 3000): string => checkRun(text, fuel).stdout;
  t.is(out('('.repeat(N) + ')'.repeat(N) + '(print 1)'), '1\n');
  t.is(out('(print ' + '(+ 1 '.repeat(N) + '0' + ')'.repeat(N) + ')', 2 * N), `${N}\n`);
  t.is(out('(print ' + "'".repeat(N) + 'x)'), '{'.repeat(N) + 'x' + '}'.repeat(N) + '\n');
  t.is(out('(print (eval ' + '{'.repeat(1000) + '5' + '}'.repeat(1000) + '))'), '{'.repeat(999) + '5' + '}'.repeat(999) + '\n');
  // Non-tail recursion 50 000 deep runs on the heap stack.
  t.is(out('(def {f} (\\ {n} {if (== n 0) {0} {+ 1 (f (- n 1))}})) (print (f 50000))', 1_000_000), '50000\n');
  // Runaway programs are stopped by the call budget.
  t.regex(out('(def {f} (\\ {} {f})) (f) (print 2)'), /^Error\[[^\n]*\]\n$/);
  t.regex(out('(def {f} (\\ {x} {+ 1 (f x)})) (f 1)'), /^Error\[[^\n]*\]\n$/);
  t.regex(out('(def {f} (\\ {x} {do (f x) (f x)})) (print (f 1))'), /^[^\n]*\n$/);
  t.regex(out('(def {f} (\\ {& xs} {eval (cons f xs)})) (f 1 2)'), /^Error\[[^\n]*\]\n$/);
  // Every byte alone, and in head position.
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    checkRun(c);
    checkRun('(' + c + ')');
    checkRun('(print "' + c + '")');
  }
  t.pass();
});

// ====================================================================== 4. arithmetic

const arith = new Session({ cwd: scratch, sink: () => {} });

function evalText(text: string): Value {
  const expr = readOne(new Source('arith', text));
  if (expr instanceof VError) fail(`reader error ${expr.message} on ${text}`);
  return arith.machine.run(expr, arith.global);
}

function expectNum(text: string, expected: bigint): void {
  const v = evalText(text);
  const want = canonical(BigInt.asIntN(64, expected));
  if (v !== want) fail(`${text} gave ${v instanceof VError ? `Error[${v.message}]` : `${String(v)} (${typeof v})`}, expected ${String(want)} (${typeof want})`);
}

const wrap = (b: bigint): bigint => BigInt.asIntN(64, b);

test('arithmetic: + - * / wrap to signed 64 bits, / truncates toward zero', (t) => {
  fc.assert(
    fc.property(int64, int64, (a, b) => {
      expectNum(`(+ ${a} ${b})`, a + b);
      expectNum(`(- ${a} ${b})`, a - b);
      expectNum(`(* ${a} ${b})`, a * b);
      if (b > 0n) expectNum(`(/ ${a} ${b})`, a / b);
      expectNum(`(- ${a})`, -a);
      expectNum(`(+ ${a})`, a);
      expectNum(`(* ${a})`, a);
      expectNum(`(/ ${a})`, a);
    }),
    params(1500, 30),
  );
  t.pass();
});

test('arithmetic: folds of several arguments wrap at every step', (t) => {
  fc.assert(
    fc.property(fc.array(int64, { minLength: 1, maxLength: 6 }), (ns) => {
      const text = ns.join(' ');
      expectNum(`(+ ${text})`, ns.reduce((x, y) => wrap(x + y)));
      expectNum(`(- ${text})`, ns.length === 1 ? -ns[0] : ns.reduce((x, y) => wrap(x - y)));
      expectNum(`(* ${text})`, ns.reduce((x, y) => wrap(x * y)));
      const divisors = ns.slice(1);
      if (divisors.every((d) => d > 0n)) expectNum(`(/ ${text})`, ns.reduce((x, y) => x / y));
    }),
    params(500, 31),
  );
  expectNum('(+)', 0n);
  expectNum('(*)', 1n);
  t.pass();
});

test('arithmetic: a divisor <= 0 is «Division By Zero» (spec §6.3)', (t) => {
  fc.assert(
    fc.property(int64, int64.map((b) => (b > 0n ? -b : b)), (a, b) => {
      const v = evalText(`(/ ${a} ${b})`);
      if (!(v instanceof VError && v.message === 'Division By Zero')) fail(`(/ ${a} ${b}) gave ${display(v)}`);
    }),
    params(300, 32),
  );
  t.pass();
});

test('arithmetic: comparisons and ord agree with bigint order', (t) => {
  fc.assert(
    fc.property(int64, fc.oneof(int64, fc.constant(null)), (a, bOrSame) => {
      const b = bOrSame ?? a;
      const cmp = a < b ? -1 : a > b ? 1 : 0;
      const expect = (text: string, want: number): void => {
        const v = evalText(text);
        if (v !== want) fail(`${text} gave ${display(v)}, expected ${want}`);
      };
      expect(`(< ${a} ${b})`, cmp < 0 ? 1 : 0);
      expect(`(> ${a} ${b})`, cmp > 0 ? 1 : 0);
      expect(`(<= ${a} ${b})`, cmp <= 0 ? 1 : 0);
      expect(`(>= ${a} ${b})`, cmp >= 0 ? 1 : 0);
      expect(`(== ${a} ${b})`, cmp === 0 ? 1 : 0);
      expect(`(!= ${a} ${b})`, cmp !== 0 ? 1 : 0);
      expect(`(ord ${a} ${b})`, cmp);
    }),
    params(500, 33),
  );
  t.pass();
});

test('evaluation: quoted data is never evaluated (spec §2.6, §4.1, §4.4)', (t) => {
  fc.assert(
    fc.property(data, (x) => {
      const text = readable(x);
      for (const form of [`(head {${text}})`, `(quote ${text})`, `(head '${text})`]) {
        const v = evalText(form);
        if (!identical(v, x)) fail(`${show(form)} gave ${v instanceof VError ? `Error[${v.message}]` : show(readable(v))}`);
      }
      if (x instanceof Cons && x.quoted && !identical(evalText(text), x)) fail(`the Q-expression ${show(text)} is not self-evaluating`);
    }),
    params(300, 34),
  );
  t.pass();
});

test('call budget: evaluation stops once the budget is spent, inside builtin loops too', (t) => {
  // `fuel` promises that generated programs cannot run forever. A loop that a
  // builtin drives itself must stop with the budget as well, or `(repeat + n)`
  // with a huge n never ends whatever the budget.
  for (const program of ['(repeat + 300000)', '(repeat (\\ {i} {i}) 300000)', '(len (repeat list 300000))']) {
    let stdout = '';
    const s = new Session({ cwd: scratch, fuel: 100, sink: (fd, b) => void (fd === 1 && (stdout += b.toString('latin1'))) });
    s.runSource(new Source('fuel.valk', program));
    s.out.flush();
    const attemptedAfter = -s.machine.fuel;
    t.true(attemptedAfter < 1000, `${program}: ${attemptedAfter} more calls were attempted after the budget of 100 was spent`);
    t.regex(stdout, /^Error\[Evaluation stopped[^\n]*\]\n$/, `${program}: the budget Error is not what the program ends with`);
  }
});

// ====================================================================== 5. equality

test('equality: reflexive, also against a fresh copy and a copy with every quoted flag flipped', (t) => {
  fc.assert(
    fc.property(anyValueArb, (x) => {
      if (!equal(x, x)) fail(`not == to itself: ${equalityKey(x)}`);
      if (!equal(x, deepCopy(x))) fail(`not == to a copy: ${equalityKey(x)}`);
      const flipped = flipQuoted(x);
      if (!equal(x, flipped) || !equal(flipped, x)) fail(`quoted flags changed ==: ${equalityKey(x)}`);
    }),
    params(500, 40),
  );
  t.pass();
});

/** Pairs that are often equal or nearly so, so both outcomes are exercised. */
const pairArb: fc.Arbitrary<[Value, Value]> = fc.oneof(
  fc.tuple(anyValueArb, anyValueArb),
  anyValueArb.map((x): [Value, Value] => [x, flipQuoted(x)]),
  fc.tuple(anyValueArb, anyValueArb).map(([x, y]): [Value, Value] => [x, new Cons(y, null, true)]),
  fc.tuple(anyValueArb, fc.boolean()).map(([x, q]): [Value, Value] => [x, x instanceof Cons ? new Cons(x.head, x.tail, q) : x]),
  fc.tuple(anyValueArb, anyValueArb, fc.boolean()).map(([x, y, q]): [Value, Value] => [
    new Cons(x, new Cons(y, null, q), q),
    new Cons(deepCopy(x), new Cons(y, null, !q), !q),
  ]),
  fc.tuple(dataArb(), dataArb()),
);

test('equality: symmetric, and exactly structural equality blind to flags (spec §3.4)', (t) => {
  fc.assert(
    fc.property(pairArb, ([x, y]) => {
      const xy = equal(x, y);
      if (xy !== equal(y, x)) fail(`not symmetric: ${equalityKey(x)} vs ${equalityKey(y)}`);
      if (xy !== (equalityKey(x) === equalityKey(y))) fail(`== is ${xy} for ${equalityKey(x)} vs ${equalityKey(y)}`);
    }),
    params(800, 41),
  );
  t.pass();
});

test('equality: transitive across flag-flipped copies', (t) => {
  fc.assert(
    fc.property(anyValueArb, (x) => {
      const y = flipQuoted(x);
      const z = deepCopy(y);
      if (equal(x, y) && equal(y, z) && !equal(x, z)) fail(`not transitive: ${equalityKey(x)}`);
    }),
    params(200, 42),
  );
  t.pass();
});

test('equality: the == and != builtins agree with equal', (t) => {
  const s = new Session({ cwd: scratch, sink: () => {} });
  const a = sym('a');
  const b = sym('b');
  const eq = readOne(new Source('eq', '(== a b)'));
  const ne = readOne(new Source('ne', '(!= a b)'));
  fc.assert(
    fc.property(pairArb, ([x, y]) => {
      s.global.set(a, x);
      s.global.set(b, y);
      const want = equal(x, y) ? 1 : 0;
      const got = s.machine.run(eq, s.global);
      if (got !== want) fail(`(== a b) is ${display(got)} for ${equalityKey(x)} vs ${equalityKey(y)}`);
      if (s.machine.run(ne, s.global) !== 1 - want) fail(`(!= a b) disagrees for ${equalityKey(x)} vs ${equalityKey(y)}`);
    }),
    params(400, 43),
  );
  t.pass();
});

test('equality: types never coerce', (t) => {
  fc.assert(
    fc.property(int64, (b) => {
      const n: Num = canonical(b);
      const s = b.toString();
      if (equal(n, s) || equal(s, n)) fail(`Number ${s} == String`);
      if (!isNumberToken(s)) fail('number text is not a number token');
      if (equal(s, sym('x' + s)) || equal(null, n) || equal(null, '')) fail('cross-type ==');
    }),
    params(200, 44),
  );
  t.false(equal('a', sym('a')));
  t.false(equal(null, 0));
  t.true(equal(null, null));
  t.false(equal(new VError('a'), 'a'));
  t.pass();
});
