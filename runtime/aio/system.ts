// Event-loop systems (spec §10.2). Node has one event loop; a system is the
// set of timers started through it, so that stopping the system stops them,
// and the fibers waiting in `aio/run` for it to stop.

import { Ref, VError, type Value } from '../values.js';

const SYSTEM = 'aio_system';

export class AioSystem {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopWaiters: Array<() => void> = [];
  /** A Reference to this system, as programs hold it. */
  readonly ref = new Ref(SYSTEM, this);

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs f after ms, unless the system stops first; gives what cancels it. */
  after(ms: number, f: () => void): () => void {
    if (this.stopped) return () => {};
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) onLoop(this, f);
    }, Math.max(0, ms));
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Runs f every ms until cancelled or the system stops; gives what cancels it. */
  every(ms: number, f: () => void): () => void {
    if (this.stopped) return () => {};
    const t = setInterval(() => {
      if (!this.stopped) onLoop(this, f);
    }, Math.max(1, ms));
    this.timers.add(t);
    return () => {
      clearInterval(t);
      this.timers.delete(t);
    };
  }

  /** f runs once the system has stopped (now, if it has). */
  whenStopped(f: () => void): void {
    if (this.stopped) f();
    else this.stopWaiters.push(f);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    systems.delete(this);
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const f of waiters) f();
  }
}

/** The systems not yet stopped: `exit` stops them all (spec §6.9). */
const systems = new Set<AioSystem>();

export function startSystem(): AioSystem {
  const s = new AioSystem();
  systems.add(s);
  return s;
}

export function stopAll(): void {
  for (const s of [...systems]) s.stop();
}

/** The system whose event-loop callback is running, for `aio/on-loop-thread?`. */
let onLoopOf: AioSystem | null = null;

function onLoop(s: AioSystem, f: () => void): void {
  const outer = onLoopOf;
  onLoopOf = s;
  try {
    f();
  } finally {
    onLoopOf = outer;
  }
}

export function runningOnLoop(s: AioSystem): boolean {
  return onLoopOf === s;
}

/** The system a `sys` argument names, or the Error builtins give for anything else (spec §10.2). */
export function systemOf(v: Value): AioSystem | VError {
  if (v instanceof Ref && v.type === SYSTEM) return v.target as AioSystem;
  return new VError('Expected AIO system reference');
}
