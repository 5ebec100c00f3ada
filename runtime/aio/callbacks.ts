// Valkyria functions called by the handle machinery: each call is a fiber of
// its own (DESIGN.md, runtime model), which may wait; its value arrives when
// the fiber ends.

import { fiberCall } from '../cps.js';
import { spawn } from '../fibers.js';
import type { Value } from '../values.js';
import type { Define } from '../builtins/index.js';
import { Builtin, isFunc, VError } from '../values.js';
import { awaited, Handle } from './handle.js';

/** Calls f with args as a new fiber; `done` gets its value, now or once the fiber ends. */
export function callback(f: Value, args: Value[], done: (v: Value) => void = () => {}): void {
  spawn(() => fiberCall(f, args), done);
}

// ---- the two styles of Node I/O operations (docs/io.md) ----
//
// Every I/O operation is written once, handle-returning; `defineIo` defines it
// under its name and derives the continuation-taking `-async` builtin from it,
// so the two styles cannot drift apart.


/**
 * A handle-returning I/O operation over arguments already counted. `name` is
 * the builtin it was called as (`file/read` or `file/read-async`), for its
 * argument errors; it gives a Handle, or an argument Error at once.
 */
export type IoOp = (args: Value[], name: string) => Value;

/**
 * Defines `name`, taking `arity` arguments and returning op's handle, and
 * `name-async`, taking them and a continuation k last: it starts the operation
 * and calls k with the result, or the failure value, once it settles (the
 * Error «async operation cancelled» if it is cancelled). Builtins do not curry,
 * so `name-async` given all but k returns a function waiting for k — the shape
 * `await` takes: `(await (file/read-async "a.txt"))`.
 *
 * k is called exactly once in every case, an argument error included (it is
 * the operation's failure), so a fiber waiting through `await` is never left
 * hanging; the call itself gives the operation's handle (which can still be
 * cancelled), or that argument Error, as every builtin gives its own.
 */
export function defineIo(define: Define, name: string, arity: number, usage: string, op: IoOp): void {
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  define(name, (args) => (args.length !== arity ? new VError(`${name}: expected ${plural(arity)} (${usage})`) : op(args, name)));

  const asyncName = `${name}-async`;
  const start = (args: Value[], k: Value): Value => {
    if (!isFunc(k)) return new VError(`${asyncName}: last argument must be a function (the continuation)`);
    const h = op(args, asyncName);
    if (!(h instanceof Handle)) {
      callback(k, [h]);
      return h;
    }
    h.whenSettled((s) => callback(k, [awaited(s)]));
    return h;
  };
  define(asyncName, (args) => {
    if (args.length === arity + 1) return start(args.slice(0, arity), args[arity]);
    if (args.length === arity) {
      return new Builtin(asyncName, (kargs) => (kargs.length !== 1 ? new VError(`${asyncName}: expected 1 argument (the continuation)`) : start(args, kargs[0])));
    }
    return new VError(`${asyncName}: expected ${plural(arity + 1)} (${usage ? usage + ' ' : ''}k)`);
  });
}
