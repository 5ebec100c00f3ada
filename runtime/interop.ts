// Values crossing between JavaScript and Valkyria, in both directions. The
// rules, and why they are what they are, are in docs/interop.md.
//
// Two strictnesses: when JavaScript calls Valkyria, an argument with no
// Valkyria form (1.5, 2n ** 70n, a string holding NUL) is the caller's
// mistake and is thrown back as a TypeError or RangeError; when Valkyria calls
// JavaScript, a result with no Valkyria form stays a JS value behind a
// reference, so it can be handed back to JavaScript unchanged.

import { apply, attachHost, calls, currentHost, type Host } from './calls.js';
import { fromBig, INT64_MAX, INT64_MIN } from './numbers.js';
import { Builtin, Cons, HostValue, Lambda, Ref, Sym, sym, VError, type Func, type List, type Value } from './values.js';
import { CANCELLED, Handle } from './aio/handle.js';
import { display } from './printer.js';

/**
 * A value as JavaScript sees it on either side of a call into Valkyria:
 * arguments may be any of these, results are numbers, bigints, strings,
 * arrays, objects (from plists), functions, ValkError objects, or the host
 * objects that were passed in.
 */
export type ValkValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | ValkValue[]
  | { [key: string]: ValkValue }
  | ValkFunction
  | Error
  | object;

/** A Valkyria function as JavaScript calls it. */
export type ValkFunction = (...args: ValkValue[]) => ValkValue;

/** A Valkyria Error value, thrown to JavaScript when a call gives one. */
export class ValkError extends Error {
  static {
    // On the prototype, as for JS's own errors.
    this.prototype.name = 'ValkError';
  }
}

/** The tag of references that hold JavaScript values (printed `<ref:js>`). */
export const JS_REF = 'js';

/** `strict`: JavaScript is calling Valkyria; `wrap`: Valkyria is calling JavaScript (see the top of this file). */
export type Strictness = 'strict' | 'wrap';

// ---- strings: Valkyria strings are bytes, one char per byte; JS strings are UTF-16 ----

const NON_ASCII = /[^\x00-\x7f]/;

/** A JS string as the bytes of its UTF-8 encoding. */
export function encodeUtf8(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** A Valkyria byte string decoded as UTF-8 (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: string): string {
  return NON_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

// ---- JavaScript to Valkyria ----

/** JS functions already seen from Valkyria, and Valkyria functions already seen from JS: identity survives a round trip. */
const builtinOf = new WeakMap<Function, JsFunction>();
const valkOf = new WeakMap<Function, Func>();
const jsOf = new WeakMap<Func, ValkFunction>();

/** A JavaScript function as a Valkyria builtin: it converts its arguments and result, and a throw becomes an Error value. */
export class JsFunction extends Builtin {
  constructor(readonly target: Function) {
    super(target.name === '' ? 'js' : encodeUtf8(target.name), (args) => callJs(target, undefined, args));
  }
}

/** The message of a JS exception as a Valkyria Error message. */
export function errorValue(e: unknown): VError {
  if (e instanceof ValkError) return new VError(encodeUtf8(e.message));
  if (e instanceof Error) return new VError(encodeUtf8(e.name === 'Error' ? e.message : `${e.name}: ${e.message}`));
  return new VError(encodeUtf8(String(e)));
}

/** Calls a JS function from Valkyria: arguments to JS, the result back (never a thrown exception). */
export function callJs(fn: Function, self: unknown, args: readonly Value[]): Value {
  try {
    return toValk(Reflect.apply(fn, self, args.map(toJs)), 'wrap');
  } catch (e) {
    return errorValue(e);
  }
}

/** Constructs with a JS constructor from Valkyria (`new`), as callJs calls. */
export function constructJs(ctor: Function, args: readonly Value[]): Value {
  try {
    return toValk(Reflect.construct(ctor, args.map(toJs)), 'wrap');
  } catch (e) {
    return errorValue(e);
  }
}

/** An object that becomes a plist: a plain object of data (one with methods, a tag or a class is a host object). */
function isPlainData(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  if ((proto !== Object.prototype && proto !== null) || Symbol.toStringTag in o) return false;
  return Object.values(o).every((v) => typeof v !== 'function');
}

function noForm(x: unknown, strictness: Strictness, error: Error): Value {
  if (strictness === 'strict') throw error;
  return new Ref(JS_REF, x);
}

function toValkIn(x: unknown, strictness: Strictness, open: Set<object>): Value {
  switch (typeof x) {
    case 'number':
      if (Number.isSafeInteger(x)) return x + 0;
      if (Number.isInteger(x) && x >= -(2 ** 63) && x < 2 ** 63) return fromBig(BigInt(x));
      return noForm(x, strictness, Number.isInteger(x) ? new RangeError(`${x} is outside the signed 64-bit range of Valkyria numbers`) : new TypeError(`${x} is not an integer: Valkyria numbers are integers`));
    case 'bigint':
      if (x >= INT64_MIN && x <= INT64_MAX) return fromBig(x);
      return noForm(x, strictness, new RangeError(`${x} is outside the signed 64-bit range of Valkyria numbers`));
    case 'string':
      if (x.includes('\0')) return noForm(x, strictness, new TypeError('a Valkyria string cannot hold a NUL character'));
      return encodeUtf8(x);
    case 'boolean':
      return x ? 1 : 0;
    case 'undefined':
      return null;
    case 'function':
      return valkOf.get(x) ?? fromJsFunction(x);
    case 'symbol':
      return noForm(x, strictness, new TypeError(`${String(x)} has no Valkyria form`));
  }
  const o = x as object | null;
  if (o === null) return null;
  if (o instanceof Ref || o instanceof HostValue) return o;
  if (o instanceof Error) return errorValue(o);
  if (o instanceof Promise) return promiseHandle(o);
  const array = Array.isArray(o);
  if (!array && !isPlainData(o)) return new Ref(JS_REF, o);
  if (open.has(o)) return noForm(o, strictness, new TypeError('a cyclic structure has no Valkyria form'));
  open.add(o);
  let items: Value[];
  if (array) items = Array.from(o as unknown[], (v) => toValkIn(v, strictness, open));
  else items = Object.entries(o).flatMap(([k, v]) => [sym(`:${encodeUtf8(k)}`), toValkIn(v, strictness, open)]);
  open.delete(o);
  let list: List = null;
  for (let i = items.length - 1; i >= 0; i--) list = new Cons(items[i], list, true);
  return list;
}

/** A Promise as a handle (spec §10) that settles when it does: a rejection fails it with the Error of the reason. */
function promiseHandle(p: Promise<unknown>): Handle {
  const h = new Handle(true);
  p.then(
    (v) => h.complete(toValk(v, 'wrap')),
    (e: unknown) => h.fail(errorValue(e)),
  );
  return h;
}

/** A handle as a Promise: it resolves with the result, rejects with a ValkError for a failure or a cancellation. */
function handlePromise(h: Handle): Promise<ValkValue> {
  return new Promise((resolve, reject) =>
    h.whenSettled((s) => {
      if (s.status === 'completed') resolve(toJs(s.value));
      else reject(s.status === 'failed' && s.value instanceof VError ? toJs(s.value) : new ValkError(s.status === 'failed' ? decodeUtf8(display(s.value)) : CANCELLED));
    }),
  );
}

function fromJsFunction(fn: Function): JsFunction {
  let b = builtinOf.get(fn);
  if (b === undefined) builtinOf.set(fn, (b = new JsFunction(fn)));
  return b;
}

/** A JavaScript value as a Valkyria value (docs/interop.md); `strict` throws where there is no Valkyria form. */
export function toValk(x: unknown, strictness: Strictness = 'strict'): Value {
  return toValkIn(x, strictness, new Set());
}

// ---- Valkyria to JavaScript ----

/** A list that alternates keywords and values, starting with a keyword: it becomes an object. */
function isPlist(l: Cons): boolean {
  for (let c: List = l; c !== null; c = c.tail!.tail) {
    if (!(c.head instanceof Sym) || !c.head.keyword || c.tail === null) return false;
  }
  return true;
}

function listToJs(l: Cons): ValkValue {
  if (isPlist(l)) {
    const entries = new Map<string, ValkValue>();
    for (let c: List = l; c !== null; c = c.tail!.tail) {
      const key = decodeUtf8((c.head as Sym).name.slice(1));
      // As for the plist helpers, the first binding of a key is the one that counts.
      if (!entries.has(key)) entries.set(key, toJs(c.tail!.head));
    }
    return Object.fromEntries(entries);
  }
  const out: ValkValue[] = [];
  for (let c: List = l; c !== null; c = c.tail) out.push(toJs(c.head));
  return out;
}

/** A Valkyria value as a JavaScript value (docs/interop.md). */
export function toJs(v: Value): ValkValue {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string') return decodeUtf8(v);
  if (v === null) return [];
  if (v instanceof Cons) return listToJs(v);
  if (v instanceof Sym) return decodeUtf8(v.name);
  if (v instanceof Lambda || v instanceof Builtin) return jsFunction(v);
  if (v instanceof VError) return new ValkError(decodeUtf8(v.message));
  if (v instanceof Ref && v.type === JS_REF) return v.target as ValkValue;
  if (v instanceof Handle) return handlePromise(v);
  return v;
}

/**
 * A Valkyria function as a JS function, calling it in the program that is
 * running now (the one the function belongs to) whenever JavaScript calls it.
 */
export function jsFunction(fn: Func): ValkFunction {
  if (fn instanceof JsFunction) return fn.target as ValkFunction;
  let f = jsOf.get(fn);
  if (f === undefined) {
    const host = currentHost();
    f = (...args: ValkValue[]) => callValk(host, fn, args);
    jsOf.set(fn, f);
    valkOf.set(f, fn);
  }
  return f;
}

/**
 * Runs Valkyria code of `host` from JavaScript, which may itself be running
 * inside another program (a callback, a library call from `valk run`).
 */
export function withHost<T>(host: Host, run: () => T): T {
  const outer = currentHost() as Host | undefined;
  const { depth, owed } = calls;
  attachHost(host);
  try {
    return run();
  } catch (e) {
    // Only host failures (such as exhausting the JS stack) get here; the counts must not drift.
    calls.depth = depth;
    calls.owed = owed;
    throw e;
  } finally {
    if (outer !== undefined) attachHost(outer);
  }
}

/** A Valkyria result handed to JavaScript: an Error value is thrown as a ValkError. */
export function resultToJs(r: Value): ValkValue {
  if (r instanceof VError) throw new ValkError(decodeUtf8(r.message));
  return toJs(r);
}

/** JavaScript calling a Valkyria value of `host` with JS arguments. */
export function callValk(host: Host, fn: Value, args: readonly unknown[]): ValkValue {
  const values = args.map((a) => toValk(a, 'strict'));
  return resultToJs(withHost(host, () => apply(fn, values, host.machine.global)));
}
