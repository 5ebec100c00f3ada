// The seed's `async` (spec §9.3): a body run as a new fiber, whose handle
// settles with the body's value. Shared by the builtin, which runs the body in
// the evaluator, and compiled code, which runs it as continuation-passing code.

import { spawn } from '../fibers.js';
import { VError, type Value } from '../values.js';
import { Handle } from './handle.js';

/** Starts `start` as a new fiber; the handle completes with its value (an Error fails it). */
export function startAsync(start: () => Value): Handle {
  const h = new Handle(true);
  const fiber = spawn(start, (v) => (v instanceof VError ? h.fail(v) : h.complete(v)));
  // Cancelling the handle cancels what the fiber waits for; the fiber then goes on with the cancellation Error.
  h.onCancel(() => fiber.cancelWait?.());
  return h;
}
