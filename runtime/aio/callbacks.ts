// Valkyria functions called by the handle machinery: each call is a fiber of
// its own (DESIGN.md, runtime model), which may wait; its value arrives when
// the fiber ends.

import { fiberCall } from '../cps.js';
import { spawn } from '../fibers.js';
import type { Value } from '../values.js';

/** Calls f with args as a new fiber; `done` gets its value, now or once the fiber ends. */
export function callback(f: Value, args: Value[], done: (v: Value) => void = () => {}): void {
  spawn(() => fiberCall(f, args), done);
}
