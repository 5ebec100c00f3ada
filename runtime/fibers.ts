// Fibers (DESIGN.md, runtime model): the program's top level, each callback
// and each `async` body run in a fiber of their own, which `aio/await`, `await`,
// `aio/run` and `sleep` suspend until an event resumes them.
//
// A fiber suspends by handing on the rest of its computation: compiled code
// passes its continuation (runtime/cps.ts), the evaluator the steps on its
// stack (machine.ts). That is only possible where nothing between the fiber's
// start and the waiting call lives on the JS stack and still needs the value:
// every nesting that does (a reset in compiled code, a host call into the
// evaluator, a continuation resumed for its value) counts in `opaque`, and a
// wait inside one is an Error value instead.
//
// Resumptions run from a queue drained once the JS stack is empty, so a
// suspended fiber never continues in the middle of other Valkyria code
// (spec §10.10): callbacks run while the main fiber waits.

import { calls } from './calls.js';
import { VError, type Value } from './values.js';

/** The answer of code whose fiber suspended: it goes on later, from the event loop. */
export const SUSPENDED = new VError('internal: fiber suspended') as Value;
/** What a waiting builtin gives when it has registered how to be woken (see `wait`). */
export const WAIT = new VError('internal: wait') as Value;

/**
 * What a fiber can wait for (a handle, runtime/aio/handle.ts): it resumes the
 * suspended fiber once, with what the wait gives, and is cancelled when the
 * fiber's task is.
 */
export interface Waitable {
  resumeWhenSettled(s: Suspended): void;
  cancel(): unknown;
}

/** Any other wait (a timer, a stopping system, a continuation-taking function): it calls `resume` once. */
export type Waker = (resume: (v: Value) => void) => void;

/** The builtins that suspend a fiber. */
const WAITING = new Set(['aio/await', 'aio/run', 'sleep', 'await', 'await-new']);

/**
 * Whether any code read so far names a builtin that suspends. Until one does,
 * a program's top level runs as direct code, which is faster and cannot
 * suspend; every program text, compiled modules' included, passes the reader.
 */
let waitingNamed = false;

/** True for the builtins that may suspend the running fiber. */
export function isWaiting(name: string): boolean {
  return WAITING.has(name);
}

/** The reader met `name`. */
export function noteSymbol(name: string): void {
  if (!waitingNamed && WAITING.has(name)) waitingNamed = true;
}

/** True once code that may suspend its fiber has been read. */
export function mayWait(): boolean {
  return waitingNamed;
}

/**
 * The resets a fiber's compiled code is inside (runtime/cps.ts): each frame is
 * what goes on after one reset. They live with the fiber, so that they stay
 * when it suspends; `base` marks those that code on the JS stack below holds.
 * The array is made by the first reset: most fibers never enter one.
 */
export class ResetFrames {
  frames: unknown[] | null = null;
  base = 0;
}

/**
 * A fiber: its own reset frames, what it is suspended waiting for (cancelled
 * when the fiber's task is), and what takes its value when it ends. An `async`
 * body's handle is its fiber too (runtime/aio/async.ts): programs make them by
 * the hundred thousand, so one object fewer each counts.
 */
export interface Fiber extends ResetFrames {
  waitingOn: Waitable | null;
  end(v: Value): void;
}

/** A fiber whose value goes to a function: the program's top level, a callback. */
class CallbackFiber extends ResetFrames implements Fiber {
  waitingOn: Waitable | null = null;
  constructor(readonly end: (v: Value) => void) {
    super();
  }
}

/**
 * The reset frames of the running code: the running fiber's, or those of code
 * that runs outside every fiber (JavaScript calling a library).
 */
export let resets = new ResetFrames();

let running: Fiber | null = null;
let pendingWait: Waitable | Waker | undefined;

/** Nestings since the running fiber began that need the value of what runs inside them. */
export const nesting = { opaque: 0 };

/** True when a waiting builtin may suspend the running fiber. */
export function canWait(): boolean {
  return running !== null && nesting.opaque === 0;
}

/**
 * Called by a builtin that must wait for `on`: returns WAIT, which the
 * evaluator answers by suspending the fiber until `on` resumes it — or, where
 * the fiber cannot suspend, the Error that says so.
 */
export function wait(name: string, on: Waitable | Waker): Value {
  if (!canWait()) return cannotWait(name);
  pendingWait = on;
  return WAIT;
}

/** Why a wait is impossible here: something outside the fiber's own code needs the value now. */
function cannotWait(name: string): VError {
  return new VError(`${name}: cannot wait inside an async-reset or a call from JavaScript`);
}

/**
 * Runs `start` (which gives its value, or SUSPENDED when it waits) in `fiber`,
 * as the only Valkyria code on the JS stack above whoever called; the fiber's
 * `end` takes its value, now or later.
 */
export function runIn(fiber: Fiber, start: () => Value): void {
  const outer = running;
  const outerResets = resets;
  const opaque = nesting.opaque;
  const depth = calls.depth;
  running = fiber;
  resets = fiber;
  nesting.opaque = 0;
  calls.depth = 0;
  let r: Value;
  try {
    r = start();
  } finally {
    running = outer;
    resets = outerResets;
    nesting.opaque = opaque;
    calls.depth = depth;
  }
  if (r !== SUSPENDED) fiber.end(r);
}

/**
 * Starts a fiber running `start` (which gives its value, or SUSPENDED when it
 * waits); `done` gets the value when the fiber ends, now or later.
 */
export function spawn(start: () => Value, done: (v: Value) => void): void {
  runIn(new CallbackFiber(done), start);
}

/**
 * Suspends the running fiber at the waiting builtin that just returned WAIT,
 * until what it waits for resumes `s`, which goes on with the rest of the fiber.
 */
export function suspend(s: Suspended): Value {
  const on = pendingWait!;
  pendingWait = undefined;
  if (typeof on === 'function') on((v) => s.resume(v));
  else {
    running!.waitingOn = on;
    on.resumeWhenSettled(s);
  }
  return SUSPENDED;
}

/**
 * The running fiber, suspended in a wait until what it waits for resumes it.
 * One object holds all the fiber needs to go on (subclasses add the rest of
 * its code), rather than closures: a program may have a hundred thousand
 * fibers waiting.
 */
export abstract class Suspended {
  private readonly fiber = running!;
  /** calls.depth where the fiber suspended. */
  private readonly depth = calls.depth;

  /** The rest of the fiber, given what the wait gave: its value, or SUSPENDED again. */
  protected abstract goOn(v: Value): Value;

  /** Goes on with the rest of the fiber, given v, once the JS stack is empty. */
  resume(v: Value): void {
    later(() =>
      runIn(this.fiber, () => {
        this.fiber.waitingOn = null;
        calls.depth = this.depth;
        return this.goOn(v);
      }),
    );
  }
}

const queue: Array<() => void> = [];
let draining = false;

/** Runs `go` once the JS stack is empty, after what is already queued. */
export function later(go: () => void): void {
  queue.push(go);
  if (!draining) {
    draining = true;
    queueMicrotask(drain);
  }
}

function drain(): void {
  try {
    // Indexing, not shift(): the queue can grow by many entries while it drains.
    for (let i = 0; i < queue.length; i++) queue[i]();
  } finally {
    queue.length = 0;
    draining = false;
  }
}
