// Runtime representation of Valkyria values.
//
// Number  -> JS number while it is a safe integer, bigint beyond (always within
//            signed 64 bits). The representation is canonical, so `===` is value
//            equality for numbers.
// String  -> JS string holding one char per byte (latin1), so length and slicing
//            are byte-exact and output is written back as the same bytes.
// Nil     -> null (the single empty list; `()` and `{}` both read as it).
// List    -> Cons cells with a `quoted` flag (Q-expression vs S-expression).
// The rest are small classes below.

import type { Cell, Frame } from './frame.js';

export type Num = number | bigint;
export type Value = Num | string | null | Sym | Cons | Func | VError | Ref | HostValue;
export type List = Cons | null;
export type Func = Builtin | Lambda;

export class Sym {
  readonly keyword: boolean;
  constructor(readonly name: string) {
    this.keyword = name.charCodeAt(0) === 58; // ':'
  }
}

const symbols = new Map<string, Sym>();

/** Symbols are interned: one object per name, compared by identity. */
export function sym(name: string): Sym {
  let s = symbols.get(name);
  if (s === undefined) {
    s = new Sym(name);
    symbols.set(name, s);
  }
  return s;
}

export class Cons {
  /**
   * false for an S-expression; for a Q-expression true, or once something has
   * needed it, the same list as an S-expression (see toSexpr). One field for
   * both keeps a cell at three fields: programs make lists by the million.
   */
  form: boolean | Cons;
  constructor(
    public head: Value,
    public tail: List,
    quoted: boolean,
  ) {
    this.form = quoted;
  }

  get quoted(): boolean {
    return this.form !== false;
  }
}

export class VError {
  constructor(readonly message: string) {}
}

/** Opaque host object with a type tag, printed `<ref:type>`. */
export class Ref {
  constructor(
    readonly type: string,
    readonly target: unknown,
  ) {}
}

/**
 * Base for host values with their own printing and equality (handles, added by
 * the async runtime). Kept abstract so the printer and `==` need not know them.
 */
export abstract class HostValue {
  abstract readonly typeName: string;
  abstract display(): string;
}

/** What a builtin returns when it has set the machine up to produce the value itself. */
export const PENDING: unique symbol = Symbol('pending');
export type BuiltinResult = Value | typeof PENDING;

/** The evaluator interface a builtin may drive; implemented by runtime/machine.ts. */
export interface Control {
  /** Continue by evaluating `expr` in `env`; its value becomes the builtin's value. */
  evalTail(expr: Value, env: Frame): typeof PENDING;
  /** Continue by applying `fn` to `args` (a non-function gives the call error); the result becomes the builtin's value. */
  applyTail(fn: Value, args: Value[], env: Frame): typeof PENDING;
  /** Push a continuation step, then continue as `next` says. */
  push(k: Kont): void;
  readonly depth: number;
}

/** One step of "the rest of the computation" on the evaluator's explicit stack. */
export interface Kont {
  resume(m: Control, v: Value): BuiltinResult;
  /** Copy for re-entry (multi-shot continuations); stateless steps return themselves. */
  clone(): Kont;
  /** Set on the steps that run a program's top-level forms. */
  readonly driver?: boolean;
  /** Set on a fiber's boundary, which async-shift never captures through. */
  readonly fiber?: boolean;
  /** Set on the delimiters the evaluator counts in Machine.resets. */
  readonly delimits?: boolean;
  /** The step that goes on in this one's place when a fiber suspended above it resumes (itself when absent). */
  afterWait?(): Kont;
}

export type BuiltinFn = (args: Value[], env: Frame, m: Control) => BuiltinResult;

export class Builtin {
  constructor(
    readonly name: string,
    readonly fn: BuiltinFn,
    /** Reads or writes the caller's frame (spec §5.2), so compiled callers must give it a real one. */
    readonly reflective = false,
    /** Never drives the evaluator: always returns a value, so compiled code may call `fn` directly. */
    readonly plain = true,
    /** May suspend the running fiber (runtime/fibers.ts): `aio/await`, `sleep`, ... */
    readonly waits = false,
  ) {}
}

/**
 * Compiled code of a lambda: one JS parameter per fixed formal, then (for a
 * lambda with `& rest`) the rest list. It returns a Value, or TAIL when it
 * ends in a tail call that the caller's trampoline must make (runtime/calls.ts).
 */
export type Code = (...args: never[]) => Value;

function noScope(): never {
  throw new Error('internal: an interpreted lambda has no compiled scope');
}

export class Lambda {
  constructor(
    /** Remaining formals (a list of symbols; a tail of the original list after partial application). */
    readonly formals: List,
    readonly body: Value,
    /** The captured frame the evaluator runs the body in; compiled lambdas keep their scope in JS closures. */
    readonly env: Frame | null,
    readonly code?: Code,
    /** For compiled lambdas: how many fixed formals come before `&`, and whether a rest list follows. */
    readonly arity = 0,
    readonly rest = false,
    /** For a partial application of compiled code: the original code and the arguments bound so far. */
    readonly partial?: { readonly origin: Code; readonly bound: readonly Value[]; readonly formals: List },
    /** For compiled lambdas: the frame their code closes over, built on demand (the global frame at top level). */
    readonly scope: () => Frame = noScope,
    /**
     * For compiled lambdas: the continuation-passing code run under a reset (runtime/cps.ts);
     * null when the body cannot suspend (given `leaf`), so the direct code runs there too.
     */
    readonly cps?: Code | null,
    /**
     * For compiled lambdas whose body calls only globals: the cells of those it
     * calls and of those whose guards keep its fast paths (runtime/suspends.ts, `cannotSuspend`).
     * Absent with a null `cps`: the body calls nothing.
     */
    readonly leaf?: Assumptions,
    /**
     * For compiled lambdas whose continuation-passing code calls some globals
     * directly: those cells, which must hold values that cannot suspend, and the
     * guards of that code's fast paths (runtime/suspends.ts, `cpsHolds`).
     */
    readonly assumes?: Assumptions,
  ) {
    this.direct = code !== undefined && !rest ? arity : -1;
  }
  /** How many arguments `code` takes when it can be called with them directly; -1 otherwise. */
  readonly direct: number;
  /**
   * For compiled lambdas whose direct code cannot suspend as long as these
   * parameters get no function (compiler/suspends.ts, `guardedParams`): their
   * positions, and the global its recursion goes through. Code entering it
   * checks the arguments (runtime/suspends.ts, `cannotSuspendWith`).
   */
  guarded: { readonly positions: readonly number[]; readonly self: GlobalCell } | undefined = undefined;
  /**
   * For compiled lambdas with one: the fast body (compiler/fast.ts), which other fast bodies
   * call while the global its recursion goes through (`fastSelf`) holds this lambda.
   */
  fast: Code | undefined = undefined;
  /** The continuation-passing fast body, for a function that may suspend (runtime/fast.ts, fastKIn). */
  kfast: Code | undefined = undefined;
  fastSelf: Cell | undefined = undefined;
  /** The last answers of runtime/suspends.ts `cannotSuspend` and `cpsHolds`, and when they were found (functionRebinds.count). */
  leafCheck?: { at: number; ok: boolean };
  cpsCheck?: { at: number; ok: boolean };
}

/** Globals a compiled lambda's code relies on: `calls` must not suspend, `guards` must hold their standard values. */
export interface Assumptions {
  readonly calls: readonly GlobalCell[];
  readonly guards: readonly GlobalCell[];
}

/** A global's cell as a lambda's `leaf` sees it (runtime/frame.ts, Cell). */
export interface GlobalCell {
  readonly v: Value | undefined;
  readonly std: Value | undefined;
}

export const NIL = null;

export function isNum(v: Value): v is Num {
  return typeof v === 'number' || typeof v === 'bigint';
}

export function isList(v: Value): v is List {
  return v === null || v instanceof Cons;
}

export function isFunc(v: Value): v is Func {
  return v instanceof Lambda || v instanceof Builtin;
}

/** Truthiness (spec §4.6): only the Number 0 and Nil are false. */
export function truthy(v: Value): boolean {
  return v !== 0 && v !== null;
}

/** The type names used in error messages (spec §0). */
export function typeName(v: Value): string {
  if (typeof v === 'number' || typeof v === 'bigint') return 'Number';
  if (typeof v === 'string') return 'String';
  if (v === null) return 'Nil';
  if (v instanceof Sym) return 'Symbol';
  if (v instanceof Cons) return 'List';
  if (v instanceof Lambda || v instanceof Builtin) return 'Function';
  if (v instanceof VError) return 'Error';
  if (v instanceof Ref) return 'Reference';
  return v.typeName;
}

export function listFromArray(items: readonly Value[], quoted: boolean, tail: List = null): List {
  let out = tail;
  for (let i = items.length - 1; i >= 0; i--) out = new Cons(items[i], out, quoted);
  return out;
}

export function listToArray(l: List): Value[] {
  const out: Value[] = [];
  for (let c = l; c !== null; c = c.tail) out.push(c.head);
  return out;
}

export function listLength(l: List): number {
  let n = 0;
  for (let c = l; c !== null; c = c.tail) n++;
  return n;
}

/**
 * A Q-expression's top-level spine re-made as an S-expression (inner elements
 * keep their kinds), as `eval`, `if` branches and lambda bodies need. Cells
 * never change, so the conversion is cached on the list.
 */
export function toSexpr(l: Cons): Cons {
  if (l.form === false) return l;
  if (l.form === true) l.form = listFromArray(listToArray(l), false) as Cons;
  return l.form;
}
