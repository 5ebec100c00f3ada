// The evaluator for data (spec §4): an explicit-stack machine. "The rest of the
// computation" is an array of Kont steps on the heap, so recursion depth is
// bounded by memory rather than the JS stack, and the stack is plain data that
// a continuation capture can copy.
//
// Registers: in EVAL mode the machine evaluates `expr` in `env`; in RETURN mode
// it hands `value` to the step on top of the stack.

import { applyCompiled, calls, settle } from './calls.js';
import { enterCps } from './cps.js';
import { cannotSuspendWith, cpsHolds } from './suspends.js';
import { nesting, suspend, Suspended, WAIT } from './fibers.js';
import { Frame } from './frame.js';
import {
  Builtin,
  Cons,
  Lambda,
  PENDING,
  Sym,
  VError,
  isFunc,
  listFromArray,
  listLength,
  sym,
  toSexpr,
  truthy,
  typeName,
  type BuiltinResult,
  type Control,
  type Kont,
  type List,
  type Value,
} from './values.js';

const EVAL = 0;
const RETURN = 1;

const AMP = sym('&');
const QUOTE = sym('quote');
const QUASIQUOTE = sym('quasiquote');
const UNQUOTE = sym('unquote');
const UNQUOTE_SPLICING = sym('unquote-splicing');
const IF = sym('if');
const CTX_WITH_DEADLINE = sym('ctx/with-deadline');
const CTX_WITH = sym('ctx/with');

/** Heap stack entries beyond which a call fails instead of exhausting memory. */
const MAX_STACK = 6_000_000;

export function unbound(s: Sym): VError {
  return new VError(`LEnv: Symbol \`${s.name}\` is not bound`);
}

/** The dynamically scoped request context of spec §12. */
export interface RequestContext {
  readonly parent: RequestContext | null;
  readonly deadline: number | null; // absolute, in ms of performance.now()
  readonly key: Value;
  readonly value: Value;
  readonly hasLocal: boolean;
}

export class Machine implements Control {
  readonly stack: Kont[] = [];
  ctx: RequestContext | null = null;
  /** Calls left before evaluation is stopped with an Error; unlimited unless a caller sets it. */
  fuel = Infinity;
  /**
   * Prompts on the stack (builtins/continuations.ts). While there is one, compiled
   * lambdas run in continuation-passing style or from their data, so that an
   * async-shift can capture them.
   */
  resets = 0;
  /** Where the innermost `execute` began: below it the JS stack holds host frames, which no capture can take. */
  base = 0;

  private mode = EVAL;
  private expr: Value = null;
  private env: Frame;
  private value: Value = null;

  constructor(readonly global: Frame) {
    this.env = global;
  }

  /** Valk lambda calls currently active (`stack-depth`), compiled ones included. */
  get depth(): number {
    return calls.depth;
  }

  /** Evaluates `expr` in `env` to a value, on top of whatever is already on the stack. */
  run(expr: Value, env: Frame): Value {
    return this.execute((m) => m.evalTail(expr, env));
  }

  /**
   * Runs a computation that starts by driving the machine (as a builtin does)
   * until it has a value. `handsOn` when the caller gives that value on as its
   * own answer, so that a fiber may suspend inside (runtime/fibers.ts).
   */
  execute(start: (m: Control) => BuiltinResult, handsOn = false): Value {
    const outer = this.base;
    const base = (this.base = this.stack.length);
    if (!handsOn) nesting.opaque++;
    try {
      let first: BuiltinResult;
      try {
        first = start(this);
      } catch (e) {
        first = hostError(e);
      }
      if (first !== PENDING) this.ret(first);
      for (;;) {
        try {
          return this.loop(base);
        } catch (e) {
          // No host exception may escape evaluation: it becomes the value of the step that failed.
          this.ret(hostError(e));
        }
      }
    } finally {
      this.base = outer;
      if (!handsOn) nesting.opaque--;
    }
  }

  private loop(base: number): Value {
    const stack = this.stack;
    for (;;) {
      if (this.mode === EVAL) {
        this.step();
      } else {
        if (stack.length <= base) return this.value;
        const r = stack.pop()!.resume(this, this.value);
        if (r !== PENDING) this.value = r;
      }
    }
  }

  // ---- Control: what builtins and steps use to drive the machine ----

  evalTail(expr: Value, env: Frame): typeof PENDING {
    this.mode = EVAL;
    this.expr = expr;
    this.env = env;
    return PENDING;
  }

  push(k: Kont): void {
    this.stack.push(k);
  }

  applyTail(fn: Value, args: Value[], env: Frame): typeof PENDING {
    if (--this.fuel < 0) {
      // Abandon the whole computation, including loops inside builtins, not just this
      // call: only the program drivers stay, to report the Error.
      const drivers = this.stack.filter((k) => k.driver === true);
      this.stack.length = 0;
      this.stack.push(...drivers);
      calls.depth = 0;
      calls.owed = 0;
      this.resets = 0;
      return this.fail('Evaluation stopped: call budget exhausted');
    }
    let r: BuiltinResult;
    if (fn instanceof Lambda) {
      if (fn.code === undefined) return this.applyLambda(fn, args);
      // Under a prompt, compiled code that may suspend runs in continuation-passing style, or as data.
      if (this.resets > 0 && !cannotSuspendWith(fn, args)) {
        const answer = typeof fn.cps === 'function' && fn.direct === args.length && cpsHolds(fn) ? enterCps(this, fn, args) : undefined;
        if (answer === undefined) return this.applyLambda(asData(fn), args);
        this.ret(answer);
        return PENDING;
      }
      // Direct code keeps its callers on the JS stack: no fiber suspends inside it.
      nesting.opaque++;
      try {
        this.ret(settle(applyCompiled(fn, args)));
      } finally {
        nesting.opaque--;
      }
      return PENDING;
    }
    if (fn instanceof Builtin) r = fn.fn(args, env, this);
    else r = new VError(`Cannot call non-function: ${typeName(fn)}`);
    if (r === WAIT) return this.suspendFiber();
    if (r !== PENDING) this.ret(r);
    return PENDING;
  }

  /**
   * A builtin waits (runtime/fibers.ts): this execute's whole stack, down to the
   * fiber's start or the compiled code that entered it, is the rest of the
   * fiber. It comes off the stack, and the execute answers SUSPENDED.
   */
  private suspendFiber(): typeof PENDING {
    const rest = this.stack.splice(this.base);
    const delimiters = rest.filter((k) => k.delimits === true).length;
    this.resets -= delimiters;
    this.ret(suspend(new WaitingSteps(this, rest, delimiters)));
    return PENDING;
  }

  private ret(v: Value): void {
    this.mode = RETURN;
    this.value = v;
  }

  // ---- evaluation of one expression ----

  private step(): void {
    const e = this.expr;
    if (e instanceof Cons) {
      if (e.quoted) this.ret(e);
      else this.evalSexpr(e);
    } else if (e instanceof Sym) {
      this.ret(lookup(e, this.env));
    } else {
      this.ret(e);
    }
  }

  private evalSexpr(e: Cons): void {
    const head = e.head;
    const env = this.env;
    if (e.tail === null) {
      // Single-element rule (spec §4.3): a function value is called with no arguments.
      if (head instanceof Cons && !head.quoted) {
        this.stack.push(new SingleK(env));
        this.expr = head;
        return;
      }
      const v = head instanceof Sym ? lookup(head, env) : head;
      if (isFunc(v)) this.applyTail(v, [], env);
      else this.ret(v);
      return;
    }
    if (head instanceof Sym) {
      if (head === QUOTE) return this.ret(quoteForm(e));
      if (head === IF) return this.ifForm(e);
      if (head === QUASIQUOTE) return this.quasiquoteForm(e);
      if (head === CTX_WITH_DEADLINE || head === CTX_WITH) return this.ctxForm(e, head === CTX_WITH);
      const fn = lookup(head, env);
      if (fn instanceof VError) return this.ret(fn);
      // Arguments that need no evaluation step are computed here; the first one
      // that does moves the rest of the work into an ArgsK.
      const args: Value[] = [];
      for (let c: List = e.tail; c !== null; c = c.tail) {
        const a = c.head;
        if (a instanceof Cons && !a.quoted) {
          this.stack.push(new ArgsK(c.tail, env, fn, args));
          this.expr = a;
          return;
        }
        args.push(a instanceof Sym ? lookup(a, env) : a);
      }
      this.applyTail(fn, args, env);
      return;
    }
    this.stack.push(new ArgsK(e.tail, env, undefined, []));
    this.expr = head;
  }

  private applyLambda(fn: Lambda, args: Value[]): typeof PENDING {
    const frame = new Frame(fn.env);
    let f: List = fn.formals;
    let i = 0;
    while (f !== null) {
      const name = f.head as Sym;
      if (name === AMP) {
        if (f.tail === null) return this.fail('Invalid function format: & not followed by varargs name');
        frame.set(f.tail.head as Sym, listFromArray(args.slice(i), true));
        i = args.length;
        f = f.tail.tail;
        break;
      }
      if (i >= args.length) break;
      frame.set(name, args[i++]);
      f = f.tail;
    }
    if (i < args.length) {
      return this.fail(`More arguments were given than required. Actual: ${args.length}, Expected: ${listLength(fn.formals)}`);
    }
    if (f !== null && f.head === AMP && i >= args.length) {
      if (f.tail === null) return this.fail('Invalid function format: & not followed by varargs name');
      frame.set(f.tail.head as Sym, null);
      f = f.tail.tail;
    }
    if (f !== null) {
      // Partial application (spec §4.7 step 5): wait for the remaining formals.
      this.ret(new Lambda(f, fn.body, frame));
      return PENDING;
    }
    return this.enterBody(fn.body, frame);
  }

  /** Evaluates a lambda body (spec §4.8) as an active call, counted by `stack-depth`. */
  enterBody(body: Value, frame: Frame): typeof PENDING {
    const stack = this.stack;
    const top = stack[stack.length - 1];
    // A call in tail position of another call shares its marker, so tail calls run in constant space.
    if (top instanceof CallK) top.count++;
    else {
      if (stack.length > MAX_STACK) return this.fail('Stack overflow: too many nested calls');
      stack.push(new CallK(1));
    }
    calls.depth++;
    return evalBody(this, body, frame);
  }

  private fail(message: string): typeof PENDING {
    this.ret(new VError(message));
    return PENDING;
  }

  // ---- special forms (spec §4.4) ----

  private ifForm(e: Cons): void {
    const n = listLength(e) - 1;
    if (n < 2 || n > 3) return this.ret(new VError(`if requires 2-3 arguments, got ${n}`));
    const then = e.tail!.tail!;
    this.stack.push(new IfK(then.head, then.tail === null ? null : then.tail.head, then.tail !== null, this.env));
    this.expr = e.tail!.head;
  }

  private quasiquoteForm(e: Cons): void {
    const n = listLength(e) - 1;
    if (n !== 1) return this.ret(new VError(`quasiquote expects exactly 1 argument, got ${n}`));
    const r = expandTemplate(this, e.tail!.head, this.env);
    if (r !== PENDING) this.ret(r);
  }

  private ctxForm(e: Cons, withLocal: boolean): void {
    const operands = listLength(e) - 1;
    if (withLocal && operands < 3) return this.ret(new VError(`ctx/with requires key, value, and body, got ${operands} args`));
    if (!withLocal && operands < 2) {
      return this.ret(new VError(`ctx/with-deadline requires timeout-ms and body, got ${operands} args`));
    }
    new CtxK(e.tail!, this.env, withLocal).start(this);
  }
}

/** Evaluates a lambda body (spec §4.8): a sequence when its first element is a list, else one expression. */
export function evalBody(m: Control, body: Value, frame: Frame): typeof PENDING {
  if (body instanceof Cons) {
    const s = toSexpr(body);
    const first = s.head;
    if (first === null || first instanceof Cons) return evalSequence(m, s, frame);
    return m.evalTail(s, frame);
  }
  return m.evalTail(body, frame);
}

/**
 * A compiled lambda as the evaluator's data: its formals and body in the frame
 * its code closes over (built from the enclosing code's variables), with the
 * arguments partial application bound in a frame of their own.
 */
function asData(fn: Lambda): Lambda {
  const scope = fn.scope();
  const partial = fn.partial;
  if (partial === undefined) return new Lambda(fn.formals, fn.body, scope);
  const bound = new Frame(scope);
  let f = partial.formals;
  for (const v of partial.bound) {
    bound.set(f!.head as Sym, v);
    f = f!.tail;
  }
  return new Lambda(fn.formals, fn.body, bound);
}

function lookup(s: Sym, env: Frame): Value {
  if (s.keyword) return s;
  const v = env.lookup(s);
  return v === undefined ? unbound(s) : v;
}

function hostError(e: unknown): VError {
  return new VError(`Internal error: ${e instanceof Error ? e.message : String(e)}`);
}

function quoteForm(e: Cons): Value {
  const n = listLength(e) - 1;
  if (n !== 1) return new VError(`quote expects exactly 1 argument, got ${n}`);
  return e.tail!.head;
}

/** Evaluates the cells of an S-expression in order, stopping at the first Error; the last is a tail call. */
function evalSequence(m: Control, cells: Cons, env: Frame): typeof PENDING {
  if (cells.tail !== null) m.push(new SeqK(cells.tail, env));
  return m.evalTail(cells.head, env);
}

/** Evaluates an expression whose value may be a Q-expression to run (if branches, select results). */
export function evalBranch(m: Control, branch: Value, env: Frame): typeof PENDING {
  return m.evalTail(branch instanceof Cons ? toSexpr(branch) : branch, env);
}

// ---- continuation steps ----

/** Marks an active lambda call; `count` grows when tail calls share it. */
export class CallK implements Kont {
  constructor(public count: number) {}
  resume(_m: Control, v: Value): Value {
    calls.depth -= this.count;
    return v;
  }
  clone(): Kont {
    return new CallK(this.count);
  }
}

class SingleK implements Kont {
  constructor(readonly env: Frame) {}
  resume(m: Control, v: Value): BuiltinResult {
    return isFunc(v) ? m.applyTail(v, [], this.env) : v;
  }
  clone(): Kont {
    return this;
  }
}

class SeqK implements Kont {
  constructor(
    readonly cells: Cons,
    readonly env: Frame,
  ) {}
  resume(m: Control, v: Value): BuiltinResult {
    if (v instanceof VError) return v;
    return evalSequence(m, this.cells, this.env);
  }
  clone(): Kont {
    return this;
  }
}

/** Evaluates the head (unless already known) and then the arguments of an application. */
class ArgsK implements Kont {
  constructor(
    private rest: List,
    readonly env: Frame,
    private fn: Value | undefined,
    private args: Value[],
  ) {}

  resume(m: Control, v: Value): BuiltinResult {
    if (this.fn === undefined) {
      // An Error in head position is the value of the form; arguments are not evaluated.
      if (v instanceof VError) return v;
      this.fn = v;
    } else this.args.push(v);
    return this.next(m);
  }

  next(m: Control): typeof PENDING {
    const env = this.env;
    const args = this.args;
    let c = this.rest;
    while (c !== null) {
      const a = c.head;
      c = c.tail;
      if (a instanceof Cons && !a.quoted) {
        this.rest = c;
        m.push(this);
        return m.evalTail(a, env);
      }
      args.push(a instanceof Sym ? lookup(a, env) : a);
    }
    this.rest = null;
    return m.applyTail(this.fn!, args, env);
  }

  clone(): Kont {
    return new ArgsK(this.rest, this.env, this.fn, this.args.slice());
  }
}

class IfK implements Kont {
  constructor(
    readonly then: Value,
    readonly otherwise: Value,
    readonly hasElse: boolean,
    readonly env: Frame,
  ) {}
  resume(m: Control, v: Value): BuiltinResult {
    if (v instanceof VError) return v;
    if (truthy(v)) return evalBranch(m, this.then, this.env);
    if (!this.hasElse) return null;
    return evalBranch(m, this.otherwise, this.env);
  }
  clone(): Kont {
    return this;
  }
}

// ---- quasiquote (spec §4.4) ----

function hasOneOperand(l: Cons): boolean {
  return l.tail !== null && l.tail.tail === null;
}

/** Expands a template (spec §4.4): a value, an Error, or PENDING while an unquote is evaluated. */
function expandTemplate(m: Control, t: Value, env: Frame): BuiltinResult {
  if (!(t instanceof Cons)) return t;
  if (t.head === UNQUOTE) {
    if (!hasOneOperand(t)) return new VError('unquote expects exactly 1 argument');
    return m.evalTail(t.tail!.head, env);
  }
  if (t.head === UNQUOTE_SPLICING) return new VError('unquote-splicing (,@) not valid at top level of quasiquote');
  return new QuasiK(t, t.quoted, env, []).next(m);
}

/** Builds a template list element by element; elements that need evaluation suspend it. */
class QuasiK implements Kont {
  private splicing = false;

  constructor(
    private rest: List,
    readonly quoted: boolean,
    readonly env: Frame,
    private out: Value[],
  ) {}

  resume(m: Control, v: Value): BuiltinResult {
    // An Error from any evaluation or nested expansion is the result.
    if (v instanceof VError) return v;
    if (this.splicing) {
      if (v !== null && !(v instanceof Cons)) return new VError(`unquote-splicing requires a list, got ${typeName(v)}`);
      for (let c: List = v; c !== null; c = c.tail) this.out.push(c.head);
    } else this.out.push(v);
    return this.next(m);
  }

  next(m: Control): BuiltinResult {
    while (this.rest !== null) {
      const elem = this.rest.head;
      this.rest = this.rest.tail;
      if (!(elem instanceof Cons)) {
        this.out.push(elem);
        continue;
      }
      this.splicing = elem.head === UNQUOTE_SPLICING;
      if (this.splicing && !hasOneOperand(elem)) return new VError('unquote-splicing expects exactly 1 argument');
      m.push(this);
      if (this.splicing) return m.evalTail(elem.tail!.head, this.env);
      return expandTemplate(m, elem, this.env);
    }
    return listFromArray(this.out, this.quoted);
  }

  clone(): Kont {
    const k = new QuasiK(this.rest, this.quoted, this.env, this.out.slice());
    k.splicing = this.splicing;
    return k;
  }
}

// ---- request-context forms (spec §12, intended meaning) ----

class CtxK implements Kont {
  private phase: 'key' | 'value' | 'body' = 'key';
  private key: Value = null;
  private saved: RequestContext | null = null;
  constructor(
    private rest: List,
    readonly env: Frame,
    readonly withLocal: boolean,
  ) {}

  start(m: Machine): void {
    const first = this.rest!.head;
    this.rest = this.rest!.tail;
    m.push(this);
    m.evalTail(first, this.env);
  }

  resume(m: Control, v: Value): BuiltinResult {
    const machine = m as Machine;
    if (this.phase === 'key') {
      if (this.withLocal) {
        this.key = v;
        this.phase = 'value';
        m.push(this);
        const valueExpr = this.rest!.head;
        this.rest = this.rest!.tail;
        return m.evalTail(valueExpr, this.env);
      }
      if (typeof v !== 'number' && typeof v !== 'bigint') {
        return new VError(`ctx/with-deadline timeout must be a number, got ${typeName(v)}`);
      }
      this.enter(machine, { deadline: performance.now() + Number(v), key: null, value: null, hasLocal: false });
    } else if (this.phase === 'value') {
      this.enter(machine, { deadline: machine.ctx?.deadline ?? null, key: this.key, value: v, hasLocal: true });
    } else if (this.rest === null) {
      machine.ctx = this.saved;
      return v;
    }
    m.push(this);
    const expr = this.rest!.head;
    this.rest = this.rest!.tail;
    return m.evalTail(expr, this.env);
  }

  private enter(m: Machine, ctx: Omit<RequestContext, 'parent'>): void {
    this.saved = m.ctx;
    const parentDeadline = m.ctx?.deadline ?? null;
    const deadline = parentDeadline !== null && ctx.deadline !== null ? Math.min(parentDeadline, ctx.deadline) : ctx.deadline;
    m.ctx = { ...ctx, deadline, parent: m.ctx };
    this.phase = 'body';
  }

  clone(): Kont {
    const k = new CtxK(this.rest, this.env, this.withLocal);
    k.phase = this.phase;
    k.key = this.key;
    k.saved = this.saved;
    return k;
  }
}


/** The evaluator's part of a fiber suspended in a wait: its steps, pushed back when it resumes. */
class WaitingSteps extends Suspended {
  private readonly ctx: RequestContext | null;
  constructor(
    private readonly machine: Machine,
    private readonly rest: Kont[],
    private readonly delimiters: number,
  ) {
    super();
    this.ctx = machine.ctx;
  }
  protected goOn(v: Value): Value {
    return this.machine.execute((m) => {
      const rest = this.rest;
      for (const k of rest) m.push(k === rest[0] ? (k.afterWait?.() ?? k) : k);
      this.machine.resets += this.delimiters;
      this.machine.ctx = this.ctx;
      return v;
    }, true);
  }
}
