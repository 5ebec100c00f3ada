// Calling conventions shared by the evaluator and compiled code.
//
// Compiled lambdas carry a JS function (`code`) taking their fixed formals
// positionally and, after them, the rest list. A call in tail position does
// not call: it leaves the callee and arguments in `calls` and returns TAIL, and
// whoever needs a value runs `settle`, so chains of tail calls take constant
// JS stack. `calls.depth` counts active Valk calls for `stack-depth`, tail
// calls included, as the reference (which has no tail-call elimination) does:
// a call that ends in a tail call hands its count on in `calls.owed`.

import type { Frame } from './frame.js';
import type { Machine } from './machine.js';
import { Builtin, Lambda, listFromArray, listLength, typeName, VError, type Code, type List, type Value } from './values.js';

/** Returned by compiled code in place of a value when a tail call is pending. */
export const TAIL = new VError('internal: pending tail call') as Value;

export const calls = {
  depth: 0,
  owed: 0,
  tailFn: null as Value,
  tailArgs: [] as Value[],
};

/** What compiled code needs of the running program (a Session). */
export interface Host {
  readonly machine: Machine;
  /** Runs a compiled module's forms as `load` does, in the global frame. */
  runModule(instantiate: (global: Frame) => Array<() => Value>): void;
}

/** The running program, whose evaluator compiled code hands data and interpreted lambdas to. */
let host: Host | undefined;
let machine: Machine | undefined;
export function attachHost(h: Host): void {
  host = h;
  machine = h.machine;
}
export function currentMachine(): Machine {
  return machine!;
}
/**
 * Calls a builtin that never drives the evaluator (`plain`, or one that waits,
 * which says so by its value) in the global frame: its value, at once.
 */
export function callPlain(f: Builtin, args: Value[]): Value {
  return f.fn(args, machine!.global, machine!) as Value;
}
export function currentHost(): Host {
  return host!;
}

export function tooManyArgs(fn: Lambda, given: number): VError {
  return new VError(`More arguments were given than required. Actual: ${given}, Expected: ${listLength(fn.formals)}`);
}

function formalsAfter(formals: List, n: number): List {
  let f = formals;
  for (let i = 0; i < n && f !== null; i++) f = f.tail;
  return f;
}

/** Runs a compiled lambda's code on evaluated arguments: currying, `&` rest and arity errors (spec §4.7). */
export function applyCompiled(fn: Lambda, args: Value[]): Value {
  const code = fn.code as (...a: Value[]) => Value;
  const n = fn.arity;
  const given = args.length;
  if (given === n) {
    if (fn.rest) return code(...args, null);
    switch (n) {
      case 0:
        return code();
      case 1:
        return code(args[0]);
      case 2:
        return code(args[0], args[1]);
      case 3:
        return code(args[0], args[1], args[2]);
      case 4:
        return code(args[0], args[1], args[2], args[3]);
      default:
        return code(...args);
    }
  }
  if (given < n) {
    // Partial application: a lambda waiting for the remaining formals.
    const origin = (fn.partial?.origin ?? fn.code) as (...a: Value[]) => Value;
    const bound = [...(fn.partial?.bound ?? []), ...args];
    const total = bound.length;
    // After the formals, the code learns how many arguments partial application bound: the
    // evaluator would have bound those in a frame of their own, which `penv` can tell apart.
    const wrapper = ((...more: Value[]) => origin(...bound, ...more, total)) as Code;
    const partial = { origin: origin as Code, bound, formals: fn.partial?.formals ?? fn.formals };
    return new Lambda(formalsAfter(fn.formals, given), fn.body, fn.env, wrapper, n - given, fn.rest, partial, fn.scope);
  }
  if (fn.rest) return code(...args.slice(0, n), listFromArray(args.slice(n), true));
  return tooManyArgs(fn, given);
}

/** Makes the pending tail call chain run to a value. */
export function settle(r: Value): Value {
  if (r !== TAIL) return r;
  let owed = calls.owed;
  calls.owed = 0;
  do {
    r = callValue(calls.tailFn, calls.tailArgs);
    owed += calls.owed;
    calls.owed = 0;
  } while (r === TAIL);
  calls.depth -= owed;
  return r;
}

/** A call in tail position: `k` is the caller's own count of active calls, handed on. */
export function tail(k: number, fn: Value, args: Value[]): Value {
  calls.owed += k;
  calls.tailFn = fn;
  calls.tailArgs = args;
  return TAIL;
}

/** Calls a value that does not need the caller's frame; may return TAIL. */
function callValue(fn: Value, args: Value[]): Value {
  if (fn instanceof Lambda) {
    if (fn.code !== undefined) return applyCompiled(fn, args);
    return machine!.execute((m) => m.applyTail(fn, args, fn.env!));
  }
  if (fn instanceof Builtin) return callBuiltin(fn, args, machine!.global);
  return new VError(`Cannot call non-function: ${typeName(fn)}`);
}

/** Calls a builtin with the frame it should see as the caller's. */
export function callBuiltin(fn: Builtin, args: Value[], env: Frame): Value {
  return machine!.execute((m) => fn.fn(args, env, m));
}

/**
 * Calls any value from compiled code, giving the value (never TAIL). `env` is
 * the caller's frame, which only the frame-reflective builtins look at.
 */
export function apply(fn: Value, args: Value[], env: Frame): Value {
  if (fn instanceof Lambda && fn.code !== undefined) return settle(applyCompiled(fn, args));
  if (fn instanceof Builtin) return callBuiltin(fn, args, env);
  return settle(callValue(fn, args));
}
