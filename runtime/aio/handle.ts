// Handles (spec §10.1): one asynchronous operation each, with synchronous
// notification. Settling a handle tells its observers at once, in the order
// they were attached, so a handle whose inputs are already settled is settled
// before the call that made it returns (spec §10.10). No Promise is involved.

import { display } from '../printer.js';
import { HostValue, VError, type Value } from '../values.js';
import type { AioSystem } from './system.js';
import type { Suspended } from '../fibers.js';

export type Status = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** The Error a wait for a cancelled handle gives (spec §10.3). */
export const CANCELLED = 'async operation cancelled';

/**
 * One item or several, in order. Most handles have one observer (one
 * dependant, one cleanup) or none, and programs make handles by the hundred
 * thousand: a single item is kept as it is, without an array. T is never an
 * array itself.
 */
type Some<T> = T | T[];

function append<T>(list: Some<T> | null, x: T): Some<T> {
  if (list === null) return x;
  if (!Array.isArray(list)) return [list, x];
  list.push(x);
  return list;
}

function each<T>(list: Some<T> | null, f: (x: T) => void): void {
  if (list === null) return;
  if (Array.isArray(list)) for (const x of list) f(x);
  else f(list);
}

export class Handle extends HostValue {
  private state: Status;
  /** The result when completed, the failure value when failed. */
  private outcome: Value = null;
  // A fiber waiting for the handle is an observer too, told the outcome of its wait.
  private observers: Some<((h: Handle) => void) | Suspended> | null = null;
  /** Cancelled with this handle (spec: its children). */
  private dependants: Some<Handle> | null = null;
  /** Run when this handle is cancelled: stopping a timer, closing a socket, on-cancel callbacks. */
  private onCancelled: Some<() => void> | null = null;

  constructor(
    running: boolean,
    /** The event-loop system the operation belongs to, if any. */
    readonly system: AioSystem | null = null,
  ) {
    super();
    this.state = running ? 'running' : 'pending';
  }

  static completed(v: Value): Handle {
    const h = new Handle(false);
    h.complete(v);
    return h;
  }

  static failed(v: Value): Handle {
    const h = new Handle(false);
    h.fail(v);
    return h;
  }

  get typeName(): string {
    return 'Handle';
  }

  display(): string {
    return '<handle>';
  }

  get status(): Status {
    return this.state;
  }

  get terminal(): boolean {
    return this.state === 'completed' || this.state === 'failed' || this.state === 'cancelled';
  }

  /** The result (completed) or the failure value (failed). */
  get value(): Value {
    return this.outcome;
  }

  complete(v: Value): void {
    this.settle('completed', v);
  }

  fail(v: Value): void {
    this.settle('failed', v);
  }

  /**
   * Cancels a handle that has not settled (spec §10.3 `aio/cancel`): what it
   * holds is released, its on-cancel callbacks run, its dependants are cancelled.
   */
  cancel(): boolean {
    if (this.terminal) return false;
    // Cancelled at once, before anything it holds is released (spec §10.3).
    this.state = 'cancelled';
    const cleanups = this.onCancelled;
    const dependants = this.dependants;
    this.onCancelled = null;
    this.dependants = null;
    this.release();
    each(cleanups, (f) => f());
    each(dependants, (d) => d.cancel());
    this.notify();
    return true;
  }

  /**
   * Releases what the operation itself holds, first thing when it is cancelled
   * (before the on-cancel callbacks): for kinds of handle that hold something.
   */
  protected release(): void {}

  /** Calls f with this handle once it is settled: now if it is. */
  whenSettled(f: (h: Handle) => void): void {
    this.looked();
    if (this.terminal) f(this);
    else this.observers = append(this.observers, f);
  }

  /** Resumes a fiber waiting for this handle with what the wait gives, once it has settled (spec §10.3). */
  resumeWhenSettled(s: Suspended): void {
    this.looked();
    if (this.terminal) s.resume(awaited(this));
    else this.observers = append(this.observers, s);
  }

  /** The program has looked at how this handle settled: its failure, if any, is handled. */
  looked(): void {
    if (this.state === 'failed') unhandled.delete(this);
  }

  /** d is cancelled when this handle is. */
  addDependant(d: Handle): void {
    if (this.state === 'cancelled') d.cancel();
    else if (!this.terminal) this.dependants = append(this.dependants, d);
  }

  /** f runs if this handle is cancelled (now, if it already was). */
  onCancel(f: () => void): void {
    if (this.state === 'cancelled') f();
    else if (!this.terminal) this.onCancelled = append(this.onCancelled, f);
  }

  /** Settles this handle the way h settled. */
  settleLike(h: Handle): void {
    if (h.state === 'cancelled') this.cancel();
    else if (h.state === 'completed' || h.state === 'failed') this.settle(h.state, h.outcome);
  }

  /**
   * Settles with what a callback gave (spec §10.5): an Error fails, a handle is
   * adopted (this one settles when it does, and cancelling this one cancels it),
   * any other value completes.
   */
  settleWith(v: Value): void {
    if (v instanceof VError) this.fail(v);
    else if (v instanceof Handle) {
      this.addDependant(v);
      v.whenSettled((h) => this.settleLike(h));
    } else this.complete(v);
  }

  private settle(state: 'completed' | 'failed', v: Value): void {
    if (this.terminal) return;
    this.state = state;
    this.outcome = v;
    if (state === 'failed' && this.observers === null) unhandled.set(this, whereFrom(new Error().stack));
    this.onCancelled = null;
    this.dependants = null;
    this.notify();
  }

  private notify(): void {
    const observers = this.observers;
    this.observers = null;
    each(observers, (f) => (typeof f === 'function' ? f(this) : f.resume(awaited(this))));
  }
}

/** What waiting for a settled handle gives (spec §10.3 `aio/await`). */
export function awaited(h: Handle): Value {
  if (h.status === 'cancelled') return new VError(CANCELLED);
  return h.value;
}

/** Failed handles nobody has looked at yet, with where in the .valk program they failed. */
const unhandled = new Map<Handle, string | undefined>();

/** The innermost .valk position in a JS stack trace (compiled code, with source maps on). */
function whereFrom(stack: string | undefined): string | undefined {
  const m = stack === undefined ? null : /\(?([^\s()]+\.valk:\d+:\d+)\)?/.exec(stack);
  return m === null ? undefined : m[1];
}

/** Reports, once the program has ended, each failure nobody handled (never silently dropped). */
export function reportUnhandled(write: (text: string) => void): void {
  for (const [h, where] of unhandled) {
    write(`valk: a handle failed and nothing handled it${where === undefined ? '' : ` (${where})`}: ${display(h.value)}\n`);
  }
  unhandled.clear();
}
