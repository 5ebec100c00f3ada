// Delimited continuations (spec §9.4): `async-reset` and `async-shift`, in the evaluator.
//
// A reset pushes a prompt (ResetK) and evaluates its body. A shift takes the
// steps above the nearest prompt off the stack — the rest of the computation up
// to the reset — and binds k to a function holding them. Calling k pushes a new
// prompt and copies of those steps and returns its argument into them, so k
// gives the value the reset body then produces, and can run any number of
// times, from anywhere, after the reset has returned too.
//
// Only the machine's stack can be captured. While a prompt is on it, the
// machine runs compiled lambdas from their data (machine.ts), so compiled code
// between a shift and its reset is data like the rest. A capture stops where
// the innermost `execute` began (host frames lie below) and at a fiber
// boundary: the program's top level is a fiber, and only a fiber's own prompt,
// never async-shift, may capture through it (DESIGN.md, runtime model).

import { calls } from '../calls.js';
import { Frame } from '../frame.js';
import { CallK, evalBody, type Machine, type RequestContext } from '../machine.js';
import { Builtin, Cons, Sym, VError, type BuiltinResult, type Control, type Kont, type Value } from '../values.js';
import { countError } from './errors.js';
import type { Define } from './index.js';

/** The delimiter: returns the reset body's value, and restores the request context the reset began in. */
class ResetK implements Kont {
  constructor(readonly ctx: RequestContext | null) {}
  resume(c: Control, v: Value): Value {
    const m = c as Machine;
    m.resets--;
    m.ctx = this.ctx;
    return v;
  }
  clone(): Kont {
    return this;
  }
}

function pushPrompt(m: Machine): void {
  const top = m.stack[m.stack.length - 1];
  // A prompt directly on another with the same context adds nothing: the inner one would hand
  // its value straight to the outer. Not pushing it keeps loops of resumptions in constant space.
  if (top instanceof ResetK && top.ctx === m.ctx) return;
  m.stack.push(new ResetK(m.ctx));
  m.resets++;
}

/** `(async-reset body)`: body is evaluated like a lambda body, in the caller's frame, inside a prompt. */
function reset(args: Value[], env: Frame, c: Control): BuiltinResult {
  if (args.length !== 1) return countError(args.length, '==', 1);
  const m = c as Machine;
  pushPrompt(m);
  return evalBody(m, args[0], env);
}

/** `(async-shift {k} body)`: captures up to the nearest reset and evaluates body with k bound in a frame of its own. */
function shift(args: Value[], env: Frame, c: Control): BuiltinResult {
  if (args.length !== 2) return countError(args.length, '==', 2);
  const [names, body] = args;
  if (!(names instanceof Cons) || !(names.head instanceof Sym) || names.tail !== null) {
    return new VError('async-shift: the first argument must be a list of one symbol, the continuation\'s name');
  }
  const m = c as Machine;
  const stack = m.stack;
  let i = stack.length - 1;
  while (i >= m.base && !(stack[i] instanceof ResetK) && stack[i].fiber !== true) i--;
  if (i < m.base || !(stack[i] instanceof ResetK)) {
    // A prompt below the host frames cannot be reached: say so rather than pretend there is none.
    if (i < m.base && m.resets > 0) return new VError('async-shift: the enclosing async-reset is beyond a host call');
    return new VError('async-shift: no enclosing async-reset');
  }
  const prompt = stack[i] as ResetK;
  const segment = stack.splice(i + 1);
  let depth = 0;
  for (const k of segment) if (k instanceof CallK) depth += k.count;
  calls.depth -= depth;
  const ctx = m.ctx;
  m.ctx = prompt.ctx;
  const k = new Builtin('continuation', (kargs, _env, kc) => resume(kc as Machine, segment, depth, ctx, kargs), false, false);
  const frame = new Frame(env);
  frame.set(names.head, k);
  return evalBody(m, body, frame);
}

function resume(m: Machine, segment: readonly Kont[], depth: number, ctx: RequestContext | null, args: Value[]): Value {
  if (args.length !== 1) return countError(args.length, '==', 1);
  pushPrompt(m);
  // Steps keep state as they run (argument lists, positions): each resumption runs copies.
  for (const k of segment) m.stack.push(k.clone());
  calls.depth += depth;
  m.ctx = ctx;
  return args[0];
}

export function install(define: Define): void {
  define('async-reset', reset);
  define('async-shift', shift);
}
