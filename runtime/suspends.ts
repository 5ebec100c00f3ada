// Whether compiled code can suspend, given what the globals it calls hold now:
// the run-time half of compiler/suspends.ts. A compiled lambda carries the
// cells its direct code relies on (`leaf`) and those its continuation-passing
// code calls directly (`assumes`); these checks decide which of its codes may
// run where a capture or a wait could happen, and when neither may, it runs as
// data in the evaluator.

import { functionRebinds } from './frame.js';
import { Builtin, isFunc, Lambda, type Assumptions, type Value } from './values.js';

/** A builtin that neither looks at the caller's frame nor drives the evaluator (so it cannot suspend). */
export function plainBuiltin(v: Value | undefined): v is Builtin {
  return v instanceof Builtin && v.plain && !v.reflective;
}

/**
 * True when a call of the compiled lambda f cannot suspend, now: its body
 * calls nothing, or only globals whose values cannot suspend either (plain
 * builtins, data, compiled lambdas for which this holds in turn), with its
 * fast paths' names unchanged (compiler/suspends.ts). Its direct code may then
 * run where a capture or a wait could otherwise happen.
 *
 * The answer is kept until a global bound to a function changes
 * (`functionRebinds`); a cycle of calls counts as unable to suspend unless
 * something else in it can.
 */
export function cannotSuspend(f: Lambda): boolean {
  // A lambda with guarded parameters depends on its arguments: see cannotSuspendWith.
  if (f.guarded !== undefined) return false;
  if (f.cps === null && f.leaf === undefined) return true;
  return f.leaf !== undefined && leafHolds(f, f.leaf);
}

/** Whether the globals f's direct code relies on still hold what it needs (kept in `leafCheck`). */
function leafHolds(f: Lambda, leaf: Assumptions): boolean {
  return remembered(f, leaf, (f.leafCheck ??= { at: -1, ok: false }));
}

/**
 * True when this call of the compiled lambda f cannot suspend, now: as
 * `cannotSuspend`, and for a lambda with guarded parameters, when the
 * arguments there are not functions.
 */
export function cannotSuspendWith(f: Lambda, args: readonly Value[]): boolean {
  const guarded = f.guarded;
  if (guarded === undefined) return cannotSuspend(f);
  for (const i of guarded.positions) if (isFunc(args[i])) return false;
  // Its own calls of itself pass no function there (compiler/suspends.ts), while its global still holds it.
  if (guarded.self.v !== f) return false;
  return f.leaf === undefined || leafHolds(f, f.leaf);
}

/**
 * Whether f's continuation-passing code may run: the calls it makes directly
 * (compiler/cps.ts) still cannot suspend. When they can, f runs as data.
 */
export function cpsHolds(f: Lambda): boolean {
  return f.assumes === undefined || remembered(f, f.assumes, (f.cpsCheck ??= { at: -1, ok: false }));
}

/** A check of f's assumptions, answered from `memo` while no function-valued global has changed. */
function remembered(f: Lambda, what: Assumptions, memo: { at: number; ok: boolean }): boolean {
  if (memo.at === functionRebinds.count) return memo.ok;
  const ok = checked(f, what);
  // A success found while an outer check is under way may rest on that one's assumption.
  if (!ok || checking.size === 0) {
    memo.at = functionRebinds.count;
    memo.ok = ok;
  }
  return ok;
}

/** Lambdas whose check is under way: a call back to one of them is taken to be safe meanwhile. */
const checking = new Set<Lambda>();

function checked(f: Lambda, what: Assumptions): boolean {
  if (checking.has(f)) return true;
  checking.add(f);
  try {
    return holds(what);
  } finally {
    checking.delete(f);
  }
}

function holds(what: Assumptions): boolean {
  for (const c of what.guards) if (c.v !== c.std) return false;
  for (const c of what.calls) if (!valueCannotSuspend(c.v)) return false;
  return true;
}

/** Whether calling v (or the single-element rule on it) cannot suspend. */
function valueCannotSuspend(v: Value | undefined): boolean {
  return v === undefined || !isFunc(v) || functionCannotSuspend(v);
}

/** Whether v is a function whose calls cannot suspend: a plain builtin, or compiled code for which `cannotSuspend` holds. */
export function functionCannotSuspend(v: Value): boolean {
  if (v instanceof Lambda) return v.code !== undefined && v.partial === undefined && cannotSuspend(v);
  return plainBuiltin(v);
}
