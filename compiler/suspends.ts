// Which code may suspend: the question that decides whether a lambda gets a
// continuation-passing translation (DESIGN.md, step 3), and what the runtime
// checks before it lets direct code run where a capture or a wait could happen.
//
// A lambda's body "cannot suspend" when every call in it is of a global, and
// each of those globals is known not to suspend: a plain builtin, data, a
// function of the bundled prelude or of this module that cannot suspend
// either. That is an assumption about globals, which are late bound, so such
// a lambda carries the cells it relies on (its `leaf`), and the runtime checks
// them before it runs the direct code under a reset or in a fiber that may
// wait (runtime/suspends.ts, `cannotSuspend`); when they no longer hold, the
// lambda runs as data in the evaluator, which can suspend anywhere.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinKinds, EFFECT_FREE } from '../runtime/builtins/index.js';
import { NATIVE_HELPERS } from '../runtime/natives.js';
import { STDLIB_DIR } from '../runtime/session.js';
import type { Sym } from '../runtime/values.js';
import { analyze } from './analyze.js';
import { children, type Expr, type Fn, type FnScope, type PrimOp, type Program, type Var } from './ir.js';

/** The globals an expression may call, and the names whose guards keep its fast paths. */
export interface Callees {
  /** Globals called by name (or whose value the single-element rule would call). */
  readonly calls: Set<Sym>;
  /** The builtins of inline operations, which their slow paths call. */
  readonly prims: Set<Sym>;
  /** The prelude's list walkers called (they must hold their standard values, as guards do). */
  readonly walks: Set<Sym>;
  readonly guards: Set<Sym>;
  /**
   * When set: the parameters of this lambda (its scope) that the single-element
   * rule applies to before anything has vetted them, gathered instead of
   * failing (see guardedParams).
   */
  readonly unvetted?: { readonly scope: FnScope; readonly vars: Set<Var> };
}

/** Whether a call of a global may suspend, as far as the compiler can tell. */
export type Suspends = (name: Sym) => boolean;

export const emptyCallees = (): Callees => ({ calls: new Set(), prims: new Set(), walks: new Set(), guards: new Set() });

/**
 * What evaluating e may call, when every call in it is of a global (a named
 * builtin or function, or an inline operation's own builtin) and, given
 * `suspends`, none of those may suspend; undefined otherwise. While each of
 * `calls` holds a value that cannot suspend, each of `prims` a plain builtin
 * and each of `walks` and `guards` its standard value, e cannot suspend either.
 */
export function leafCalls(e: Expr, suspends?: Suspends, out: Callees = emptyCallees(), known: ReadonlySet<Var> = NONE): Callees | undefined {
  const all = (es: readonly Expr[], k = known) => (es.every((x) => leafCalls(x, suspends, out, k) !== undefined) ? out : undefined);
  const callsGlobal = (name: Sym) => {
    if (suspends?.(name) === true) return false;
    out.calls.add(name);
    return true;
  };
  switch (e.k) {
    case 'lit':
    case 'data':
    case 'global':
    case 'err':
    case 'lambda':
    case 'js':
      return out;
    case 'local':
      return leafCalls(e.outer, suspends, out, known);
    case 'prim':
      out.prims.add(e.name);
      return all(e.args);
    case 'call':
      return e.fn.k === 'global' && callsGlobal(e.fn.name) ? all(e.args) : undefined;
    case 'single':
      // A global's value is called if it is a function; a literal is the value itself.
      if (e.e.k === 'global') return callsGlobal(e.e.name) ? out : undefined;
      if (e.e.k === 'local' && known.has(e.e.v)) return out;
      if (e.e.k === 'local' && out.unvetted !== undefined && isOwnParam(e.e.v, out.unvetted.scope)) {
        out.unvetted.vars.add(e.e.v);
        return out;
      }
      return e.e.k === 'lit' || e.e.k === 'data' ? out : undefined;
    case 'native': {
      // The prelude's walker (guarded: the built-in walk, or the prelude's own function over
      // standard helpers) calls only its callback, when that is known.
      const [f, ...rest] = e.args;
      out.walks.add(e.name);
      for (const h of NATIVE_HELPERS) out.guards.add(h);
      if (f.k === 'global') return callsGlobal(f.name) ? all(rest) : undefined;
      if (f.k === 'guarded' && f.fast.k === 'lambda') {
        for (const g of f.guard) out.guards.add(g);
        return leafCalls(f.fast.fn.body, suspends, out) === undefined ? undefined : all(rest);
      }
      return undefined;
    }
    case 'if': {
      // Either branch runs only once the condition is not an Error.
      if (leafCalls(e.cond, suspends, out, known) === undefined) return undefined;
      const after = notFunctions(e.cond, known, out);
      return all(e.else === null ? [e.then] : [e.then, e.else], after);
    }
    case 'seq': {
      // Each item runs only once those before it were not Errors.
      let k = known;
      for (const item of e.items) {
        if (leafCalls(item, suspends, out, k) === undefined) return undefined;
        k = notFunctions(item, k, out);
      }
      return out;
    }
    case 'select':
      return all(e.clauses.flat());
    case 'bind':
      return all(e.values);
    case 'guarded':
      // The slow path runs only once one of the guard's names is rebound.
      for (const g of e.guard) out.guards.add(g);
      return leafCalls(e.fast, suspends, out, known);
    case 'async':
      // Its body runs in a fiber of its own: whether that waits is no matter to this one.
      return out;
    default:
      return undefined;
  }
}

const NONE: ReadonlySet<Var> = new Set();

/** A parameter of the lambda with this scope that nothing rebinds: its value is the argument. */
function isOwnParam(v: Var, scope: FnScope): boolean {
  return v.param && v.scope === scope && !v.rebound;
}

/**
 * For a lambda bound to the global `self` whose body could suspend only
 * through the single-element rule on some of its parameters (tak's `{z}`):
 * those parameters' positions, and the globals its direct code relies on.
 * Called with arguments that are not functions there, such a lambda's direct
 * code cannot suspend either, because every call of `self` in its body passes
 * values that are not functions in those positions: literals, numbers from
 * strict operations, those parameters and the ones a strict operation vetted,
 * and what `self` returns, which is one of these in turn. The runtime checks
 * the arguments where code enters it (runtime/suspends.ts, `cannotSuspendWith`);
 * the calls of `self` inside need no check while `self` holds this very lambda,
 * which the runtime checks too (so `self` is left out of `callees`). Undefined
 * for any other lambda.
 */
export function guardedParams(fn: Fn, self: Sym, suspends: Suspends): { positions: number[]; self: Sym; callees: Callees } | undefined {
  if (fn.rest !== null) return undefined;
  const out: Callees = { ...emptyCallees(), unvetted: { scope: fn.scope, vars: new Set() } };
  if (leafCalls(fn.body, (name) => name !== self && suspends(name), out) === undefined || out.unvetted!.vars.size === 0) return undefined;
  const guarded = out.unvetted!.vars;
  const positions = fn.params.flatMap((v, i) => (guarded.has(v) ? [i] : []));
  const safe = (e: Expr, known: ReadonlySet<Var>): boolean => notAFunction(e, known, guarded, self, fn.params.length);
  if (!selfCallsPass(fn.body, NONE, self, positions, safe) || !returnsNonFunction(fn.body, NONE, safe)) return undefined;
  // The recursion is checked apart (the global must hold this very lambda): not among the calls.
  out.calls.delete(self);
  // What strict operations and builtins without effects give is no function only while they are the standard ones.
  for (const op of out.prims) out.guards.add(op);
  for (const name of out.calls) if (EFFECT_FREE.has(name.name)) out.guards.add(name);
  return { positions, self, callees: out };
}

/**
 * Whether e's value is never a function, given that `guarded` and `known`
 * parameters hold none and that `self`, given all its `arity` arguments, returns none.
 */
function notAFunction(e: Expr, known: ReadonlySet<Var>, guarded: ReadonlySet<Var>, self: Sym, arity: number): boolean {
  switch (e.k) {
    case 'lit':
    case 'data':
    case 'err':
      return true;
    case 'prim':
      // `head` gives whatever the list holds; every other operation a number, a list or an Error.
      return e.op !== 'head';
    case 'local':
      return guarded.has(e.v) || known.has(e.v);
    case 'call':
      // Fewer arguments would give a partial application, a function. The builtins
      // without effects give data (strings, numbers, lists, Errors), while they are the standard ones.
      return e.fn.k === 'global' && ((e.fn.name === self && e.args.length === arity) || EFFECT_FREE.has(e.fn.name.name));
    case 'single':
      return notAFunction(e.e, known, guarded, self, arity);
    case 'guarded':
      return notAFunction(e.fast, known, guarded, self, arity);
    default:
      return false;
  }
}

/** The parameters known not to hold functions after each part of e, as leafCalls tracks them. */
function vetted(e: Expr, known: ReadonlySet<Var>): ReadonlySet<Var> {
  return notFunctions(e, known, emptyCallees());
}

/** Whether every call of `self` in e passes, at `positions`, values for which `safe` holds. */
function selfCallsPass(e: Expr, known: ReadonlySet<Var>, self: Sym, positions: readonly number[], safe: (e: Expr, known: ReadonlySet<Var>) => boolean): boolean {
  const each = (es: readonly Expr[], k: ReadonlySet<Var>) => es.every((x) => selfCallsPass(x, k, self, positions, safe));
  switch (e.k) {
    case 'call':
      if (e.fn.k === 'global' && e.fn.name === self && !positions.every((i) => i < e.args.length && safe(e.args[i], known))) return false;
      return each(e.args, known);
    case 'if': {
      if (!selfCallsPass(e.cond, known, self, positions, safe)) return false;
      return each(e.else === null ? [e.then] : [e.then, e.else], vetted(e.cond, known));
    }
    case 'seq': {
      let k = known;
      for (const item of e.items) {
        if (!selfCallsPass(item, k, self, positions, safe)) return false;
        k = vetted(item, k);
      }
      return true;
    }
    case 'guarded':
      return selfCallsPass(e.fast, known, self, positions, safe);
    case 'lambda':
      return true;
    default:
      return each(children(e), known);
  }
}

/** Whether every value e can end with satisfies `safe`. */
function returnsNonFunction(e: Expr, known: ReadonlySet<Var>, safe: (e: Expr, known: ReadonlySet<Var>) => boolean): boolean {
  switch (e.k) {
    case 'if': {
      const k = vetted(e.cond, known);
      return returnsNonFunction(e.then, k, safe) && (e.else === null || returnsNonFunction(e.else, k, safe));
    }
    case 'seq': {
      let k = known;
      for (const item of e.items.slice(0, -1)) k = vetted(item, k);
      return e.items.length === 0 || returnsNonFunction(e.items[e.items.length - 1], k, safe);
    }
    case 'select':
      return e.clauses.every(([, result]) => returnsNonFunction(result, known, safe));
    case 'guarded':
      return returnsNonFunction(e.fast, known, safe);
    default:
      return safe(e, known);
  }
}

/** Inline operations that give an Error for any operand that is not a number (or, for head and tail, a list). */
const STRICT: ReadonlySet<PrimOp> = new Set(['add', 'sub', 'mul', 'div', 'lt', 'gt', 'le', 'ge', 'neg', 'head', 'tail']);

/**
 * The parameters known not to hold functions once e has given a value that is
 * not an Error: those that a standard strict operation in e had as an operand
 * (its value is an Error otherwise, and so is every strict operation around
 * it). The operations' names join the guards. Only parameters that `=` never
 * rebinds qualify: the single-element rule on them then calls nothing.
 */
function notFunctions(e: Expr, known: ReadonlySet<Var>, out: Callees): ReadonlySet<Var> {
  if (e.k === 'guarded') return notFunctions(e.fast, known, out);
  if (e.k !== 'prim' || !STRICT.has(e.op)) return known;
  let k = known;
  for (const a of e.args) {
    if (a.k === 'local' && a.v.param && !a.v.rebound && !k.has(a.v)) k = new Set([...k, a.v]);
    else k = notFunctions(a, k, out);
  }
  if (k !== known) out.guards.add(e.name);
  return k;
}

/**
 * True when evaluating e calls nothing but inline operations (a guard's
 * fallback aside), and runs no data in the evaluator: its direct code can
 * stand in continuation-passing code as it is.
 */
export function callsNothing(e: Expr): boolean {
  const callees = leafCalls(e);
  return callees !== undefined && noCalls(callees);
}

/** Callees of an expression that calls nothing (inline operations aside). */
export function noCalls(c: Callees): boolean {
  return c.calls.size === 0 && c.walks.size === 0;
}

/** What a top-level binding gives a global: a function literal, data, or anything else. */
type Bound = { readonly kind: 'fn'; readonly fn: Fn } | { readonly kind: 'data' } | { readonly kind: 'other' };

/** Every binding of a global in the program, anywhere in it (a `def` in a lambda binds a global too). */
function globalBindings(forms: readonly Expr[]): Map<Sym, Bound[]> {
  const found = new Map<Sym, Bound[]>();
  const unwrap = (e: Expr): Expr => (e.k === 'guarded' ? e.fast : e);
  const walk = (e: Expr): void => {
    if (e.k === 'bind') {
      e.targets.forEach((target, i) => {
        if (target.kind !== 'global') return;
        const v = unwrap(e.values[i]);
        const bound: Bound = v.k === 'lambda' ? { kind: 'fn', fn: v.fn } : v.k === 'lit' || v.k === 'data' ? { kind: 'data' } : { kind: 'other' };
        found.set(target.name, [...(found.get(target.name) ?? []), bound]);
      });
    }
    children(e).forEach(walk);
  };
  forms.forEach(walk);
  return found;
}

/**
 * Which globals the program defines that cannot suspend, given what is known
 * of the others: each defined once, as data or as a function whose body calls
 * only globals that cannot suspend (the largest such set, so that recursive
 * functions qualify).
 */
function definedStatus(program: Pick<Program, 'forms'>, outside: Suspends): Suspends {
  const bindings = globalBindings(program.forms);
  const fns = new Map<Sym, Fn>();
  const safe = new Set<Sym>();
  const decided = new Set<Sym>();
  for (const [name, bs] of bindings) {
    decided.add(name);
    if (bs.length !== 1 || bs[0].kind === 'other') continue;
    safe.add(name);
    if (bs[0].kind === 'fn') fns.set(name, bs[0].fn);
  }
  const suspends: Suspends = (name) => (decided.has(name) ? !safe.has(name) : outside(name));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, fn] of fns) {
      if (safe.has(name) && leafCalls(fn.body, suspends) === undefined) {
        safe.delete(name);
        changed = true;
      }
    }
  }
  return suspends;
}

let standard: Suspends | undefined;

/**
 * Builtins and the bundled prelude's definitions: a builtin may suspend unless
 * it is plain; a global that is neither (nor defined in the program) may.
 */
function standardStatus(): Suspends {
  if (standard !== undefined) return standard;
  const builtins = builtinKinds();
  const ofBuiltins: Suspends = (name) => builtins.get(name.name) !== 'plain';
  let prelude: Suspends = ofBuiltins;
  if (STDLIB_DIR !== undefined) {
    const path = join(STDLIB_DIR, 'prelude.valk');
    prelude = definedStatus(analyze(path, readFileSync(path, 'latin1')), ofBuiltins);
  }
  standard = prelude;
  return standard;
}

/** The suspension status of every global a program may call (see the top of this file). */
export function programStatus(program: Pick<Program, 'forms'>): Suspends {
  return definedStatus(program, standardStatus());
}

