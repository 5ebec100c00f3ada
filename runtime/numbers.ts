// Signed 64-bit integer arithmetic that wraps, exact at every magnitude.
// Fast path: both operands are JS numbers and the result is a safe integer, in
// which case the double result is exact. Otherwise the operation is redone in
// bigint and wrapped to 64 bits; results that fit back into the safe range are
// returned as numbers again, keeping the representation canonical.

import type { Num } from './values.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function fromBig(b: bigint): Num {
  const w = BigInt.asIntN(64, b);
  return w >= MIN_SAFE && w <= MAX_SAFE ? Number(w) : w;
}

function big(a: Num): bigint {
  return typeof a === 'bigint' ? a : BigInt(a);
}

export function add(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return fromBig(big(a) + big(b));
}

export function sub(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return fromBig(big(a) - big(b));
}

export function mul(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    // `+ 0` turns -0 into 0: Valkyria has one zero.
    if (Number.isSafeInteger(r)) return r + 0;
  }
  return fromBig(big(a) * big(b));
}

export function neg(a: Num): Num {
  return typeof a === 'number' ? 0 - a : fromBig(-a);
}

/** Truncating division; the caller has already rejected divisors <= 0. */
export function div(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return (a - (a % b)) / b + 0;
  return fromBig(big(a) / big(b));
}

export function compare(a: Num, b: Num): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses a decimal literal already known to be `-?[0-9]+`; undefined if outside 64 bits. */
export function parseInt64(digits: string): Num | undefined {
  const b = BigInt(digits);
  if (b < INT64_MIN || b > INT64_MAX) return undefined;
  return fromBig(b);
}

export function numToString(n: Num): string {
  return typeof n === 'number' ? String(n) : n.toString();
}
