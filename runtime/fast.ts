// The runtime side of fast bodies (compiler/fast.ts, docs/compiler.md "Fast
// bodies"): how a fast body gives up, how compiled code gives its lambda one,
// and the prelude's list walkers for fast bodies, which call the fast body of
// the function they are given on each element.

import type { Cell, Frame } from './frame.js';
import { Handle } from './aio/handle.js';
import { Builtin, Cons, Lambda, type Code, type List, type Value } from './values.js';

/** Calls into other fast bodies deeper than this give up: the general code keeps long chains of tail calls in constant stack. */
export const FAST_DEPTH = 10_000;

/**
 * Thrown by a fast body where it cannot go on as the general code would: the
 * call runs the general code instead, which is sound because fast bodies have
 * no effects.
 */
export const BAIL: unknown = Object.freeze({ bail: true });
export function bail(): never {
  throw BAIL;
}

/**
 * A compiled lambda with fast bodies, whose recursion goes through the global
 * `self`: a direct one, and (when it may suspend) a continuation-passing one.
 */
export function withFast(f: Lambda, fast: Code | undefined, self: Cell, kfast?: Code): Lambda {
  f.fast = fast;
  f.kfast = kfast;
  f.fastSelf = self;
  return f;
}

/**
 * The continuation-passing fast body of global g's value, as such a body calls
 * it with n arguments (and its continuation): one of its own, whose global
 * still holds it, with calls not nested too deep.
 */
export function fastKIn(g: Cell, n: number, depth: number): Code {
  const f = g.v;
  return depth < FAST_DEPTH && f instanceof Lambda && f.direct === n && f.fastSelf?.v === f && f.kfast !== undefined ? f.kfast : bail();
}

/** The continuation a reset's fast body starts with: what the body ends with is the reset's value. */
export const answer = (v: Value): Value => v;

/**
 * What a reset's fast body threw: a bail, or the JS stack running out (its
 * continuations nest as calls), either of which leaves the reset to the
 * general code; anything else is not the fast body's to handle.
 */
export function bailed(e: unknown): void {
  if (e !== BAIL && !(e instanceof RangeError)) throw e;
}

type Fast1 = (x: Value, depth: number) => Value;
type Fast2 = (x: Value, y: Value, depth: number) => Value;

/** f's fast body, when f is a function with one taking n arguments and its own global still holds it. */
function fastBody(f: Value | undefined, n: number): Code | undefined {
  return f instanceof Lambda && f.direct === n && f.fastSelf?.v === f ? f.fast : undefined;
}

/**
 * f's fast body, as a fast body calls a global's value or walks with it: one
 * taking n arguments (see fastBody), with calls not nested too deep.
 */
export function fastOf(f: Value | undefined, n: number, depth: number): Code {
  const body = depth < FAST_DEPTH ? fastBody(f, n) : undefined;
  return body ?? bail();
}

/** The fast body of global g's value, as a fast body calls it with n arguments: the one g keeps, or as fastOf finds it. */
export function fastIn(g: Cell, n: number, depth: number): Code {
  return g.fastArity === n && depth < FAST_DEPTH ? g.fast! : fastOf(g.v, n, depth);
}

/**
 * `(aio/await h)` in a fast body: the result of a handle that has completed,
 * which the standard builtin gives at once (as runtime/cps.ts awaitNow); any
 * other wait is left to the general code.
 */
export function awaited(h: Value): Value {
  return h instanceof Handle && h.status === 'completed' ? h.value : bail();
}

/** c as a cell of the list being walked: anything else is left to the general code. */
function asCell(c: Value): Cons {
  return c instanceof Cons ? c : bail();
}

/**
 * A list of the values in order, made front to back (its cells are not seen
 * before it is whole): a Q-expression unless told otherwise. A fast body's
 * walks use it too.
 */
export class ListBuilder {
  first: List = null;
  private last: Cons | null = null;
  constructor(private readonly quoted = true) {}
  add(v: Value): void {
    const cell = new Cons(v, null, this.quoted);
    if (this.last === null) this.first = cell;
    else this.last.tail = cell;
    this.last = cell;
  }
  /** The list, with `tail` shared after the values added. */
  endWith(tail: List): List {
    if (this.last === null) return tail;
    this.last.tail = tail;
    return this.first;
  }
}

/**
 * `join x y` of two lists, as the builtin makes it: x's elements in new cells of
 * x's kind in front of y, which is shared; Nil and y give y. Other arguments
 * are left to the general code.
 */
export function join2(x: Value, y: Value): Value {
  if (!(y === null || y instanceof Cons) || !(x === null || x instanceof Cons)) return bail();
  const out = new ListBuilder(x?.quoted);
  for (let c: List = x; c !== null; c = c.tail) out.add(c.head);
  return out.endWith(y);
}

// The prelude's walkers, given the fast body of their function (or a lambda's code, compiler/fast.ts).

/** `map f l`: f on each element. */
export function fastMap(f: Code, l: Value, depth: number): Value {
  const fast = f as Fast1;
  const out = new ListBuilder();
  for (let c = l; c !== null; ) {
    const cell = asCell(c);
    out.add(fast(cell.head, depth + 1));
    c = cell.tail;
  }
  return out.first;
}

/** `filter f l`: the elements on which f gives a true value. */
export function fastFilter(f: Code, l: Value, depth: number): Value {
  const fast = f as Fast1;
  const out = new ListBuilder();
  for (let c = l; c !== null; ) {
    const cell = asCell(c);
    const keep = fast(cell.head, depth + 1);
    if (keep !== 0 && keep !== null) out.add(cell.head);
    c = cell.tail;
  }
  return out.first;
}

/** `foldl f z l`: f from z over the elements. */
export function fastFoldl(f: Code, z: Value, l: Value, depth: number): Value {
  const fast = f as Fast2;
  let acc = z;
  for (let c = l; c !== null; ) {
    const cell = asCell(c);
    acc = fast(acc, cell.head, depth + 1);
    c = cell.tail;
  }
  // The last level's `{z}` calls a function value (spec §4.3).
  return acc instanceof Lambda || acc instanceof Builtin ? bail() : acc;
}

/**
 * A walk of the runtime's map, filter or foldl (runtime/natives.ts) with the
 * fast body of f, when f has one taking n arguments, its own global still
 * holds it, and every standard name of the global frame holds its standard
 * value; undefined otherwise. A fast body that gives up leaves f to its
 * general code from then on, as its own entry does.
 */
export function walkFast(global: Frame, f: Value, n: number, walk: (fast: Code) => Value): Value | undefined {
  const body = fastBody(f, n);
  if (body === undefined || !global.standardsHeld) return undefined;
  try {
    return walk(body);
  } catch (e) {
    if (e !== BAIL) throw e;
    (f as Lambda).fast = undefined;
    (f as Lambda).fastSelf!.refreshFast();
    return undefined;
  }
}
