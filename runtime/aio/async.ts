// The seed's `async` (spec §9.3): a body run as a new fiber, whose handle
// settles with the body's value. Shared by the builtin, which runs the body in
// the evaluator, and compiled code, which runs it as continuation-passing code.

import { runIn, type Fiber, type Waitable } from '../fibers.js';
import { VError, type Value } from '../values.js';
import { Handle } from './handle.js';

/**
 * An `async` body's handle, which is also the fiber that runs the body: the
 * fiber's value settles the handle, and cancelling the handle cancels what the
 * fiber waits for (the fiber then goes on with the cancellation Error). One
 * object rather than two, or closures and callback lists: programs spawn tasks
 * by the hundred thousand.
 */
class Task extends Handle implements Fiber {
  frames: unknown[] | null = null;
  base = 0;
  waitingOn: Waitable | null = null;
  protected override release(): void {
    this.waitingOn?.cancel();
  }
  end(v: Value): void {
    if (v instanceof VError) this.fail(v);
    else this.complete(v);
  }
}

/** Starts `start` as a new fiber; the handle completes with its value (an Error fails it). */
export function startAsync(start: () => Value): Handle {
  const h = new Task(true);
  runIn(h, start);
  return h;
}
