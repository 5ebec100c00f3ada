// Integer arithmetic and comparison (spec §6.3).

import { equal } from '../equality.js';
import { add, compare, div, mul, neg, sub } from '../numbers.js';
import { isNum, typeName, VError, type Num, type Value } from '../values.js';
import { countError, numbersOnly, typeError } from './errors.js';
import type { Define } from './index.js';

const DIVISION_BY_ZERO = 'Division By Zero';

function numbers(args: Value[]): Num[] | VError {
  for (const a of args) if (!isNum(a)) return numbersOnly(a);
  return args as Num[];
}

function fold(op: (a: Num, b: Num) => Num, empty: Num | VError): (args: Value[]) => Value {
  return (args) => {
    const ns = numbers(args);
    if (ns instanceof VError) return ns;
    if (ns.length === 0) return empty;
    let acc = ns[0];
    for (let i = 1; i < ns.length; i++) acc = op(acc, ns[i]);
    return acc;
  };
}

function comparison(test: (c: number) => boolean): (args: Value[]) => Value {
  return (args) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const [a, b] = args;
    if (!isNum(a)) return typeError(a, ['Number']);
    if (!isNum(b)) return typeError(b, ['Number']);
    return test(compare(a, b)) ? 1 : 0;
  };
}

/** C strcmp on byte strings: the difference of the first differing bytes. */
function strcmp(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return (a.charCodeAt(n) || 0) - (b.charCodeAt(n) || 0);
}

export function install(define: Define): void {
  define('+', fold(add, 0));
  define('*', fold(mul, 1));
  define('-', (args) => {
    const ns = numbers(args);
    if (ns instanceof VError) return ns;
    if (ns.length === 0) return countError(0, '>', 0);
    if (ns.length === 1) return neg(ns[0]);
    let acc = ns[0];
    for (let i = 1; i < ns.length; i++) acc = sub(acc, ns[i]);
    return acc;
  });
  define('/', (args) => {
    const ns = numbers(args);
    if (ns instanceof VError) return ns;
    if (ns.length === 0) return countError(0, '>', 0);
    let acc = ns[0];
    for (let i = 1; i < ns.length; i++) {
      // The reference rejects every divisor <= 0, negative ones included (spec D7).
      if (ns[i] <= 0) return new VError(DIVISION_BY_ZERO);
      acc = div(acc, ns[i]);
    }
    return acc;
  });

  define('>', comparison((c) => c > 0));
  define('<', comparison((c) => c < 0));
  define('>=', comparison((c) => c >= 0));
  define('<=', comparison((c) => c <= 0));

  define('==', (args) => (args.length !== 2 ? countError(args.length, '==', 2) : equal(args[0], args[1]) ? 1 : 0));
  define('!=', (args) => (args.length !== 2 ? countError(args.length, '==', 2) : equal(args[0], args[1]) ? 0 : 1));

  define('ord', (args) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const [a, b] = args;
    if (isNum(a) && isNum(b)) return compare(a, b);
    if (typeof a === 'string' && typeof b === 'string') return strcmp(a, b);
    return new VError(`ord requires two Numbers or two Strings, got ${typeName(a)} and ${typeName(b)}`);
  });
}
