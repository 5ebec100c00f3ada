// The prelude's list walkers (map, filter, foldl) built into the runtime, for
// compiled call sites whose `map` (...) is still the bundled prelude's. They
// reproduce the prelude definitions exactly: the same calls of f in the same
// order, the same results built with the same `join`, the same count of
// active calls seen by `stack-depth`, and the same Errors. The prelude's
// functions look their helpers up at every step, so while any of those is not
// the standard one, and as soon as a call of f rebinds one, the work goes back
// to the prelude's own definition.

import { apply, calls, currentMachine } from './calls.js';
import { join } from './builtins/lists.js';
import { typeError } from './builtins/errors.js';
import { rebinds, type Cell, type Frame } from './frame.js';
import { Builtin, Cons, Lambda, sym, truthy, VError, type Sym, type Value } from './values.js';
import { functionCannotSuspend } from './suspends.js';
import { call0, call1, call2 } from './compiled.js';
import { fastFilter, fastFoldl, fastMap, walkFast } from './fast.js';

/** Globals the prelude's list walkers call, besides themselves. */
export const NATIVE_HELPERS: readonly Sym[] = ['==', 'list?', 'join', 'list', 'head', 'tail', 'nil'].map(sym);

const helperCells = new WeakMap<Frame, Cell[]>();

function helpersStandard(global: Frame): boolean {
  let cells = helperCells.get(global);
  if (cells === undefined) helperCells.set(global, (cells = NATIVE_HELPERS.map((s) => global.cell(s))));
  for (const c of cells) if (c.v !== c.std) return false;
  return true;
}

/** What the prelude's walkers do with something that is not a list: `head` of it. */
function notAList(l: Value): VError {
  return typeError(l, ['List', 'List']);
}

/** The current value of a global, as the prelude's code would look it up. */
function current(global: Frame, name: string): Value {
  const v = global.lookup(sym(name));
  return v === undefined ? new VError(`LEnv: Symbol \`${name}\` is not bound`) : v;
}

/**
 * Whether a walk with f can run here from continuation-passing code: f is a
 * function that cannot suspend (runtime/suspends.ts), and neither can the
 * helpers, which are the standard ones.
 */
export function walksDirectly(f: Value): boolean {
  return functionCannotSuspend(f) && helpersStandard(currentMachine().global);
}

/**
 * f is called here only if it is an ordinary callee: not a builtin that needs the
 * walker's own frame, and not an Error (which, in head position, is the value of
 * the call itself rather than a call of a non-function).
 */
function plainCallee(f: Value): boolean {
  return !(f instanceof Builtin && f.reflective) && !(f instanceof VError);
}

/**
 * What one level of map or filter gives its `join` as the first argument: the
 * one-cell list of a value (the common case, kept as the value itself), Nil
 * (SKIP), or anything else (an Error), kept aside by level.
 */
const SKIP = Symbol('nothing') as unknown as Value;
const ASIDE = Symbol('see aside') as unknown as Value;

interface Levels {
  readonly firsts: Value[];
  aside?: Map<number, Value>;
}

/** Joins results from the last level back to the first, as each level's `join` does. */
function joinBack(levels: Levels, rest: Value): Value {
  const { firsts, aside } = levels;
  let acc = rest;
  for (let i = firsts.length - 1; i >= 0; i--) {
    const v = firsts[i];
    // join of Nil or of one cell before a list, without join's general walk.
    if (acc === null || acc instanceof Cons) {
      if (v === SKIP) continue;
      if (v !== ASIDE) {
        acc = new Cons(v, acc, true);
        continue;
      }
    }
    acc = join([v === SKIP ? null : v === ASIDE ? aside!.get(i)! : new Cons(v, null, true), acc]);
  }
  return acc;
}

/**
 * map and filter: one level of the prelude's recursion per element, each level
 * calling f once and giving the first argument of its `join` (`first` records it).
 */
function walk(name: 'map' | 'filter', std: Value, f: Value, l: Value, first: (levels: Levels, cell: Cons, result: Value) => void): Value {
  const global = currentMachine().global;
  if (!helpersStandard(global) || !plainCallee(f)) return apply(std, [f, l], global);
  if (l === null) return null;
  if (!(l instanceof Cons)) return notAList(l);
  const fast = walkFast(global, f, 1, (body) => (name === 'map' ? fastMap : fastFilter)(body, l, 0));
  if (fast !== undefined) return fast;
  const base = calls.depth;
  const levels: Levels = { firsts: [] };
  const epoch = rebinds.count;
  let rest: Value = null;
  for (let c: Cons | null = l; c !== null; c = c.tail) {
    calls.depth = base + levels.firsts.length + 1;
    first(levels, c, call1(f, c.head));
    if (rebinds.count !== epoch) {
      // The level that made this call goes on with whatever `map` (or `filter`) and `tail` are now.
      rest = apply(current(global, name), [f, apply(current(global, 'tail'), [c], global)], global);
      break;
    }
  }
  calls.depth = base;
  return joinBack(levels, rest);
}

export function map(std: Value, f: Value, l: Value): Value {
  return walk('map', std, f, l, (levels, _cell, result) => void levels.firsts.push(result));
}

export function filter(std: Value, f: Value, l: Value): Value {
  return walk('filter', std, f, l, (levels, cell, keep) => {
    // The level's `if`: an Error condition is the value join receives.
    if (keep instanceof VError) {
      (levels.aside ??= new Map()).set(levels.firsts.length, keep);
      levels.firsts.push(ASIDE);
    } else levels.firsts.push(truthy(keep) ? cell.head : SKIP);
  });
}

export function foldl(std: Value, f: Value, z: Value, l: Value): Value {
  const global = currentMachine().global;
  if (!helpersStandard(global) || !plainCallee(f)) return apply(std, [f, z, l], global);
  // Not over something else than a list, which is no fault of f's fast body.
  const fast = l === null || l instanceof Cons ? walkFast(global, f, 2, (body) => fastFoldl(body, z, l, 0)) : undefined;
  if (fast !== undefined) return fast;
  const base = calls.depth;
  const epoch = rebinds.count;
  let acc = z;
  let c: Value = l;
  let level = 0;
  for (; c instanceof Cons; c = c.tail) {
    // Each step is a tail call of foldl, which the count of active calls keeps.
    calls.depth = base + ++level;
    acc = call2(f, acc, c.head);
    if (rebinds.count !== epoch) {
      // The next level was already this foldl; it looks everything up afresh.
      const next = apply(current(global, 'tail'), [c], global);
      const r = apply(std, [f, acc, next], global);
      calls.depth = base;
      return r;
    }
  }
  if (c !== null || !(acc instanceof Lambda || acc instanceof Builtin)) {
    calls.depth = base;
    return c === null ? acc : notAList(c);
  }
  // The last level's `{z}` calls a function value with no arguments (spec §4.3), in
  // that level's frame: a builtin that looks at the frame gets the prelude's own.
  let r: Value;
  if (acc instanceof Builtin && acc.reflective) {
    calls.depth = base + level;
    r = apply(std, [f, acc, null], global);
  } else {
    calls.depth = base + level + 1;
    r = call0(acc);
  }
  calls.depth = base;
  return r;
}
