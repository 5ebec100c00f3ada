// The analyzer: a program's data to IR (see ir.ts).
//
// Only `quote`, `quasiquote`, `if` and `ctx/with*` are syntax. Every other form
// is a call; but when its head is a global that normally holds one of the
// binding or control builtins (or the prelude's `fun`) and its arguments are
// literal Q-expressions, the analyzer also compiles what the call means, and
// the emitter runs that only while the global still holds its standard value.
// Anything the analyzer does not compile natively is left to the evaluator,
// in the same frame.

import { elementPos, listPos, parseProgram, Source, type Pos } from '../runtime/reader.js';
import { Cons, Sym, sym, VError, type Value } from '../runtime/values.js';
import type { ConstScope, DataRef, Definition, Expr, Fn, FnScope, Loc, PrimOp, Program, Scope, SelfRef, Target, Var } from './ir.js';

const S = {
  quote: sym('quote'),
  quasiquote: sym('quasiquote'),
  if: sym('if'),
  ctxWithDeadline: sym('ctx/with-deadline'),
  ctxWith: sym('ctx/with'),
  lambda: sym('\\'),
  def: sym('def'),
  assign: sym('='),
  fun: sym('fun'),
  eval: sym('eval'),
  do: sym('do'),
  select: sym('select'),
  load: sym('load'),
  shift: sym('async-shift'),
  reset: sym('async-reset'),
  async: sym('async'),
  head: sym('head'),
  tail: sym('tail'),
  amp: sym('&'),
  args: sym('args'),
  fnName: sym('_fn'),
  bodyName: sym('_body'),
};

/** Builtins with inline fast paths, by the number of arguments they take there. */
export const PRIMS1: ReadonlyMap<string, PrimOp> = new Map([
  ['-', 'neg'],
  ['head', 'head'],
  ['tail', 'tail'],
] as const);
export const PRIMS: ReadonlyMap<string, PrimOp> = new Map([
  ['cons', 'cons'],
  ['+', 'add'],
  ['-', 'sub'],
  ['*', 'mul'],
  ['/', 'div'],
  ['<', 'lt'],
  ['>', 'gt'],
  ['<=', 'le'],
  ['>=', 'ge'],
  ['==', 'eq'],
  ['!=', 'ne'],
] as const);

/** Prelude functions the runtime has built in, with their number of parameters. */
const NATIVES: ReadonlyMap<string, number> = new Map([
  ['map', 2],
  ['filter', 2],
  ['foldl', 3],
]);

/** Globals whose standard meaning the analyzer compiles. */
const SPECIALISED = new Set(['\\', 'def', '=', 'fun', 'eval', 'do', 'select', 'load', 'async-shift', 'async-reset', 'async', ...PRIMS.keys(), ...PRIMS1.keys(), ...NATIVES.keys()]);

export interface AnalyzeOptions {
  /** Compile every call generically (no specialised forms at all). */
  readonly generic?: boolean;
}

/** A literal list as source text writes it: `{...}` or Nil. */
function literal(v: Value): v is Cons | null {
  return v === null || (v instanceof Cons && v.quoted);
}

function isSymList(v: Value): v is Cons | null {
  for (let c = v; c !== null; c = c.tail) if (!(c instanceof Cons) || !(c.head instanceof Sym)) return false;
  return true;
}

function elements(l: Cons | null): Value[] {
  const out: Value[] = [];
  for (let c = l; c !== null; c = c.tail) out.push(c.head);
  return out;
}

function cells(l: Cons | null): Cons[] {
  const out: Cons[] = [];
  for (let c = l; c !== null; c = c.tail) out.push(c);
  return out;
}

/** Formals the compiler can bind positionally: symbols, with at most `& name` at the end. */
function plainFormals(formals: Cons | null): { params: Sym[]; rest: Sym | null } | undefined {
  const names = elements(formals) as Sym[];
  const amp = names.indexOf(S.amp);
  if (amp < 0) return { params: names, rest: null };
  if (amp !== names.length - 2 || names[amp + 1] === S.amp) return undefined;
  return { params: names.slice(0, amp), rest: names[amp + 1] };
}

/** The parameters of a function with these literal formals; irregular formals take any arguments. */
function fnShape(formals: Cons | null): Definition['fn'] {
  return plainFormals(formals) ?? { params: [], rest: S.args };
}

/** The shape of `(\ {formals} {body})` written literally; undefined for any other value. */
function lambdaShape(v: Value): Definition['fn'] {
  if (!(v instanceof Cons) || v.quoted || v.head !== S.lambda) return undefined;
  const [formals, body, more] = elements(v.tail);
  return literal(formals) && isSymList(formals) && body !== undefined && more === undefined ? fnShape(formals) : undefined;
}

/** Top-level `(fun {name ...} {...})`, and `def` or `=` with literal names (docs/interop.md). */
function definitions(forms: readonly Value[]): Definition[] {
  const found = new Map<Sym, Definition>();
  const define = (name: Sym, fn: Definition['fn']) => {
    if (!name.keyword) found.set(name, { name, fn });
  };
  for (const f of forms) {
    if (!(f instanceof Cons) || f.quoted) continue;
    const args = elements(f.tail);
    if (f.head === S.fun) {
      const [sig, body] = args;
      if (args.length === 2 && sig instanceof Cons && sig.quoted && isSymList(sig) && literal(body)) define(sig.head as Sym, fnShape(sig.tail));
    } else if (f.head === S.def || f.head === S.assign) {
      const [names, ...values] = args;
      if (literal(names) && isSymList(names) && elements(names).length === values.length) {
        elements(names).forEach((name, i) => define(name as Sym, lambdaShape(values[i])));
      }
    }
  }
  return [...found.values()];
}

class Analyzer {
  private readonly refs = new Map<Cons, DataRef>();
  private readonly specialised: Set<string>;
  private nextId = 0;

  constructor(forms: Value[], options: AnalyzeOptions) {
    forms.forEach((f, i) => this.index(f, { form: i, path: [] }));
    // Whether a name still holds its standard value is decided at run time, by the guards.
    this.specialised = options.generic ? new Set() : new Set(SPECIALISED);
  }

  private index(v: Value, ref: DataRef): void {
    if (!(v instanceof Cons) || this.refs.has(v)) return;
    this.refs.set(v, ref);
    let i = 0;
    for (let c: Cons | null = v; c !== null; c = c.tail, i++) this.index(c.head, { form: ref.form, path: [...ref.path, i] });
  }

  ref(v: Cons): DataRef {
    return this.refs.get(v)!;
  }

  loc(pos: Pos | undefined): Loc | undefined {
    if (pos === undefined) return undefined;
    const { line, col } = pos.src.lineCol(pos.offset);
    return { line, column: col - 1, offset: pos.offset };
  }

  /**
   * A JS name for a Valkyria local: its letters, then `$` and a number. The emitter's
   * own names (temporaries, cells, symbols, runtime bindings) never have that shape.
   */
  private id(name: string): string {
    const clean = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
    return `${clean || 'v'}$${this.nextId++}`;
  }

  // ---- name resolution ----

  resolve(name: Sym, scope: Scope, loc: Loc | undefined): Expr {
    for (let s: Scope = scope; ; s = s.parent) {
      if (s.kind === 'top') return { k: 'global', name, loc };
      if (s.kind === 'const') {
        const ref = s.names.get(name);
        if (ref !== undefined) return { k: 'data', ref, loc };
        continue;
      }
      const v = s.vars.get(name);
      if (v !== undefined) return { k: 'local', v, outer: v.param ? { k: 'lit', value: null } : this.resolve(name, s.parent, loc), loc };
    }
  }

  /** Whether `name` in `scope` still means the global of that name, with its standard meaning. */
  private standard(name: Sym, scope: Scope): boolean {
    if (!this.specialised.has(name.name)) return false;
    return this.resolve(name, scope, undefined).k === 'global';
  }

  // ---- expressions ----

  expr(d: Value, scope: Scope, pos: Pos | undefined): Expr {
    const loc = this.loc(pos);
    if (d instanceof Sym) return d.keyword ? { k: 'lit', value: d, loc } : this.resolve(d, scope, loc);
    if (d instanceof Cons) {
      if (d.quoted) return { k: 'data', ref: this.ref(d), loc };
      return this.sexpr(d, scope);
    }
    return { k: 'lit', value: d, loc };
  }

  /** An S-expression, or a Q-expression being run as one (if branches, bodies, eval of literals). */
  sexpr(d: Cons, scope: Scope): Expr {
    const loc = this.loc(listPos.get(d) ?? elementPos.get(d));
    const cs = cells(d);
    const head = d.head;
    const arg = (i: number) => this.expr(cs[i].head, scope, elementPos.get(cs[i]));
    if (cs.length === 1) return { k: 'single', e: arg(0), loc };
    const n = cs.length - 1;
    if (head === S.quote) {
      if (n !== 1) return { k: 'err', message: `quote expects exactly 1 argument, got ${n}`, loc };
      const q = cs[1].head;
      return q instanceof Cons ? { k: 'data', ref: this.ref(q), loc } : { k: 'lit', value: q, loc };
    }
    if (head === S.if) {
      if (n < 2 || n > 3) return { k: 'err', message: `if requires 2-3 arguments, got ${n}`, loc };
      const branch = (c: Cons) => this.branch(c.head, scope, elementPos.get(c));
      return { k: 'if', cond: arg(1), then: branch(cs[2]), else: n === 3 ? branch(cs[3]) : null, loc };
    }
    if (head === S.quasiquote || head === S.ctxWith || head === S.ctxWithDeadline) return this.evalForm(d);
    if (head instanceof Sym && this.standard(head, scope)) {
      const special = this.specialise(d, cs, scope, loc);
      if (special !== undefined) return special;
    }
    return this.call(cs, scope, loc);
  }

  /** An if branch or select result: a Q-expression is run as an S-expression (spec §4.4). */
  branch(b: Value, scope: Scope, pos: Pos | undefined): Expr {
    if (b instanceof Cons && b.quoted) return this.sexpr(b, scope);
    return this.expr(b, scope, pos);
  }

  private specialise(form: Cons, cs: Cons[], scope: Scope, loc: Loc | undefined): Expr | undefined {
    const head = form.head as Sym;
    const args = cs.slice(1).map((c) => c.head);
    const argExpr = (i: number) => this.expr(args[i], scope, elementPos.get(cs[i + 1]));
    const guarded = (fast: Expr, guard: Sym[] = [head]): Expr => ({ k: 'guarded', guard, fast, slow: this.evalForm(form), loc });
    const prim = (args.length === 2 ? PRIMS : args.length === 1 ? PRIMS1 : undefined)?.get(head.name);
    if (prim !== undefined) return { k: 'prim', op: prim, name: head, args: args.map((_, i) => argExpr(i)), loc };
    if (PRIMS.has(head.name) || PRIMS1.has(head.name)) return undefined;
    if (NATIVES.get(head.name) === args.length) return { k: 'native', name: head, args: args.map((_, i) => argExpr(i)), loc };
    switch (head) {
      case S.lambda: {
        if (args.length !== 2 || !literal(args[0]) || !literal(args[1]) || !isSymList(args[0])) return undefined;
        const fn = this.lambda(args[0], args[1], scope, null, loc);
        return fn === undefined ? undefined : guarded({ k: 'lambda', fn, loc });
      }
      case S.def:
      case S.assign: {
        const names = args[0];
        if (args.length < 2 || !literal(names) || !isSymList(names) || elements(names).length !== args.length - 1) return undefined;
        const targets = (elements(names) as Sym[]).map((name): Target => {
          if (head === S.def || scope.kind !== 'fn') return { kind: 'global', name };
          return { kind: 'local', v: scope.vars.get(name)! };
        });
        const values = args.slice(1).map((_, i) => {
          const t = targets[i];
          const self: SelfRef = t.kind === 'global' ? { kind: 'global', name: t.name } : { kind: 'local', v: t.v };
          return this.valueFor(args[i + 1], scope, elementPos.get(cs[i + 2]), self);
        });
        return guarded({ k: 'bind', op: head === S.def ? 'def' : '=', targets, values, loc });
      }
      case S.fun: {
        // The prelude's fun: (def (head f) (\ (tail f) b)), its lambda closing over fun's own frame.
        const [sig, body] = args;
        if (args.length !== 2 || !(sig instanceof Cons) || !sig.quoted || !isSymList(sig) || !(body instanceof Cons) || !body.quoted) {
          return undefined;
        }
        const name = sig.head as Sym;
        const funScope: ConstScope = {
          kind: 'const',
          parent: { kind: 'top' },
          names: new Map([
            [S.fnName, this.ref(sig)],
            [S.bodyName, this.ref(body)],
          ]),
        };
        const fn = this.lambda(sig.tail, body, funScope, { kind: 'global', name }, loc, { ...this.ref(sig), drop: 1 });
        if (fn === undefined) return undefined;
        const bind: Expr = { k: 'bind', op: 'def', targets: [{ kind: 'global', name }], values: [{ k: 'lambda', fn, loc }], loc };
        // fun's body calls def, head, \ and tail: all must still be the standard ones.
        return guarded(bind, [head, S.lambda, S.def, S.head, S.tail]);
      }
      case S.load: {
        if (args.length !== 1 || typeof args[0] !== 'string' || scope.kind !== 'top') return undefined;
        return guarded({ k: 'load', path: args[0], call: this.call(cs, scope, loc), loc });
      }
      case S.reset: {
        // (async-reset {body}): the body is evaluated like a lambda body in the caller's frame (spec §9.4).
        if (args.length !== 1 || !literal(args[0])) return undefined;
        return guarded({ k: 'reset', body: this.body(args[0], scope), source: this.ref(form), loc });
      }
      case S.async: {
        // (async {body}): the body runs in a fiber of its own, evaluated like a lambda body in the caller's frame.
        if (args.length !== 1 || !literal(args[0])) return undefined;
        return guarded({ k: 'async', body: this.body(args[0], scope), source: this.ref(form), loc });
      }
      case S.shift: {
        // (async-shift {k} {body}): the body is a lambda of k in the current scope (spec §9.4).
        if (args.length !== 2 || !literal(args[0]) || !isSymList(args[0]) || elements(args[0]).length !== 1 || !literal(args[1])) return undefined;
        const fn = this.lambda(args[0], args[1], scope, null, loc);
        return fn === undefined ? undefined : guarded({ k: 'shift', fn, loc });
      }
      case S.eval: {
        if (args.length !== 1 || !(args[0] instanceof Cons) || !args[0].quoted) return undefined;
        return guarded(this.sexpr(args[0], scope));
      }
      case S.do:
        return guarded({ k: 'do', args: args.map((_, i) => argExpr(i)), loc });
      case S.select: {
        const clauses: Array<[Expr, Expr]> = [];
        for (const c of args) {
          if (!(c instanceof Cons) || !c.quoted || c.tail === null || c.tail.tail !== null) return undefined;
          clauses.push([this.expr(c.head, scope, elementPos.get(c)), this.branch(c.tail.head, scope, elementPos.get(c.tail))]);
        }
        return guarded({ k: 'select', clauses, loc });
      }
    }
    return undefined;
  }

  /** The value expression of a binding; a lambda literal learns the name it is bound to. */
  private valueFor(d: Value, scope: Scope, pos: Pos | undefined, self: SelfRef): Expr {
    if (d instanceof Cons && !d.quoted && d.head === S.lambda && this.standard(S.lambda, scope)) {
      const cs = cells(d);
      const [formals, body] = [cs[1]?.head, cs[2]?.head];
      if (cs.length === 3 && literal(formals) && literal(body) && isSymList(formals)) {
        const loc = this.loc(listPos.get(d));
        const fn = this.lambda(formals, body, scope, self, loc);
        if (fn !== undefined) return { k: 'guarded', guard: [S.lambda], fast: { k: 'lambda', fn, loc }, slow: this.evalForm(d), loc };
      }
    }
    return this.expr(d, scope, pos);
  }

  /** The form run by the evaluator in the current frame: the slow path of every specialised form. */
  private evalForm(d: Cons): Expr {
    return { k: 'evalData', ref: this.ref(d), asCode: d.quoted, loc: this.loc(listPos.get(d)) };
  }

  /** The generic application of an S-expression's cells. */
  private call(cs: Cons[], scope: Scope, loc: Loc | undefined): Expr {
    const arg = (i: number) => this.expr(cs[i].head, scope, elementPos.get(cs[i]));
    return { k: 'call', fn: arg(0), args: cs.slice(1).map((_, i) => arg(i + 1)), loc };
  }

  /** A lambda with literal formals and body (spec §4.7, §4.8). */
  lambda(formals: Cons | null, body: Value, parent: Scope, self: SelfRef | null, loc: Loc | undefined, formalsRef?: DataRef): Fn | undefined {
    const shape = plainFormals(formals);
    if (shape === undefined) return undefined;
    const scope: FnScope = { kind: 'fn', parent, vars: new Map(), envId: this.id('env') };
    const declare = (name: Sym, param: boolean): Var => {
      const v: Var = { name, scope, param, id: this.id(name.name) };
      scope.vars.set(name, v);
      return v;
    };
    const params = shape.params.map((p) => declare(p, true));
    const rest = shape.rest === null ? null : declare(shape.rest, true);
    // Names that `=` may bind in this frame are JS variables too, declared up front so
    // that closures created before the binding see it (spec §5.4).
    for (const name of this.assignedNames(body)) {
      const v = scope.vars.get(name);
      if (v === undefined) declare(name, false);
      else v.rebound = true;
    }
    const bodyExpr = this.body(body, scope);
    return {
      scope,
      params,
      rest,
      body: bodyExpr,
      formals: formals === null ? null : (formalsRef ?? this.ref(formals)),
      bodyData: body instanceof Cons ? this.ref(body) : null,
      self,
      loc,
    };
  }

  /** Symbols bound by literal `(= {...} ...)` forms that run in this frame (not in nested lambdas). */
  private assignedNames(body: Value): Sym[] {
    const out: Sym[] = [];
    const work: Value[] = [body];
    while (work.length > 0) {
      const x = work.pop();
      if (!(x instanceof Cons)) continue;
      if (x.head === S.lambda || x.head === S.fun) continue;
      if (x.head === S.assign && x.tail !== null && x.tail.head instanceof Cons && isSymList(x.tail.head)) {
        out.push(...(elements(x.tail.head) as Sym[]));
      }
      for (let c: Cons | null = x; c !== null; c = c.tail) work.push(c.head);
    }
    return out;
  }

  /** A lambda body (spec §4.8): a sequence when its first element is a list, else one expression. */
  body(b: Value, scope: Scope): Expr {
    if (b === null) return { k: 'lit', value: null };
    if (!(b instanceof Cons)) return this.expr(b, scope, undefined);
    const first = b.head;
    if (first === null || first instanceof Cons) {
      return { k: 'seq', items: cells(b).map((c) => this.expr(c.head, scope, elementPos.get(c))) };
    }
    return this.sexpr(b, scope);
  }
}

export function analyze(path: string, text: string, options: AnalyzeOptions = {}): Program {
  const src = new Source(path, text);
  const parsed = parseProgram(src);
  const a = new Analyzer(parsed.forms, options);
  const top: Scope = { kind: 'top' };
  const forms = parsed.forms.map((f, i): Expr => {
    if (f instanceof VError) return { k: 'lit', value: f };
    return a.expr(f, top, { src, offset: parsed.starts[i] });
  });
  const readError =
    parsed.error === undefined ? undefined : { message: parsed.error.message, offset: parsed.starts[parsed.starts.length - 1] };
  return { path, text, forms, definitions: definitions(parsed.forms), readError };
}
