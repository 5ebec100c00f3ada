// String builtins (spec §6.4). Strings are byte strings held one byte per char.

import { INT64_MAX, INT64_MIN, fromBig } from '../numbers.js';
import { display } from '../printer.js';
import { isNum, listFromArray, VError, type Value } from '../values.js';
import { countError, typeError } from './errors.js';
import type { Define } from './index.js';

const MAKE_STRING_LIMIT = 100 * 1024 * 1024;

function strings(args: Value[], n: number): string[] | VError {
  if (args.length !== n) return countError(args.length, '==', n);
  for (const a of args) if (typeof a !== 'string') return typeError(a, ['String']);
  return args as string[];
}

/** `str`: display forms concatenated. */
export function concat(args: Value[]): string {
  let out = '';
  for (const a of args) out += display(a);
  return out;
}

/** C strtol semantics in base 10, requiring the whole text to be consumed (spec §6.4). */
function strToNum(s: string): Value {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return s === '' ? 0 : new VError(`Invalid number: ${s}`);
  const b = BigInt(m[1] + m[2]);
  if (b < INT64_MIN || b > INT64_MAX) return new VError(`Number out of range: ${s}`);
  return fromBig(b);
}

export function install(define: Define): void {
  define('str', (args) => concat(args));

  define('str->num', (args) => {
    const ss = strings(args, 1);
    return ss instanceof VError ? ss : strToNum(ss[0]);
  });

  define('str/split', (args) => {
    const ss = strings(args, 2);
    if (ss instanceof VError) return ss;
    const [s, delim] = ss;
    if (delim === '') return new VError('str/split: delimiter cannot be empty');
    return listFromArray(s.split(delim), false);
  });

  define('str/replace', (args) => {
    const ss = strings(args, 3);
    if (ss instanceof VError) return ss;
    const [s, from, to] = ss;
    if (from === '') return new VError('str/replace: search string cannot be empty');
    return s.split(from).join(to);
  });

  define('str/slice', (args) => {
    if (args.length !== 3) return countError(args.length, '==', 3);
    const [s, start, end] = args;
    if (typeof s !== 'string') return typeError(s, ['String']);
    if (!isNum(start)) return typeError(start, ['Number']);
    if (!isNum(end)) return typeError(end, ['Number']);
    const e = end > s.length ? s.length : Number(end);
    const b = start < 0 ? 0 : start > e ? e : Number(start);
    return s.slice(b, Math.max(b, e));
  });

  define('make-string', (args) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const [n, pat] = args;
    if (!isNum(n)) return new VError('make-string: first argument must be a number');
    if (n < 0) return new VError('make-string: count must be non-negative');
    let unit: string;
    if (typeof pat === 'string') unit = pat;
    else if (isNum(pat)) {
      // One byte with that code; a NUL byte ends a C string, so it makes an empty one.
      const code = Number(BigInt.asUintN(8, BigInt(pat)));
      unit = code === 0 ? '' : String.fromCharCode(code);
    }
    else return new VError('make-string: second argument must be string or number (char code)');
    if (n === 0 || unit === '') return '';
    const size = BigInt(n) * BigInt(unit.length);
    if (size > BigInt(MAKE_STRING_LIMIT)) return new VError(`make-string: requested size ${size} exceeds 100MB limit`);
    return unit.repeat(Number(n));
  });
}
