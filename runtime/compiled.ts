// What compiled modules call. Every emitted module imports this file as `R`.
//
// Calls from compiled code return a value, or REFLECT when the callee turns
// out to be a builtin that must see the caller's frame (eval, =, def, select,
// do, ...). The call site then builds that frame from its JS locals, finishes
// the call with `reflectIn`, and reads the locals back: locals stay plain JS
// variables on every other path.

import { apply, applyCompiled, calls, callBuiltin, callPlain, currentHost, currentMachine, settle, tail as pendingTail, TAIL } from './calls.js';
import { equal } from './equality.js';
import { Cell, Frame } from './frame.js';
import * as num from './numbers.js';
import { parseProgram, Source } from './reader.js';
import type { Instantiate, TopForm } from './session.js';
import { typeError } from './builtins/errors.js';
import { Builtin, Cons, Lambda, Sym, VError, sym, toSexpr, type Code, type Value } from './values.js';

export { calls, callPlain, settle, sym, Builtin, Cons, Lambda, VError, TAIL };
export { awaitNow, kcall, kcall0, kcall1, kcall2, kcall3, knative, kreflect, keval, kret, kreset, kshift, reset, shiftOutside, spawnAsync } from './cps.js';
export { WAIT } from './fibers.js';
export { cpsHolds } from './suspends.js';
export { isFunc } from './values.js';
export const isSafeInteger = Number.isSafeInteger;
export { map as native_map, filter as native_filter, foldl as native_foldl } from './natives.js';

export { BAIL, FAST_DEPTH, bail, withFast, fastOf, fastIn, fastKIn, answer, bailed, awaited, ListBuilder, join2, fastMap, fastFilter, fastFoldl } from './fast.js';
export { equal as valuesEqual };

/** Returned by a call helper when the callee needs the caller's frame; the call is pending. */
export const REFLECT = new VError('internal: reflective call pending') as Value;
let pendingFn: Builtin | undefined;
let pendingArgs: Value[] = [];

/** The source's forms, read again at run time so literals are the very data the program can observe. */
export function forms(path: string, text: string): Value[] {
  return parseProgram(new Source(path, text)).forms;
}

/** Follows element indices into nested lists: at(x, 2, 0) is the first element of x's third element. */
export function at(root: Value, ...path: number[]): Value {
  let v = root;
  for (const i of path) {
    let c = v as Cons;
    for (let k = 0; k < i; k++) c = c.tail!;
    v = c.head;
  }
  return v;
}

/** A list without its first n cells. */
export function drop(list: Value, n: number): Value {
  let c = list;
  for (let i = 0; i < n; i++) c = (c as Cons).tail;
  return c;
}

/** A top-level form with continuation-passing code, which runs when the main fiber may suspend. */
export function top(direct: () => Value, cps: TopForm['cps'], loads = false): TopForm {
  return Object.assign(direct, { cps, loads });
}

export function lambda(
  formals: Value,
  body: Value,
  code: Code,
  arity: number,
  rest: boolean,
  scope: () => Frame,
  cps?: Code | null,
  calls?: readonly Cell[],
  guards?: readonly Cell[],
  assumedCalls?: readonly Cell[],
  assumedGuards?: readonly Cell[],
  guarded?: readonly number[],
  self?: Cell,
): Lambda {
  const leaf = calls === undefined ? undefined : { calls, guards: guards! };
  const assumes = assumedCalls === undefined ? undefined : { calls: assumedCalls, guards: assumedGuards! };
  const f = new Lambda(formals as Cons | null, body, null, code, arity, rest, undefined, scope, cps, leaf, assumes);
  if (guarded !== undefined) f.guarded = { positions: guarded, self: self! };
  return f;
}

export function err(message: string): VError {
  return new VError(message);
}

// ---- calls ----

function slow(fn: Value, args: Value[]): Value {
  if (fn instanceof Builtin) {
    if (fn.reflective) {
      pendingFn = fn;
      pendingArgs = args;
      return REFLECT;
    }
    if (fn.plain) return callPlain(fn, args);
    return callBuiltin(fn, args, currentMachine().global);
  }
  return apply(fn, args, currentMachine().global);
}

export function call0(f: Value): Value {
  if (f instanceof Lambda && f.direct === 0) {
    const r = (f.code as () => Value)();
    return r === TAIL ? settle(r) : r;
  }
  return slow(f, []);
}
export function call1(f: Value, a: Value): Value {
  if (f instanceof Lambda && f.direct === 1) {
    const r = (f.code as (a: Value) => Value)(a);
    return r === TAIL ? settle(r) : r;
  }
  return slow(f, [a]);
}
export function call2(f: Value, a: Value, b: Value): Value {
  if (f instanceof Lambda && f.direct === 2) {
    const r = (f.code as (a: Value, b: Value) => Value)(a, b);
    return r === TAIL ? settle(r) : r;
  }
  return slow(f, [a, b]);
}
export function call3(f: Value, a: Value, b: Value, c: Value): Value {
  if (f instanceof Lambda && f.direct === 3) {
    const r = (f.code as (a: Value, b: Value, c: Value) => Value)(a, b, c);
    return r === TAIL ? settle(r) : r;
  }
  return slow(f, [a, b, c]);
}
export function call4(f: Value, a: Value, b: Value, c: Value, d: Value): Value {
  if (f instanceof Lambda && f.direct === 4) {
    const r = (f.code as (a: Value, b: Value, c: Value, d: Value) => Value)(a, b, c, d);
    return r === TAIL ? settle(r) : r;
  }
  return slow(f, [a, b, c, d]);
}
export function callN(f: Value, args: Value[]): Value {
  if (f instanceof Lambda && f.code !== undefined) return settle(applyCompiled(f, args));
  return slow(f, args);
}

/** The single-element rule (spec §4.3): a function value is called with no arguments. */
export function single(v: Value): Value {
  return v instanceof Lambda || v instanceof Builtin ? call0(v) : v;
}

/** A call in tail position of a lambda body: lambdas are left to the caller's trampoline. */
export function tailCall(k: number, f: Value, args: Value[]): Value {
  if (f instanceof Lambda) return pendingTail(k, f, args);
  return slow(f, args);
}

/** The bundled prelude's compiled module, whichever way it was bundled or copied. */
const standardPreludes = new WeakSet<Instantiate>();
export function markStandardPrelude(instantiate: Instantiate): void {
  standardPreludes.add(instantiate);
}
export function isStandardPrelude(instantiate: Instantiate): boolean {
  return standardPreludes.has(instantiate);
}

/** `(load "path")` compiled into an import of that file's module (spec §6.6): returns Nil. */
export function loadModule(instantiate: Instantiate): Value {
  currentHost().runModule(instantiate);
  return null;
}

/** Finishes the pending reflective call with the caller's frame. */
export function reflectIn(env: Frame): Value {
  const fn = pendingFn!;
  pendingFn = undefined;
  return callBuiltin(fn, pendingArgs, env);
}

// ---- the caller's frame, built on demand from JS locals ----

/** Builds (or refreshes) a compiled scope's frame: `pairs` alternate symbols and current values. */
export function sync(env: Frame | null, parent: Frame, ...pairs: Value[]): Frame {
  const f = env ?? new Frame(parent);
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i + 1] !== undefined) f.set(pairs[i] as Sym, pairs[i + 1]);
  return f;
}

/**
 * A compiled lambda call's frame, built from its JS variables (names bound by `=`
 * that are still undefined are left out). When the lambda was entered through
 * partial application, its first `bound` parameters go in a parent frame of
 * their own, as the evaluator binds them.
 */
export function makeFrame(parent: Frame, bound: number | undefined, names: Sym[], values: Array<Value | undefined>): Frame {
  const outer = bound ? new Frame(parent) : parent;
  const f = new Frame(outer);
  if (bound) withBoundParent.add(f);
  for (let i = 0; i < names.length; i++) {
    const v = values[i];
    if (v !== undefined) (i < (bound ?? 0) ? outer : f).set(names[i], v);
  }
  return f;
}

/** Frames made by makeFrame whose parent holds the arguments bound by partial application. */
const withBoundParent = new WeakSet<Frame>();

/** A compiled scope's own binding of a name in its frame (its partially applied arguments included), if any. */
export function own(env: Frame | null, name: Sym): Value | undefined {
  if (env === null) return undefined;
  const v = env.own(name);
  return v === undefined && withBoundParent.has(env) ? env.parent!.own(name) : v;
}

/** The frame of `fun`'s call, which functions defined with `fun` see (spec §5.5). */
export function funFrame(global: Frame, fnList: Value, body: Value): Frame {
  return sync(null, global, sym('_fn'), fnList, sym('_body'), body);
}

/** Evaluates data with the evaluator in a frame (the compiler's escape hatch). */
export function evalIn(datum: Value, env: Frame): Value {
  return currentMachine().run(datum, env);
}

/** Runs a Q-expression's elements as an S-expression, as an `if` branch would. */
export function evalCode(datum: Value, env: Frame): Value {
  return currentMachine().run(datum instanceof Cons ? toSexpr(datum) : datum, env);
}

/** The type Error of a `select` condition that is not a Number. */
export function notNumber(v: Value): VError {
  return typeError(v, ['Number']);
}

/** `do`'s second pass on one value: only symbols and S-expressions do anything. */
export function needsReeval(v: Value): boolean {
  return v instanceof Sym ? !v.keyword : v instanceof Cons && !v.quoted;
}

/** `def` and `=` look a symbol value up once more (spec §5.3). */
export function needsLookup(v: Value): v is Sym {
  return v instanceof Sym && !v.keyword;
}

export function lookupIn(env: Frame, s: Sym): Value {
  const v = env.lookup(s);
  return v === undefined ? new VError(`LEnv: Symbol \`${s.name}\` is not bound`) : v;
}

export function unbound(name: Sym): VError {
  return new VError(`LEnv: Symbol \`${name.name}\` is not bound`);
}

// ---- arithmetic and comparison: the head value h has been evaluated; the fast
// path applies while it is the standard builtin of its global c ----

export function add(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return slow(h, [a, b]);
}
export function sub(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return slow(h, [a, b]);
}
export function mul(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r + 0;
  }
  return slow(h, [a, b]);
}
export function div(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number' && b > 0) return num.div(a, b);
  return slow(h, [a, b]);
}
export function lt(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number') return a < b ? 1 : 0;
  return slow(h, [a, b]);
}
export function gt(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number') return a > b ? 1 : 0;
  return slow(h, [a, b]);
}
export function le(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number') return a <= b ? 1 : 0;
  return slow(h, [a, b]);
}
export function ge(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std && typeof a === 'number' && typeof b === 'number') return a >= b ? 1 : 0;
  return slow(h, [a, b]);
}
export function eq(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std) return a === b || equal(a, b) ? 1 : 0;
  return slow(h, [a, b]);
}
export function ne(h: Value, c: Cell, a: Value, b: Value): Value {
  if (h === c.std) return a === b || equal(a, b) ? 0 : 1;
  return slow(h, [a, b]);
}
export function head(h: Value, _c: Cell, a: Value): Value {
  return slow(h, [a]);
}
export function tail(h: Value, _c: Cell, a: Value): Value {
  return slow(h, [a]);
}
export function cons(h: Value, _c: Cell, a: Value, b: Value): Value {
  return slow(h, [a, b]);
}
export function neg(h: Value, c: Cell, a: Value): Value {
  if (h === c.std && typeof a === 'number' && a !== 0) return -a;
  return slow(h, [a]);
}
