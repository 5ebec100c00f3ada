// Event-loop systems (spec §10.2). Node has one event loop; a system is the
// set of timers started through it, so that stopping the system stops them,
// and the fibers waiting in `aio/run` for it to stop.

import { Ref, VError, type Value } from '../values.js';

const SYSTEM = 'aio_system';

/**
 * A timer of a system: `due` runs at `at` (ms of performance.now()), after the
 * timers made before it for the same time, unless it is `done` by then.
 */
export interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly done: boolean;
  due(): void;
}

/** A timer running a function, and cancelled through the function `after` gives. */
class CallAt implements Timer {
  done = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    private readonly f: () => void,
  ) {}
  due(): void {
    this.done = true;
    this.f();
  }
}

const earlier = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** A binary heap of timers, earliest first. */
class TimerHeap {
  private items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Timer {
    return this.items[0];
  }

  push(t: Timer): void {
    const items = this.items;
    let i = items.push(t) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(t, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = t;
  }

  pop(): Timer {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= items.length) break;
        const c = l + 1 < items.length && earlier(items[l + 1], items[l]) ? l + 1 : l;
        if (!earlier(items[c], last)) break;
        items[i] = items[c];
        i = c;
      }
      items[i] = last;
    }
    return top;
  }

  /** Drops the cancelled timers, keeping the order of the rest. */
  compact(): void {
    const live = this.items.filter((t) => !t.done);
    this.items = [];
    for (const t of live) this.push(t);
  }

  clear(): void {
    this.items = [];
  }
}

export class AioSystem {
  private stopped = false;
  // One Node timer per system, for its earliest timer: programs start timers by the
  // hundred thousand, and a heap entry costs far less than a Node Timeout each.
  private readonly timers = new TimerHeap();
  private cancelled = 0;
  private seq = 0;
  private armed: NodeJS.Timeout | null = null;
  private armedAt = Infinity;
  private stopWaiters: Array<() => void> = [];
  /** A Reference to this system, as programs hold it. */
  readonly ref = new Ref(SYSTEM, this);

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * When a timer started now for ms is due: a whole number of ms, as Node's
   * timers count, which a timer holds without a boxed number.
   */
  dueIn(ms: number): number {
    return Math.ceil(loopTime()) + Math.max(0, ms);
  }

  /** The place of a new timer among those due at the same time. */
  nextSeq(): number {
    return this.seq++;
  }

  /** Starts a timer (due as `dueIn` and `nextSeq` say); nothing happens if the system has stopped. */
  start(t: Timer): void {
    if (this.stopped) return;
    this.timers.push(t);
    if (t.at < this.armedAt) this.arm(t.at);
  }

  /** Runs f after ms, unless the system stops first; gives what cancels it. */
  after(ms: number, f: () => void): () => void {
    const t = new CallAt(this.dueIn(ms), this.nextSeq(), f);
    this.start(t);
    return () => {
      if (t.done) return;
      t.done = true;
      // Cancelled timers stay in the heap until their time; many of them are swept out.
      if (++this.cancelled > 1024 && this.cancelled > this.timers.size / 2) {
        this.timers.compact();
        this.cancelled = 0;
      }
    };
  }

  /** Runs f every ms until cancelled or the system stops; gives what cancels it. */
  every(ms: number, f: () => void): () => void {
    let live = true;
    let cancel = () => {};
    const next = () => {
      cancel = this.after(Math.max(1, ms), () => {
        if (!live) return;
        next();
        f();
      });
    };
    next();
    return () => {
      live = false;
      cancel();
    };
  }

  private arm(at: number): void {
    if (this.armed !== null) clearTimeout(this.armed);
    this.armedAt = at;
    this.armed = setTimeout(() => this.fire(), Math.max(0, Math.ceil(at - performance.now())));
  }

  /** Runs the timers whose time has come, in order, then waits for the next. */
  private fire(): void {
    this.armed = null;
    this.armedAt = Infinity;
    const now = performance.now();
    const timers = this.timers;
    while (!this.stopped && timers.size > 0 && timers.peek().at <= now) {
      const t = timers.pop();
      if (!t.done) onLoop(this, t);
    }
    if (timers.size === 0) this.cancelled = 0;
    if (!this.stopped && timers.size > 0) this.arm(timers.peek().at);
  }

  /** f runs once the system has stopped (now, if it has). */
  whenStopped(f: () => void): void {
    if (this.stopped) f();
    else this.stopWaiters.push(f);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.armed !== null) clearTimeout(this.armed);
    this.timers.clear();
    systems.delete(this);
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const f of waiters) f();
  }
}

let cachedTime: number | undefined;

/**
 * The time timers count from: the same for everything one run of code starts
 * (as Node's own timers count from the event loop's time), so that of the
 * timers a program starts in one go the shorter always fires first, however
 * long starting them took.
 */
function loopTime(): number {
  if (cachedTime === undefined) {
    cachedTime = performance.now();
    queueMicrotask(() => (cachedTime = undefined));
  }
  return cachedTime;
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

function onLoop(s: AioSystem, t: Timer): void {
  const outer = onLoopOf;
  onLoopOf = s;
  try {
    t.due();
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
