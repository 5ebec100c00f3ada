// The seed's `async` (spec §9.3): a body run as a new fiber, whose handle
// settles with the body's value. Shared by the builtin, which runs the body in
// the evaluator, and compiled code, which runs it as continuation-passing code.

import { Fiber, spawnAs } from '../fibers.js';
import { VError, type Value } from '../values.js';
import { Handle } from './handle.js';

/**
 * An `async` body's handle and its fiber, each the other's: the fiber's value
 * settles the handle, and cancelling the handle cancels what the fiber waits
 * for (the fiber then goes on with the cancellation Error). Two objects rather
 * than closures and callback lists: programs spawn tasks by the hundred thousand.
 */
class Task extends Handle {
  fiber: Fiber | null = null;
  protected override release(): void {
    this.fiber?.waitingOn?.cancel();
  }
}

class TaskFiber extends Fiber {
  constructor(private readonly task: Task) {
    super();
  }
  override end(v: Value): void {
    if (v instanceof VError) this.task.fail(v);
    else this.task.complete(v);
  }
}

/** Starts `start` as a new fiber; the handle completes with its value (an Error fails it). */
export function startAsync(start: () => Value): Handle {
  const h = new Task(true);
  h.fiber = new TaskFiber(h);
  spawnAs(h.fiber, start);
  return h;
}
