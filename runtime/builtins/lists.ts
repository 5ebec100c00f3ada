// List builtins (spec §6.2, except `eval`).

import type { Frame } from '../frame.js';
import { add, compare, sub } from '../numbers.js';
import {
  Cons,
  isFunc,
  isNum,
  listFromArray,
  listLength,

  VError,
  type BuiltinResult,
  type Control,
  type Kont,
  type List,
  type Num,
  type Value,
} from '../values.js';
import { countError, typeError } from './errors.js';
import type { Define } from './index.js';

function nonEmpty(name: 'head' | 'tail', args: Value[]): Cons | VError {
  if (args.length !== 1) return new VError(`Builtin \`${name}\` passed too many arguments`);
  const l = args[0];
  if (!(l instanceof Cons)) return typeError(l, ['List', 'List']);
  return l;
}

/** `join` (spec §6.2): copies the accumulated cells, shares the last appended list's cells. */
export function join(args: Value[]): Value {
  if (args.length === 0) return countError(0, '>', 0);
  const first = args[0];
  if (first !== null && !(first instanceof Cons)) return typeError(first, ['List', 'List', 'Nil']);
  const items: Value[] = [];
  // The accumulated kind; undefined while the accumulated list is still Nil.
  let quoted: boolean | undefined;
  let shared: List = first;
  for (let i = 1; i < args.length; i++) {
    if (shared !== null) {
      quoted ??= shared.quoted;
      for (let c: List = shared; c !== null; c = c.tail) items.push(c.head);
      shared = null;
    }
    const a = args[i];
    if (a === null || a instanceof Cons) shared = a;
    else {
      quoted ??= false;
      items.push(a);
    }
  }
  if (items.length === 0) {
    // Only lists were given and all but the last were empty: nothing is copied.
    if (args.length === 1 && first instanceof Cons) return listFromArray(listToItems(first), first.quoted);
    return shared;
  }
  return listFromArray(items, quoted ?? false, shared);
}

function listToItems(l: List): Value[] {
  const out: Value[] = [];
  for (let c = l; c !== null; c = c.tail) out.push(c.head);
  return out;
}

/** `repeat`: calls f with 0 … n−1 in turn through normal application. */
class RepeatK implements Kont {
  constructor(
    private readonly f: Value,
    private i: Num,
    private readonly n: Num,
    private done: Value[],
    private readonly env: Frame,
  ) {}
  resume(m: Control, v: Value): BuiltinResult {
    this.done.push(v);
    this.i = add(this.i, 1);
    return this.next(m);
  }
  next(m: Control): BuiltinResult {
    if (compare(this.i, this.n) >= 0) return listFromArray(this.done, false);
    // A non-function gives one type Error per element rather than a call error.
    if (!isFunc(this.f)) return this.resume(m, typeError(this.f, ['Function']));
    m.push(this);
    return m.applyTail(this.f, [this.i], this.env);
  }
  clone(): Kont {
    return new RepeatK(this.f, this.i, this.n, this.done.slice(), this.env);
  }
}

/** Lists longer than this are refused with an Error rather than exhausting memory. */
const MAX_RANGE = 50_000_000;

export function install(define: Define): void {
  define('list', (args) => listFromArray(args, true));

  define('head', (args) => {
    const l = nonEmpty('head', args);
    return l instanceof VError ? l : l.head;
  });

  define('tail', (args) => {
    const l = nonEmpty('tail', args);
    return l instanceof VError ? l : l.tail;
  });

  define('init', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const l = args[0];
    if (!(l instanceof Cons)) return typeError(l, ['List']);
    const items = listToItems(l);
    items.pop();
    return listFromArray(items, l.quoted);
  });

  define('cons', (args) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const l = args[1];
    if (l !== null && !(l instanceof Cons)) return typeError(l, ['List', 'Nil']);
    return new Cons(args[0], l, false);
  });

  define('join', join);

  define('len', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const v = args[0];
    if (v === null || v instanceof Cons) return listLength(v);
    if (typeof v === 'string') return v.length;
    return typeError(v, ['List', 'Nil', 'String']);
  });

  define('range', (args) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const [a, b] = args;
    if (!isNum(a)) return typeError(a, ['Number']);
    if (!isNum(b)) return typeError(b, ['Number']);
    if (compare(a, b) >= 0) return null;
    if (compare(sub(b, a), MAX_RANGE) > 0 || typeof sub(b, a) === 'bigint') return new VError(`range: more than ${MAX_RANGE} elements`);
    let out: List = null;
    for (let i = sub(b, 1); ; i = sub(i, 1)) {
      out = new Cons(i, out, false);
      if (i === a) return out;
    }
  });

  define('repeat', (args, env, m) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const [f, n] = args;
    if (!isNum(n)) return typeError(n, ['Number']);
    return new RepeatK(f, 0, n, [], env).next(m);
  });
}

