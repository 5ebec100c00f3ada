// The compiler's intermediate representation: what the analyzer makes of a
// program's data, and what the emitter turns into JavaScript.

import type { Sym, Value } from '../runtime/values.js';

/** A source position: 1-based line, 0-based column (as source maps count), and the byte offset (for diagnostics). */
export interface Loc {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** Where a literal list sits in the program's data: an element path from a top-level form, then `drop` cells dropped. */
export interface DataRef {
  readonly form: number;
  readonly path: readonly number[];
  readonly drop?: number;
}

/** A name bound in a compiled function's frame, kept in a JS variable. */
export interface Var {
  readonly name: Sym;
  readonly scope: FnScope;
  /** Parameters are bound on entry; names bound by `=` may still be unbound when read. */
  readonly param: boolean;
  /** A parameter that a literal `=` in the body may rebind. */
  rebound?: boolean;
  id: string;
}

export type Scope = TopScope | FnScope | ConstScope;

/** The global frame. */
export interface TopScope {
  readonly kind: 'top';
}

/** A frame whose bindings are known literals: the frame of the prelude's `fun` (holding `_fn` and `_body`). */
export interface ConstScope {
  readonly kind: 'const';
  readonly parent: Scope;
  readonly names: ReadonlyMap<Sym, DataRef>;
}

/** A lambda call's frame. */
export interface FnScope {
  readonly kind: 'fn';
  readonly parent: Scope;
  readonly vars: Map<Sym, Var>;
  /** The JS variable holding the frame once frame-reflective code has needed one. */
  envId: string;
}

/** How a function may find itself, for turning self tail calls into loops. */
export type SelfRef = { readonly kind: 'global'; readonly name: Sym } | { readonly kind: 'local'; readonly v: Var };

export interface Fn {
  readonly scope: FnScope;
  readonly params: Var[];
  readonly rest: Var | null;
  readonly body: Expr;
  readonly formals: DataRef | null;
  readonly bodyData: DataRef | null;
  readonly self: SelfRef | null;
  readonly loc: Loc | undefined;
}

/** Globals whose standard bindings a fast path was written for: it runs only while all still hold them. */
export type Guard = readonly Sym[];

export type Expr = (
  | { readonly k: 'lit'; readonly value: Value }
  | { readonly k: 'data'; readonly ref: DataRef }
  | { readonly k: 'global'; readonly name: Sym }
  | { readonly k: 'local'; readonly v: Var; readonly outer: Expr }
  | { readonly k: 'call'; readonly fn: Expr; readonly args: Expr[] }
  /** `head`, when set, names a JS constant already holding the operator's value (the continuation-passing translation). */
  | { readonly k: 'prim'; readonly op: PrimOp; readonly name: Sym; readonly args: Expr[]; readonly head?: string }
  /** `(load "literal")` at top level: a module import where the output has one, else `call`. */
  | { readonly k: 'load'; readonly path: string; readonly call: Expr }
  /** A call of a prelude list walker that the runtime has built in (runtime/natives.ts). */
  | { readonly k: 'native'; readonly name: Sym; readonly args: Expr[] }
  | { readonly k: 'single'; readonly e: Expr }
  | { readonly k: 'if'; readonly cond: Expr; readonly then: Expr; readonly else: Expr | null }
  | { readonly k: 'seq'; readonly items: Expr[] }
  | { readonly k: 'lambda'; readonly fn: Fn }
  /** `(async-reset {body})` with a literal body, evaluated in the current scope inside a prompt. */
  | { readonly k: 'reset'; readonly body: Expr; readonly source: DataRef }
  /** `(async {body})` with a literal body, evaluated in the current scope as a new fiber; its value is the fiber's handle. */
  | { readonly k: 'async'; readonly body: Expr; readonly source: DataRef }
  /** `(async-shift {k} {body})` with literal arguments: `fn` is the body as a lambda of k. */
  | { readonly k: 'shift'; readonly fn: Fn }
  | { readonly k: 'bind'; readonly op: 'def' | '='; readonly targets: Target[]; readonly values: Expr[] }
  | { readonly k: 'guarded'; readonly guard: Guard; readonly fast: Expr; readonly slow: Expr }
  | { readonly k: 'do'; readonly args: Expr[] }
  | { readonly k: 'select'; readonly clauses: Array<[Expr, Expr]> }
  /** Data run by the evaluator in the current frame; `asCode` runs a Q-expression's elements as an S-expression. */
  | { readonly k: 'evalData'; readonly ref: DataRef; readonly asCode: boolean }
  | { readonly k: 'err'; readonly message: string }
  /** A value the emitter has already computed into a JS constant (the continuation-passing translation). */
  | { readonly k: 'js'; readonly name: string }
) & { readonly loc?: Loc };

/** The expressions directly inside e, a lambda's or shift's body included. */
export function children(e: Expr): readonly Expr[] {
  switch (e.k) {
    case 'local':
      return [e.outer];
    case 'call':
      return [e.fn, ...e.args];
    case 'prim':
    case 'native':
    case 'do':
      return e.args;
    case 'load':
      return [e.call];
    case 'single':
      return [e.e];
    case 'if':
      return e.else === null ? [e.cond, e.then] : [e.cond, e.then, e.else];
    case 'seq':
      return e.items;
    case 'lambda':
    case 'shift':
      return [e.fn.body];
    case 'reset':
    case 'async':
      return [e.body];
    case 'bind':
      return e.values;
    case 'guarded':
      return [e.fast, e.slow];
    case 'select':
      return e.clauses.flat();
    default:
      return [];
  }
}

/** Where `def`/`=` put a value: a global cell, or a compiled local. */
export type Target = { readonly kind: 'global'; readonly name: Sym } | { readonly kind: 'local'; readonly v: Var };

export type PrimOp = 'add' | 'sub' | 'mul' | 'div' | 'lt' | 'gt' | 'le' | 'ge' | 'eq' | 'ne' | 'neg' | 'head' | 'tail' | 'cons';

/**
 * A top-level definition with a literal name (`fun`, `def`, `=`): what the ES
 * module form exports to JavaScript (docs/interop.md).
 */
export interface Definition {
  readonly name: Sym;
  /** For a function literal, its parameter names (and the rest name after `&`); absent for any other value. */
  readonly fn?: { readonly params: readonly Sym[]; readonly rest: Sym | null };
}

/** A compiled file: its top-level forms in order, each an expression in the global frame. */
export interface Program {
  readonly path: string;
  readonly text: string;
  readonly forms: Expr[];
  /** Top-level definitions in order of first appearance; a later definition of a name gives its shape. */
  readonly definitions: Definition[];
  /** The reader error that ends the file, if any (spec §2.9). */
  readonly readError: { readonly message: string; readonly offset: number } | undefined;
}
