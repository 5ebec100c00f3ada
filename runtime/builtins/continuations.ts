// Delimited continuations (spec §9.4): `async-reset` and `async-shift`, on the
// evaluator's stack.
//
// A reset pushes a prompt (ResetK) and evaluates its body. A shift takes the
// steps above the nearest prompt off the stack — the rest of the computation up
// to the reset — and binds k to a function holding them. Calling k pushes a new
// prompt and copies of those steps and returns its argument into them, so k
// gives the value the reset body then produces, and can run any number of
// times, from anywhere, after the reset has returned too.
//
// Compiled code under a reset runs in continuation-passing style
// (runtime/cps.ts), and meets the evaluator at a second kind of prompt, a
// CpsBoundaryK: it holds the compiled code's continuation, which a capture
// through it takes along. A capture stops where the innermost `execute` began
// (host frames lie below) and at a fiber boundary: the program's top level is
// a fiber, and only a fiber's own prompt, never async-shift, may capture
// through it (DESIGN.md, runtime model).

import { calls } from '../calls.js';
import { afterReset } from '../cps.js';
import { Frame } from '../frame.js';
import { evalBody, type Machine, type RequestContext } from '../machine.js';
import { Builtin, Cons, Sym, VError, type BuiltinResult, type Control, type Kont, type Value } from '../values.js';
import { countError } from './errors.js';
import type { Define } from './index.js';

/** The answer of a reset that compiled code entered the evaluator from, on its way back there (runtime/cps.ts). */
export class Aborted {
  constructor(readonly answer: Value) {}
}

/** A delimiter on the evaluator's stack. */
export interface Prompt extends Kont {
  /** calls.depth when the prompt was pushed: a capture takes away the calls counted above it. */
  readonly depth: number;
  /** Pushes a fresh prompt of the same kind, for running a copy of what was above this one. */
  reenter(m: Machine): void;
  /** The value to hand on in place of this prompt's own when the rest above it ran elsewhere and gave `answer`. */
  finish(m: Machine, answer: Value): Value;
}

/** What a trampoline of compiled code delimits: a reset's body, or a whole fiber. */
export type Delimited = 'reset' | 'fiber';

/** Runs compiled continuation-passing code to its answer (runtime/cps.ts); `handsOn` as in Machine.execute. */
export type RunCps = (start: () => Value, delimited: Delimited, handsOn: boolean) => Value;

/** async-reset's delimiter: gives the reset body's value, and restores the request context the reset began in. */
export class ResetK implements Prompt {
  readonly delimits = true;
  constructor(
    readonly ctx: RequestContext | null,
    readonly depth: number,
    /**
     * After a capture through a CpsBoundaryK, this prompt's value is the value of the
     * compiled code's reset: `outer` when that code waits for it in throughMachine,
     * `inline` when the boundary ran the code itself at the bottom of an execute,
     * `inline-nested` when above other steps (runtime/cps.ts).
     */
    readonly aborted?: 'outer' | 'inline' | 'inline-nested',
  ) {}
  resume(c: Control, v: Value): Value {
    return this.finish(c as Machine, v);
  }
  finish(m: Machine, answer: Value): Value {
    m.resets--;
    m.ctx = this.ctx;
    calls.depth = this.depth;
    // Nested, the compiled code ran on a trampoline of its own, whose answer the reset's value is.
    if (this.aborted === undefined || this.aborted === 'inline-nested') return answer;
    // Otherwise the code's reset has its value: what follows that reset goes on now.
    const after = afterReset(answer);
    return this.aborted === 'outer' ? (new Aborted(after) as unknown as Value) : after;
  }
  reenter(m: Machine): void {
    pushPrompt(m);
  }
  clone(): Kont {
    return this;
  }
}

/**
 * Where compiled code in continuation-passing style called into the evaluator:
 * `k` is what the compiled code does with the value. An `outer` boundary hands
 * the value back to the compiled caller, which goes on with k; an `inline` one
 * (made when a captured continuation is resumed) runs k itself.
 */
export class CpsBoundaryK implements Prompt {
  readonly delimits = true;
  /** Inside a fiber but no reset, the compiled code's prompt is the fiber's: async-shift stops here. */
  readonly fiber: boolean;
  constructor(
    readonly k: (v: Value) => Value,
    readonly depth: number,
    readonly inline: boolean,
    private readonly run: RunCps,
    readonly delimited: Delimited,
  ) {
    this.fiber = delimited === 'fiber';
  }
  resume(c: Control, v: Value): Value {
    const m = c as Machine;
    m.resets--;
    // At the bottom of the execute, k's answer is the execute's: a fiber may suspend in k.
    return this.inline ? this.run(() => this.k(v), this.delimited, m.stack.length === m.base) : v;
  }
  finish(m: Machine, answer: Value): Value {
    m.resets--;
    return this.inline ? answer : (new Aborted(answer) as unknown as Value);
  }
  reenter(m: Machine): void {
    m.stack.push(this.afterWait());
    m.resets++;
  }
  /** Once the caller that waited for an outer boundary's value is gone, the boundary runs k itself. */
  afterWait(): CpsBoundaryK {
    return new CpsBoundaryK(this.k, calls.depth, true, this.run, this.delimited);
  }
  clone(): Kont {
    return this;
  }
}

/**
 * The bottom of a fiber run by the evaluator (runtime/fibers.ts): a delimiter
 * compiled code under it answers to, which async-shift never captures up to.
 */
export class FiberK implements Prompt {
  readonly delimits = true;
  readonly fiber = true;
  constructor(readonly depth: number) {}
  resume(c: Control, v: Value): Value {
    (c as Machine).resets--;
    return v;
  }
  finish(m: Machine, answer: Value): Value {
    m.resets--;
    return answer;
  }
  reenter(m: Machine): void {
    m.stack.push(new FiberK(calls.depth));
    m.resets++;
  }
  clone(): Kont {
    return this;
  }
}

/**
 * The prompt a shift body called from compiled code runs above (runtime/cps.ts):
 * a plain delimiter, of its own class so that a continuation resumed in tail
 * position of the body can tell.
 */
export class ShiftBodyK extends CpsBoundaryK {
  constructor(depth: number) {
    super((v) => v, depth, true, (start) => start(), 'reset');
  }
}

/** Starts a fiber's code in the evaluator (runtime/fibers.ts). */
export function pushFiber(m: Machine): void {
  m.stack.push(new FiberK(calls.depth));
  m.resets++;
}

function pushPrompt(m: Machine): void {
  const top = m.stack[m.stack.length - 1];
  // A prompt directly on another just like it adds nothing: the inner one would hand its
  // value straight to the outer. Not pushing it keeps loops of resumptions in constant space.
  if (top instanceof ResetK && top.aborted === undefined && top.ctx === m.ctx && top.depth === calls.depth) return;
  m.stack.push(new ResetK(m.ctx, calls.depth));
  m.resets++;
}

/** The nearest prompt an async-shift may capture up to, as a stack index, or an Error saying why there is none. */
export function nearestPrompt(m: Machine): number | VError {
  const stack = m.stack;
  let i = stack.length - 1;
  while (i >= m.base && !isPrompt(stack[i]) && stack[i].fiber !== true) i--;
  if (i >= m.base && isPrompt(stack[i]) && stack[i].fiber !== true) return i;
  return noPrompt(m, i < m.base);
}

/** The nearest delimiter compiled code can answer to (a prompt or a fiber's start), as a stack index. */
export function nearestDelimiter(m: Machine): number | undefined {
  const stack = m.stack;
  for (let i = stack.length - 1; i >= m.base; i--) if (isPrompt(stack[i])) return i;
  return undefined;
}

/** Why a shift has nothing to capture up to; `hostBelow` when the search stopped at host frames. */
export function noPrompt(m: Machine, hostBelow: boolean): VError {
  // A prompt below the host frames cannot be reached: say so rather than pretend there is none.
  if (hostBelow && m.stack.some((k, i) => i < m.base && isPrompt(k) && k.fiber !== true)) return new VError('async-shift: the enclosing async-reset is beyond a host call');
  return new VError('async-shift: no enclosing async-reset');
}

function isPrompt(k: Kont): k is Prompt {
  return k instanceof ResetK || k instanceof CpsBoundaryK || k instanceof FiberK;
}

/**
 * Takes the steps above the prompt at `i` off the stack, and the calls they count;
 * gives them back with `replay`, which runs a copy of them above a fresh prompt.
 */
export function takeRest(m: Machine, i: number): { prompt: Prompt; replay: (m: Machine, v: Value) => Value } {
  const prompt = m.stack[i] as Prompt;
  const rest = m.stack.splice(i + 1);
  const counted = calls.depth - prompt.depth;
  calls.depth = prompt.depth;
  const ctx = m.ctx;
  const replay = (mm: Machine, v: Value): Value => {
    prompt.reenter(mm);
    // Steps keep state as they run (argument lists, positions): each replay runs copies.
    for (const k of rest) mm.stack.push(k.clone());
    calls.depth += counted;
    mm.ctx = ctx;
    return v;
  };
  return { prompt, replay };
}

/** `(async-reset body)`: body is evaluated like a lambda body, in the caller's frame, inside a prompt. */
function reset(args: Value[], env: Frame, c: Control): BuiltinResult {
  if (args.length !== 1) return countError(args.length, '==', 1);
  const m = c as Machine;
  pushPrompt(m);
  return evalBody(m, args[0], env);
}

/** What async-shift checks of its arguments; the continuation's name if they are right. */
export function shiftName(args: Value[]): Sym | VError {
  if (args.length !== 2) return countError(args.length, '==', 2);
  const names = args[0];
  if (!(names instanceof Cons) || !(names.head instanceof Sym) || names.tail !== null) {
    return new VError("async-shift: the first argument must be a list of one symbol, the continuation's name");
  }
  return names.head;
}

/** Evaluates a shift body with k bound in a frame of its own whose parent is the caller's. */
export function shiftBody(m: Machine, name: Sym, k: Value, body: Value, env: Frame): BuiltinResult {
  const frame = new Frame(env);
  frame.set(name, k);
  return evalBody(m, body, frame);
}

/** `(async-shift {k} body)`: captures up to the nearest prompt and evaluates body with k bound. */
function shift(args: Value[], env: Frame, c: Control): BuiltinResult {
  const name = shiftName(args);
  if (name instanceof VError) return name;
  const m = c as Machine;
  const i = nearestPrompt(m);
  if (i instanceof VError) return i;
  const { prompt, replay } = takeRest(m, i);
  if (prompt instanceof CpsBoundaryK) {
    // The compiled code's continuation is abandoned with the rest: the shift body's value
    // is now the answer it waits for, so the boundary becomes a plain prompt that says so.
    m.stack[i] = new ResetK(m.ctx, prompt.depth, !prompt.inline ? 'outer' : i === m.base ? 'inline' : 'inline-nested');
  } else m.ctx = (prompt as ResetK).ctx;
  // A function of one argument; it drives the evaluator (it pushes the steps to run), so it is not plain.
  const k = new Builtin('continuation', (kargs, _env, kc) => (kargs.length !== 1 ? countError(kargs.length, '==', 1) : replay(kc as Machine, kargs[0])), false, false);
  return shiftBody(m, name, k, args[1], env);
}

export const SHIFT = 'async-shift';

export function install(define: Define): void {
  define('async-reset', reset);
  define(SHIFT, shift);
}
