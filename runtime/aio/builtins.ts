// The handle API (spec §10), `sleep` (§6.7) and the seed's `async`/`await`
// (§9.3): builtins over handles (handle.ts), systems (system.ts) and fibers
// (runtime/fibers.ts).

import { countError, typeError } from '../builtins/errors.js';
import type { Define } from '../builtins/index.js';
import { evalBody, type Machine } from '../machine.js';
import type { Frame } from '../frame.js';
import { wait } from '../fibers.js';
import type { Session } from '../session.js';
import { Builtin, Cons, isFunc, isList, isNum, listFromArray, listToArray, Sym, sym, VError, type Value } from '../values.js';
import { display } from '../printer.js';
import { pushFiber } from '../builtins/continuations.js';
import { remaining } from '../builtins/ctx.js';
import { startAsync } from './async.js';
import { callback } from './callbacks.js';
import { awaited, CANCELLED, Handle } from './handle.js';
import { runningOnLoop, startSystem, systemOf, type AioSystem, type Timer } from './system.js';

const kw = (name: string) => sym(`:${name}`);
const TRUE = kw('true');
const FALSE = kw('false');
const STOP = kw('stop');

/** Suspends the running fiber until `h` settles; its outcome is the wait's value (spec §10.3). */
function waitFor(name: string, h: Handle): Value {
  h.looked();
  if (h.terminal) return awaited(h);
  // Cancelling an `async` body's handle cancels what its fiber waits for, which then goes on with the cancellation Error.
  return wait(name, h);
}

function handleArg(name: string, v: Value, which = 'argument'): Handle | VError {
  return v instanceof Handle ? v : new VError(`${name}: ${which} must be a handle`);
}

function fnArg(name: string, v: Value, which: string): VError | undefined {
  return isFunc(v) ? undefined : new VError(`${name}: ${which} argument must be a function`);
}

/** `aio/sleep`'s handle, its own timer: programs make them by the hundred thousand. */
class Sleep extends Handle implements Timer {
  readonly at: number;
  readonly seq: number;
  constructor(s: AioSystem, ms: number) {
    super(true, s);
    this.at = s.dueIn(ms);
    this.seq = s.nextSeq();
  }
  /** A cancelled sleep is left in the system's timers, and skipped when its time comes. */
  get done(): boolean {
    return this.terminal;
  }
  due(): void {
    this.complete(null);
  }
}

/** The one argument of a collection builtin, a list of handles (spec §10.6). */
function handlesArg(name: string, args: Value[]): Handle[] | VError {
  const v = args[0];
  if (args.length !== 1 || !isList(v)) return new VError(`${name}: expected a list of handles`);
  const hs = listToArray(v);
  if (!hs.every((h) => h instanceof Handle)) return new VError(`${name}: all elements must be handles`);
  return hs as Handle[];
}

/** A Q-expression plist's value for key, or undefined. */
function plistGet(list: Value, key: Sym): Value | undefined {
  for (let c = list instanceof Cons ? list : null; c !== null && c.tail !== null; c = c.tail.tail) {
    if (c.head === key) return c.tail.head;
  }
  return undefined;
}

/** The result handle of a collection: cancelling it cancels the inputs still pending. */
function collection(inputs: Handle[]): Handle {
  const d = new Handle(false);
  for (const h of inputs) d.addDependant(h);
  return d;
}

function cancelOthers(inputs: Handle[]): void {
  for (const h of inputs) h.cancel();
}

const S = (...items: Value[]) => listFromArray(items, false);
const Q = (...items: Value[]) => listFromArray(items, true);
const AIO_THEN = sym('aio/then');
const AIO_ALL = sym('aio/all');
const AIO_PURE = sym('aio/pure');
const LAMBDA = sym('\\');
const LIST = sym('list');
const NTH = sym('nth');
const DO = sym('do');
const ASSIGN = sym('=');
const RESULTS = sym('_results');
const THEN = kw('then');
const BIND = sym('<-');

/** `(aio/let bindings body)`'s code (spec §10.9), or an Error for a binding that is not `(name expr)`. */
function letCode(bindings: Value, body: Value): Value {
  const first = bindings instanceof Cons ? bindings.head : null;
  const list = first instanceof Cons || first === null ? first : bindings;
  const groups: Array<Array<[Sym, Value]>> = [[]];
  for (const b of listToArray(list instanceof Cons ? list : null)) {
    if (b === THEN) {
      groups.push([]);
      continue;
    }
    if (!(b instanceof Cons) || !(b.head instanceof Sym) || b.tail === null || b.tail.tail !== null) {
      return new VError(`aio/let: each binding must be a list (name expr), got ${display(b)}`);
    }
    groups[groups.length - 1].push([b.head, b.tail.head]);
  }
  const bodyExpr = body instanceof Cons && body.tail === null ? body.head : body;
  let code: Value = S(AIO_PURE, bodyExpr);
  for (const group of groups.reverse()) {
    if (group.length === 0) continue;
    if (group.length === 1) {
      const [name, e] = group[0];
      code = S(AIO_THEN, e, S(LAMBDA, Q(name), Q(code)));
    } else {
      const assigns = group.map(([name], i) => S(ASSIGN, Q(name), S(NTH, i + 1, RESULTS)));
      code = S(AIO_THEN, S(AIO_ALL, S(LIST, ...group.map(([, e]) => e))), S(LAMBDA, Q(RESULTS), Q(DO, ...assigns, code)));
    }
  }
  return code;
}

function isBind(s: Value): s is Cons {
  return s instanceof Cons && s.head === BIND && s.tail !== null && s.tail.head instanceof Sym && s.tail.tail !== null && s.tail.tail.tail === null;
}

/** `(aio/do {stmt ...})`'s code (spec §10.9). */
function doCode(stmts: Value[]): Value {
  if (stmts.length === 0) return S(AIO_PURE, null);
  const first = stmts[0];
  if (isBind(first)) {
    const [name, e] = [first.tail!.head as Sym, first.tail!.tail!.head];
    return stmts.length === 1 ? e : S(AIO_THEN, e, S(LAMBDA, Q(name), Q(doCode(stmts.slice(1)))));
  }
  // A run of plain statements, evaluated for effect before what follows.
  let n = 1;
  while (n < stmts.length && !isBind(stmts[n])) n++;
  const run = stmts.slice(0, n);
  if (n < stmts.length) return S(DO, ...run, doCode(stmts.slice(n)));
  const last = S(AIO_PURE, run[n - 1]);
  return n === 1 ? last : S(DO, ...run.slice(0, -1), last);
}

export function install(define: Define, session: Session): void {
  const sys1 = (name: string, args: Value[], usage: string): AioSystem | VError => {
    if (args.length !== 1) return new VError(`${name}: expected 1 argument (${usage})`);
    return systemOf(args[0]);
  };

  // ---- systems (§10.2) ----

  define('aio/start', (args) => {
    if (args.length > 1) return countError(args.length, '<=', 1);
    return Handle.completed(startSystem().ref);
  });

  define('aio/run', (args) => {
    const s = sys1('aio/run', args, 'aio system');
    if (s instanceof VError) return s;
    if (s.isStopped) return null;
    session.out.flush();
    return wait('aio/run', (resume) => s.whenStopped(() => resume(null)));
  });

  define('aio/stop', (args) => {
    const s = sys1('aio/stop', args, 'aio system');
    if (s instanceof VError) return s;
    s.stop();
    return null;
  });

  define('aio/on-loop-thread?', (args) => {
    const s = sys1('aio/on-loop-thread?', args, 'aio system');
    if (s instanceof VError) return s;
    return runningOnLoop(s) ? 1 : 0;
  });

  // ---- creating and inspecting (§10.3) ----

  define('aio/pure', (args) => (args.length !== 1 ? new VError('aio/pure: expected 1 argument') : Handle.completed(args[0])));
  define('aio/fail', (args) => (args.length !== 1 ? new VError('aio/fail: expected 1 argument') : Handle.failed(args[0])));
  define('aio/never', (args) => {
    const s = sys1('aio/never', args, 'aio system');
    return s instanceof VError ? s : new Handle(true, s);
  });

  const inspect = (name: string, f: (h: Handle) => Value) =>
    define(name, (args) => {
      if (args.length !== 1) return new VError(`${name}: expected 1 argument`);
      const h = args[0];
      if (!(h instanceof Handle)) return new VError(`${name}: expected handle argument`);
      h.looked();
      return f(h);
    });
  inspect('aio/status', (h) => kw(h.status));
  inspect('aio/result', (h) => (h.status === 'completed' ? h.value : new VError('aio/result: handle not completed')));
  inspect('aio/error', (h) => (h.status === 'failed' ? h.value : new VError('aio/error: handle not failed')));
  inspect('aio/cancelled?', (h) => (h.status === 'cancelled' ? TRUE : FALSE));
  inspect('aio/cancel', (h) => (h.cancel() ? TRUE : FALSE));

  define('aio/await', (args) => {
    if (args.length !== 1) return new VError('aio/await: expected 1 argument');
    const h = handleArg('aio/await', args[0]);
    if (h instanceof VError) return h;
    session.out.flush();
    return waitFor('aio/await', h);
  });

  // ---- timers (§10.4) ----

  const timerArgs = (name: string, args: Value[], n: number, usage: string): [AioSystem, number] | VError => {
    if (args.length !== n) return new VError(`${name}: expected ${n} arguments (${usage})`);
    const s = systemOf(args[0]);
    if (s instanceof VError) return s;
    const ms = args[1];
    if (!isNum(ms)) return new VError(`${name}: second argument must be a number`);
    if (n === 3 && !isFunc(args[2])) return new VError(`${name}: third argument must be a function`);
    return [s, Number(ms)];
  };

  define('aio/sleep', (args, _env, m) => {
    const a = timerArgs('aio/sleep', args, 2, 'sys ms');
    if (a instanceof VError) return a;
    // Inside a request context the deadline caps the delay, and once past refuses it (spec §10.4, §12).
    const left = remaining((m as Machine).ctx);
    if (left !== null && left <= 0) return new VError(':deadline-exceeded');
    const h = new Sleep(a[0], left === null ? a[1] : Math.min(a[1], left));
    a[0].start(h);
    return h;
  });

  define('aio/schedule', (args) => {
    const a = timerArgs('aio/schedule', args, 3, 'sys ms fn');
    if (a instanceof VError) return a;
    const [s, ms] = a;
    const h = new Handle(true, s);
    // The callback's value completes the handle, an Error included (spec §10.4).
    h.onCancel(s.after(ms, () => callback(args[2], [], (v) => h.complete(v))));
    return h;
  });

  define('aio/interval', (args) => {
    const a = timerArgs('aio/interval', args, 3, 'sys ms fn');
    if (a instanceof VError) return a;
    const [s, ms] = a;
    const h = new Handle(true, s);
    const stop = s.every(ms, () =>
      callback(args[2], [], (v) => {
        if (v === STOP) {
          stop();
          h.complete(null);
        } else if (v instanceof VError) session.out.writeErr(`valk: aio/interval callback: ${v.message}\n`);
      }),
    );
    h.onCancel(stop);
    return h;
  });

  define('sleep', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const ms = args[0];
    if (!isNum(ms)) return typeError(ms, ['Number']);
    session.out.flush();
    if (ms <= 0) return null;
    return wait('sleep', (resume) => setTimeout(() => resume(null), Number(ms)));
  });

  // ---- sequencing (§10.5) ----

  const sequencing = (name: string, args: Value[], n: number, usage: string): [Handle, Value] | VError => {
    if (args.length !== n) return new VError(`${name}: expected ${n} arguments (${usage})`);
    const s = handleArg(name, args[0], 'first argument');
    if (s instanceof VError) return s;
    const bad = fnArg(name, args[1], 'second');
    return bad ?? [s, args[1]];
  };

  /** A handle derived from a source: a dependant of it, settled by `step` once the source has settled. */
  const derive = (name: string, args: Value[], step: (source: Handle, f: Value, d: Handle) => void): Value => {
    const a = sequencing(name, args, 2, 'handle fn');
    if (a instanceof VError) return a;
    const [s, f] = a;
    const d = new Handle(false, s.system);
    s.addDependant(d);
    s.whenSettled((h) => step(h, f, d));
    return d;
  };
  /** f gets the source's value when it settled as `on` (spec §10.5); otherwise d settles as the source did. */
  const callOn = (on: 'completed' | 'failed') => (h: Handle, f: Value, d: Handle) => {
    if (d.terminal) return;
    if (h.status === on) callback(f, [h.value], (v) => d.settleWith(v));
    else d.settleLike(h);
  };
  define('aio/then', (args) => derive('aio/then', args, callOn('completed')));
  define('aio/catch', (args) => derive('aio/catch', args, callOn('failed')));
  // Cleanup runs on every outcome (spec D12, fixed), and d settles after it.
  define('aio/finally', (args) => derive('aio/finally', args, (h, f, d) => callback(f, [], () => d.settleLike(h))));

  define('aio/on-cancel', (args) => {
    const a = sequencing('aio/on-cancel', args, 2, 'handle fn');
    if (a instanceof VError) return a;
    const [h, f] = a;
    h.onCancel(() => callback(f, []));
    return h;
  });

  // ---- collections (§10.6) ----

  define('aio/all', (args) => {
    const hs = handlesArg('aio/all', args);
    if (hs instanceof VError) return hs;
    return all(hs);
  });

  define('aio/race', (args) => {
    const hs = handlesArg('aio/race', args);
    if (hs instanceof VError) return hs;
    if (hs.length === 0) return new VError('aio/race: cannot race empty list');
    const d = collection(hs);
    let cancelled = 0;
    for (const h of hs) {
      h.whenSettled((s) => {
        if (d.terminal) return;
        if (s.status === 'cancelled') {
          if (++cancelled === hs.length) d.cancel();
          return;
        }
        d.settleLike(s);
        cancelOthers(hs);
      });
    }
    return d;
  });

  define('aio/any', (args) => {
    const hs = handlesArg('aio/any', args);
    if (hs instanceof VError) return hs;
    if (hs.length === 0) return new VError('aio/any: cannot use with empty list');
    const d = collection(hs);
    let failed = 0;
    for (const h of hs) {
      h.whenSettled((s) => {
        if (d.terminal) return;
        if (s.status === 'completed') {
          d.complete(s.value);
          cancelOthers(hs);
        } else if (++failed === hs.length) d.fail(s.status === 'failed' ? s.value : new VError(CANCELLED));
      });
    }
    return d;
  });

  define('aio/all-settled', (args) => {
    const hs = handlesArg('aio/all-settled', args);
    if (hs instanceof VError) return hs;
    if (hs.length === 0) return Handle.completed(null);
    const d = collection(hs);
    const results: Value[] = new Array<Value>(hs.length);
    let settled = 0;
    hs.forEach((h, i) =>
      h.whenSettled((s) => {
        results[i] =
          s.status === 'completed'
            ? Q(kw('status'), kw('ok'), kw('value'), s.value)
            : Q(kw('status'), kw('error'), kw('error'), s.status === 'failed' ? s.value : new VError('cancelled'));
        if (++settled === hs.length) d.complete(S(...results));
      }),
    );
    return d;
  });

  define('aio/traverse', (args) => {
    if (args.length !== 2) return new VError('aio/traverse: expected 2 arguments (list fn)');
    const [list, f] = args as [Value, Value];
    if (!isList(list)) return new VError('aio/traverse: first argument must be a list');
    const bad = fnArg('aio/traverse', f, 'second');
    if (bad !== undefined) return bad;
    const hs: Handle[] = [];
    for (const item of listToArray(list)) {
      const v = session.machine.execute((m) => m.applyTail(f, [item], session.global));
      if (v instanceof VError) return v;
      if (!(v instanceof Handle)) return new VError(`aio/traverse: function must return handles, got ${display(v)}`);
      hs.push(v);
    }
    return all(hs);
  });

  // ---- time limits and retries (§10.7) ----

  define('aio/within', (args) => {
    if (args.length !== 2) return new VError('aio/within: expected 2 arguments (handle timeout-ms)');
    const h = handleArg('aio/within', args[0], 'first argument');
    if (h instanceof VError) return h;
    const ms = args[1];
    if (!isNum(ms)) return new VError('aio/within: second argument must be a number (timeout in ms)');
    if (h.terminal) return h;
    if (h.system === null) return new VError('aio/within: source handle must have an AIO system');
    const d = new Handle(true, h.system);
    d.addDependant(h);
    const stopTimer = h.system.after(Number(ms), () => {
      d.fail(new VError(':timeout'));
      h.cancel();
    });
    d.onCancel(stopTimer);
    h.whenSettled((s) => {
      stopTimer();
      d.settleLike(s);
    });
    return d;
  });

  define('aio/retry', (args) => {
    if (args.length !== 3) return new VError('aio/retry: expected 3 arguments (sys fn opts)');
    const s = systemOf(args[0]);
    if (s instanceof VError) return s;
    const f = args[1];
    const bad = fnArg('aio/retry', f, 'second');
    if (bad !== undefined) return bad;
    const opts = args[2];
    if (!(opts === null || (opts instanceof Cons && opts.quoted))) return new VError('aio/retry: third argument must be a qexpr (options dict)');
    const max = plistGet(opts, kw('max-attempts'));
    const base = plistGet(opts, kw('base-ms'));
    const attempts = Math.max(1, max !== undefined && isNum(max) ? Number(max) : 3);
    const baseMs = base !== undefined && isNum(base) ? Number(base) : 100;
    const multiplier = plistGet(opts, kw('backoff')) === kw('linear') || plistGet(opts, kw('backoff')) === kw('none') ? 1 : 2;
    const d = new Handle(true, s);
    let current: Handle | null = null;
    d.onCancel(() => current?.cancel());
    const attempt = (a: number) =>
      callback(f, [], (v) => {
        if (d.terminal) return;
        if (!(v instanceof Handle)) return d.fail(new VError('aio/retry: fn must return a handle'));
        current = v;
        v.whenSettled((r) => {
          if (d.terminal) return;
          if (r.status === 'completed') return d.complete(r.value);
          if (a >= attempts) return r.status === 'failed' ? d.fail(r.value) : d.fail(new VError(CANCELLED));
          d.onCancel(s.after(Math.min(baseMs * multiplier ** (a - 1), 30000), () => attempt(a + 1)));
        });
      });
    attempt(1);
    return d;
  });

  // ---- resources and scopes (§10.8) ----

  define('aio/bracket', (args) => {
    if (args.length !== 3) return new VError('aio/bracket: expected 3 arguments (acquire release use)');
    const acquire = handleArg('aio/bracket', args[0], 'first argument');
    if (acquire instanceof VError) return acquire;
    const [, release, use] = args;
    const bad = fnArg('aio/bracket', release, 'second') ?? fnArg('aio/bracket', use, 'third');
    if (bad !== undefined) return bad;
    const d = new Handle(false, acquire.system);
    acquire.addDependant(d);
    acquire.whenSettled((a) => {
      if (a.status !== 'completed') return d.settleLike(a);
      const r = a.value;
      const used = new Handle(false);
      d.addDependant(used);
      callback(use, [r], (v) => used.settleWith(v));
      // Release runs once use's outcome is known, whenever that is (spec D12, fixed).
      used.whenSettled((u) => callback(release, [r], () => d.settleLike(u)));
    });
    return d;
  });

  define('aio/scope', (args) => {
    if (args.length !== 1) return new VError('aio/scope: expected 1 argument (fn)');
    const bad = fnArg('aio/scope', args[0], 'first');
    if (bad !== undefined) return bad;
    const scope = new Handle(true);
    callback(args[0], [scope], (v) => scope.settleWith(v));
    return scope;
  });

  // ---- syntax-like builtins (§10.9): code built and evaluated in the caller's frame ----

  define('aio/let', (args, env, m) => {
    if (args.length !== 2) return new VError('aio/let: expected 2 arguments (bindings body)');
    const code = letCode(args[0], args[1]);
    return code instanceof VError ? code : m.evalTail(code, env);
  });

  define('aio/do', (args, env, m) => {
    if (args.length !== 1) return new VError('aio/do: expected 1 argument (qexpr of statements)');
    const stmts = args[0];
    if (!(stmts === null || (stmts instanceof Cons && stmts.quoted))) return new VError('aio/do: argument must be a qexpr {stmt1 stmt2 ...}');
    return m.evalTail(doCode(listToArray(stmts)), env);
  });

  // ---- the seed's async and await (§9.3) ----

  define('async', (args, env) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    return startAsync(() => bodyFiber(session, args[0], env));
  });

  const awaitFn = (name: string) => (args: Value[]) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const x = args[0];
    session.out.flush();
    if (x instanceof Handle) return waitFor(name, x);
    if (!isFunc(x)) return new VError(`${name}: argument must be a handle or a function of a continuation`);
    return wait(name, (resume) => {
      let resumed = false;
      const k = new Builtin('continuation', (kargs) => {
        if (kargs.length !== 1) return countError(kargs.length, '==', 1);
        if (resumed) return new VError('continuation already resumed');
        resumed = true;
        resume(kargs[0]);
        return null;
      });
      callback(x, [k]);
    });
  };
  define('await', awaitFn('await'));
  define('await-new', awaitFn('await-new'));
}

/** An `async` body, evaluated like a lambda body in the caller's frame, above a fiber's start. */
function bodyFiber(session: Session, body: Value, env: Frame): Value {
  return session.machine.execute((m) => {
    pushFiber(m as Machine);
    return evalBody(m, body, env);
  }, true);
}

/** `aio/all` over handles (spec §10.6): the results in input order, or the first failure. */
function all(hs: Handle[]): Handle {
  if (hs.length === 0) return Handle.completed(null);
  const d = collection(hs);
  const results: Value[] = new Array<Value>(hs.length);
  let completed = 0;
  hs.forEach((h, i) =>
    h.whenSettled((s) => {
      if (d.terminal) return;
      if (s.status === 'completed') {
        results[i] = s.value;
        if (++completed === hs.length) d.complete(S(...results));
        return;
      }
      d.fail(s.status === 'failed' ? s.value : new VError(CANCELLED));
      cancelOthers(hs);
    }),
  );
  return d;
}
