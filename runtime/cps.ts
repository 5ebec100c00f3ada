// Compiled code under a reset: the continuation-passing side (docs/compiler.md,
// "Continuations").
//
// A compiled lambda that may suspend has, besides its direct code, a `cps`
// function: `cps(k, owed, ...args)` runs the body and hands the body's value
// to k instead of returning it; what it returns is the answer of the enclosing
// reset. Every call in such code is a tail call, so the JS stack can be cut
// at any moment: once a budget of calls is spent a Bounce is returned in place
// of the answer, and the trampoline that started the code (runCps) carries on
// from it. `owed` counts the active calls (`stack-depth`) that tail calls hand
// on, as `calls.owed` does for direct code.
//
// The evaluator calls such code when a prompt is on its stack (enterCps), and
// such code calls the evaluator for everything else (throughMachine), leaving
// a CpsBoundaryK behind so that a capture in the evaluator takes the compiled
// continuation along (builtins/continuations.ts).

import { apply, applyCompiled, calls, callPlain, currentMachine, settle } from './calls.js';
import { REFLECT } from './compiled.js';
import type { Frame } from './frame.js';
import type { Machine } from './machine.js';
import {
  Aborted,
  CpsBoundaryK,
  nearestDelimiter,
  pushFiber,
  noPrompt,
  ResetK,
  SHIFT,
  ShiftBodyK,
  shiftBody,
  shiftName,
  takeRest,
  type Delimited,
  type RunCps,
} from './builtins/continuations.js';
import { startAsync } from './aio/async.js';
import { Handle } from './aio/handle.js';
import { mayWait, nesting, resets as fiberResets, suspend, Suspended, SUSPENDED, WAIT } from './fibers.js';
import { Builtin, Lambda, PENDING, toSexpr, Cons, VError, type Value } from './values.js';
import { countError } from './builtins/errors.js';
import { filter, foldl, map, walksDirectly } from './natives.js';
import { cannotSuspend, cannotSuspendWith, cpsHolds, plainBuiltin } from './suspends.js';

/** A continuation of compiled code: takes a value, gives the reset's answer (or a Bounce). */
export type K = (v: Value) => Value;
type CpsCode = (k: K, owed: number, ...args: Value[]) => Value;

/** Returned in place of an answer to cut the JS stack; the trampoline runs `next`. */
class Bounce {
  constructor(readonly next: () => Value) {}
}

/** The shift body's call of a continuation in tail position: the trampoline goes on with it (see cpsShift). */
class TailResume {
  constructor(readonly go: () => Value) {}
}

/** Calls (and continuations) between two cuts of the JS stack. */
const BUDGET = 100;
let budget = 0;

/** calls.depth at the prompt the running code answers to: a capture takes away the calls counted above it. */
let promptDepth = 0;
/** What the running trampoline delimits: an async-shift in a fiber's own trampoline has no reset to reach. */
let delimited: Delimited = 'fiber';

/**
 * Runs compiled continuation-passing code to its answer, as the prompt it
 * answers to. `handsOn` when the caller gives the answer on as its own, so
 * that a fiber may suspend inside (runtime/fibers.ts).
 */
export const runCps: RunCps = (start, delimits, handsOn) => {
  const outer = promptDepth;
  const outerDelimited = delimited;
  const depth = (promptDepth = calls.depth);
  delimited = delimits;
  // Code that needs the answer keeps the resets it is inside to itself: the
  // answer comes back once the resets entered here have all ended.
  const resets = fiberResets;
  const outerBase = resets.base;
  if (!handsOn) {
    nesting.opaque++;
    resets.base = resets.frames === null ? 0 : resets.frames.length;
  }
  try {
    let r: unknown = start();
    while (r instanceof Bounce) r = r.next();
    return r as Value;
  } finally {
    promptDepth = outer;
    delimited = outerDelimited;
    calls.depth = depth;
    if (!handsOn) {
      nesting.opaque--;
      // Left over only when the code ended by a host exception.
      if (resets.frames !== null && resets.frames.length !== resets.base) resets.frames.length = resets.base;
      resets.base = outerBase;
    }
  }
};

/** What goes on after a reset in continuation-passing code: see `kreset`. */
interface ResetFrame {
  readonly k: K;
  readonly owed: number;
  /** calls.depth when the reset began. */
  readonly depth: number;
  /** What the code around the reset answered to. */
  readonly promptDepth: number;
  readonly delimited: Delimited;
}

/** Enters a reset whose value k goes on with: its body and shift bodies end in POP. */
function pushReset(k: K, owed: number): void {
  const frame: ResetFrame = { k, owed, depth: calls.depth, promptDepth, delimited };
  (fiberResets.frames ??= []).push(frame);
  promptDepth = calls.depth;
  delimited = 'reset';
}

/**
 * The end of a reset body or of a shift body: the reset's value goes on after
 * the innermost reset entered in this trampoline, or is its answer.
 */
const POP: K = (v) => {
  const resets = fiberResets;
  if (resets.frames === null || resets.frames.length === resets.base) return v;
  const f = resets.frames.pop() as ResetFrame;
  promptDepth = f.promptDepth;
  delimited = f.delimited;
  calls.depth = f.depth - f.owed;
  return kret(f.k, v);
};

/** A reset's value handed on from the evaluator (a shift there ended it): what goes on after that reset. */
export function afterReset(v: Value): Value {
  return runCps(() => POP(v), delimited, true);
}

/** Hands a value to a continuation. */
export function kret(k: K, v: Value): Value {
  if (++budget > BUDGET) {
    budget = 0;
    return new Bounce(() => k(v)) as unknown as Value;
  }
  return k(v);
}

function callCps(f: Lambda, k: K, owed: number, args: Value[]): Value {
  return (f.cps as CpsCode)(k, owed, ...args);
}

let pendingK: K = (v) => v;
let pendingOwed = 0;
let pendingFn: Builtin | undefined;
let pendingArgs: Value[] = [];

/**
 * A call from continuation-passing code: the callee's own such code, or its
 * direct code when it cannot suspend, or the evaluator. REFLECT when the
 * callee needs the caller's frame: the caller then goes on with kreflect.
 */
export function kcall(k: K, owed: number, f: Value, args: Value[]): Value {
  if (f instanceof Lambda && f.code !== undefined && f.direct === args.length) {
    if (cannotSuspendWith(f, args)) {
      const r = settle(applyCompiled(f, args));
      calls.depth -= owed;
      return kret(k, r);
    }
    if (typeof f.cps === 'function' && cpsHolds(f)) {
      if (++budget > BUDGET) {
        budget = 0;
        return new Bounce(() => callCps(f, k, owed, args)) as unknown as Value;
      }
      return callCps(f, k, owed, args);
    }
  }
  if (f instanceof Builtin) {
    if (f instanceof Continuation && args.length === 1) return f.resumeWith(k, owed, args[0]);
    if (f.waits) return kwait(k, owed, f, args);
    if (f.reflective) {
      pendingK = k;
      pendingOwed = owed;
      pendingFn = f;
      pendingArgs = args;
      return REFLECT;
    }
    if (f.plain) return kplain(k, owed, f, args);
  }
  const m = currentMachine();
  return throughMachine(k, owed, (mm) => mm.applyTail(f, args, m.global));
}

/**
 * Whether a call of f with n arguments goes straight to its continuation-passing
 * code, within the budget: kcall's common case, taken by kcall0-3 without an
 * argument array.
 */
function straightToCps(f: Value, n: number): f is Lambda {
  // A lambda with guarded parameters goes to kcall, which looks at the arguments.
  return f instanceof Lambda && f.direct === n && typeof f.cps === 'function' && f.guarded === undefined && (f.leaf === undefined || !cannotSuspend(f)) && cpsHolds(f) && ++budget <= BUDGET;
}

/** A builtin kcall would call at once (kplain), a continuation aside. */
function plainCall(f: Value): f is Builtin {
  return plainBuiltin(f) && !(f instanceof Continuation);
}

export function kcall0(k: K, owed: number, f: Value): Value {
  if (straightToCps(f, 0)) return (f.cps as CpsCode)(k, owed);
  return kcall(k, owed, f, []);
}
export function kcall1(k: K, owed: number, f: Value, a: Value): Value {
  if (straightToCps(f, 1)) return (f.cps as CpsCode)(k, owed, a);
  if (f instanceof Continuation) return f.resumeWith(k, owed, a);
  if (plainCall(f)) return kplain(k, owed, f, [a]);
  return kcall(k, owed, f, [a]);
}
export function kcall2(k: K, owed: number, f: Value, a: Value, b: Value): Value {
  if (straightToCps(f, 2)) return (f.cps as CpsCode)(k, owed, a, b);
  if (plainCall(f)) return kplain(k, owed, f, [a, b]);
  return kcall(k, owed, f, [a, b]);
}
export function kcall3(k: K, owed: number, f: Value, a: Value, b: Value, c: Value): Value {
  if (straightToCps(f, 3)) return (f.cps as CpsCode)(k, owed, a, b, c);
  return kcall(k, owed, f, [a, b, c]);
}

/**
 * `aio/await` (f, the standard one) of v, tried by continuation-passing code
 * before it makes its continuation (compiler/cps.ts): the outcome when v has
 * settled (or the Error the builtin gives), else WAIT, and the code then
 * calls it again through kcall to suspend, its continuation in hand.
 */
export function awaitNow(f: Builtin, v: Value): Value {
  // A completed handle's result needs none of the builtin's work (its argument array, the
  // flush of output before a wait): the common case of a loop of awaits.
  if (v instanceof Handle && v.status === 'completed') return v.value;
  return callPlain(f, [v]);
}

/** A builtin that neither looks at the caller's frame nor drives the evaluator: called at once. */
function kplain(k: K, owed: number, f: Builtin, args: Value[]): Value {
  const r = callPlain(f, args);
  calls.depth -= owed;
  return kret(k, r);
}

const WALKS = { map, filter, foldl } as const;

/**
 * A call of the prelude's `map`, `filter` or `foldl` from continuation-passing
 * code (h is the global's value, std the prelude's): the runtime's built-in walk
 * when nothing in it can suspend, else an ordinary call of h.
 */
export function knative(k: K, owed: number, name: keyof typeof WALKS, h: Value, std: Value, args: Value[]): Value {
  if (h === std && walksDirectly(args[0])) {
    const r = (WALKS[name] as (std: Value, ...a: Value[]) => Value)(std, ...args);
    calls.depth -= owed;
    return kret(k, r);
  }
  return kcall(k, owed, h, args);
}

/**
 * A builtin that may suspend the fiber, called from continuation-passing code:
 * when it waits, k is the rest of the fiber (no reset lies between: their
 * trampolines do not let a fiber wait), run on a trampoline of its own when
 * the fiber resumes.
 */
function kwait(k: K, owed: number, f: Builtin, args: Value[]): Value {
  const r = callPlain(f, args);
  if (r === WAIT) return suspend(new WaitingK(k, owed));
  calls.depth -= owed;
  return kret(k, r);
}

/** Continuation-passing code suspended in a wait: k goes on, on a trampoline of its own. */
class WaitingK extends Suspended {
  // The resets around stay in the fiber's frames; what the code answers to comes back with it.
  private readonly inside = delimited;
  private readonly answersTo = promptDepth;
  constructor(
    private readonly k: K,
    private readonly owed: number,
  ) {
    super();
  }
  protected goOn(v: Value): Value {
    return runCps(
      () => {
        promptDepth = this.answersTo;
        calls.depth -= this.owed;
        return this.k(v);
      },
      this.inside,
      true,
    );
  }
}

/** Finishes a call that answered REFLECT, in the caller's frame. */
export function kreflect(env: Frame): Value {
  const f = pendingFn!;
  pendingFn = undefined;
  const k = pendingK;
  const owed = pendingOwed;
  const args = pendingArgs;
  if (f.name === SHIFT) return cpsShift(k, owed, args, env);
  return throughMachine(k, owed, (m) => m.applyTail(f, args, env));
}

/** Data run by the evaluator in the caller's frame (an `eval` of a literal, a guard's slow path). */
export function keval(k: K, owed: number, datum: Value, asCode: boolean, env: Frame): Value {
  return throughMachine(k, owed, (m) => m.evalTail(asCode && datum instanceof Cons ? toSexpr(datum) : datum, env));
}

function throughMachine(k: K, owed: number, start: (m: Machine) => typeof PENDING | Value): Value {
  const m = currentMachine();
  const r = m.execute((mm) => {
    const machine = mm as Machine;
    machine.stack.push(new CpsBoundaryK(k, calls.depth, false, runCps, delimited));
    machine.resets++;
    return start(machine);
  }, true);
  if (r instanceof Aborted) return r.answer;
  // The fiber waits: k went with the rest of it, in the boundary.
  if (r === SUSPENDED) return r;
  calls.depth -= owed;
  return kret(k, r);
}


/** A continuation captured by compiled code: resuming it runs k, the compiled rest up to the reset. */
class Continuation extends Builtin {
  constructor(
    private readonly k: K,
    private readonly captured: number,
  ) {
    super('continuation', (args, _env, c) => (args.length !== 1 ? countError(args.length, '==', 1) : this.resumeFrom(c as Machine, args[0])));
  }
  /** Runs the rest with v, in the caller's trampoline: the calls it had active are active again. */
  resume(v: Value): Value {
    calls.depth += this.captured;
    return this.k(v);
  }
  /**
   * Called from continuation-passing code, whose rest is k. In tail position of a
   * shift body (k is POP) its answer is the body's, so it goes on in this
   * trampoline. Elsewhere it runs on a trampoline of its own, which is quicker
   * than a reset frame, but a fiber cannot wait inside it.
   */
  resumeWith(k: K, owed: number, v: Value): Value {
    if (k === POP) {
      calls.depth -= owed;
      return this.resume(v);
    }
    const r = this.resumeFrom(currentMachine(), v);
    calls.depth -= owed;
    return kret(k, r);
  }
  /** Called as a function: on a trampoline of its own, unless it is the last thing a shift body does (see cpsShift). */
  private resumeFrom(m: Machine, v: Value): Value {
    if (m.stack.length === m.base + 1 && m.stack[m.base] instanceof ShiftBodyK) {
      // In tail position of a shift body run by the evaluator, the resumed rest is that body's
      // answer: hand it to the trampoline there instead of nesting a new one.
      m.stack.pop();
      m.resets--;
      return new TailResume(() => this.resume(v)) as unknown as Value;
    }
    return runCps(() => this.resume(v), 'reset', false);
  }
}

/**
 * `(async-shift {k} {body})` in compiled code: the body, as continuation-passing
 * code of k (or a lambda of k), gives the reset's answer.
 */
export function kshift(k: K, owed: number, body: CpsCode | Lambda): Value {
  if (delimited === 'fiber') {
    calls.depth -= owed;
    return kret(k, noPrompt(currentMachine(), false));
  }
  // The calls the rest has active, less those that end as soon as it is resumed (a shift in tail position).
  const captured = calls.depth - promptDepth - owed;
  calls.depth = promptDepth;
  const resume = new Continuation(k, captured);
  // owed -1: a shift body is not a call, so it gives back none when it ends.
  return typeof body === 'function' ? body(POP, -1, resume) : kcall(POP, 0, body, [resume]);
}

/** `(async-reset {body})` in direct code: the body's continuation-passing code, run to its answer. */
export function reset(body: CpsCode): Value {
  // owed -1: the body is not a call, so it gives back none when it ends.
  return runCps(() => body(POP, -1), 'reset', false);
}

/**
 * `(async-reset {body})` in continuation-passing code: the body runs in this
 * trampoline, and its value (or a shift body's) goes on with k — so that a
 * fiber can suspend inside, the reset's rest kept with it in a frame.
 */
export function kreset(k: K, owed: number, body: CpsCode): Value {
  if (!mayWait()) {
    // No code read so far can wait: a trampoline of its own is quicker than a frame.
    const r = reset(body);
    calls.depth -= owed;
    return kret(k, r);
  }
  pushReset(k, owed);
  // owed -1: the body is not a call, so it gives back none when it ends.
  return body(POP, -1);
}

/** A shift in direct code: no prompt it could capture up to is in reach. */
export function shiftOutside(): VError {
  return noPrompt(currentMachine(), true);
}

/**
 * `async-shift` called from continuation-passing code: k is the rest up to the
 * prompt. The shift body runs in the evaluator; its value is the answer.
 */
function cpsShift(k: K, owed: number, args: Value[], env: Frame): Value {
  const checked = shiftName(args);
  const name = checked instanceof VError || delimited !== 'fiber' ? checked : noPrompt(currentMachine(), false);
  if (name instanceof VError) {
    calls.depth -= owed;
    return kret(k, name);
  }
  const captured = calls.depth - promptDepth - owed;
  calls.depth = promptDepth;
  const m = currentMachine();
  const resume = new Continuation(k, captured);
  const r = m.execute((mm) => {
    const machine = mm as Machine;
    machine.stack.push(new ShiftBodyK(calls.depth));
    machine.resets++;
    return shiftBody(machine, name, resume, args[1], env);
  });
  if (r instanceof TailResume) return new Bounce(r.go) as unknown as Value;
  return POP(r);
}

/**
 * The evaluator reaching a compiled lambda that has continuation-passing code
 * while a prompt is on its stack: the steps above the prompt become the
 * lambda's continuation, and the prompt's value is the answer. Undefined when
 * no prompt can be reached (the caller then runs the lambda as data).
 */
export function enterCps(m: Machine, fn: Lambda, args: Value[]): Value | undefined {
  return enterCode(m, (k) => callCps(fn, k, 0, args));
}

/**
 * Continuation-passing code run by the evaluator: the steps above the nearest
 * delimiter become its continuation k, and the delimiter's value is the answer
 * (see enterCps). Undefined when no delimiter can be reached.
 */
export function enterCode(m: Machine, start: (k: K) => Value): Value | undefined {
  const i = nearestDelimiter(m);
  if (i === undefined) return undefined;
  const { prompt, replay } = takeRest(m, i);
  m.stack.length = i;
  // Up to a reset, the answer is the reset's value, which the evaluator goes on with; up
  // to a fiber's start or compiled code, it is handed on.
  const handsOn = !(prompt instanceof ResetK);
  const k: K = (w) => m.execute((mm) => replay(mm as Machine, w), handsOn);
  const answer = runCps(() => start(k), prompt.fiber === true ? 'fiber' : 'reset', handsOn);
  return prompt.finish(m, answer);
}


/**
 * Calls f as the whole of a fiber's code (runtime/fibers.ts): gives its value,
 * or SUSPENDED when the fiber waits. Compiled code that may suspend runs as
 * continuation-passing code; other functions run in the evaluator, above a
 * fiber's start.
 */
export function fiberCall(f: Value, args: Value[]): Value {
  if (!mayWait()) return apply(f, args, currentMachine().global);
  if (f instanceof Lambda && typeof f.cps === 'function' && f.direct === args.length && cpsHolds(f)) {
    return runCps(() => callCps(f, POP, 0, args), 'fiber', true);
  }
  const m = currentMachine();
  return m.execute((mm) => {
    const machine = mm as Machine;
    pushFiber(machine);
    return machine.applyTail(f, args, machine.global);
  }, true);
}

/** `(async {body})` in compiled code: the body's continuation-passing code, as the whole of a new fiber. */
export function spawnAsync(body: CpsCode): Value {
  // owed -1: the body is not a call, so it gives back none when it ends.
  return startAsync(() => runCps(() => body(POP, -1), 'fiber', true));
}
