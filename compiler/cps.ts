// The continuation-passing translation of a lambda (DESIGN.md, step 3; the
// runtime side is runtime/cps.ts).
//
// A lambda whose body may suspend gets, next to its direct code, a function
// `(k, owed, ...params, bound)` that hands the body's value to k and returns
// the answer of the enclosing reset. The evaluator runs it in place of the
// direct code while a prompt is live, so a shift anywhere below can take the
// rest of the computation as a closure. A lambda whose body cannot suspend
// (compiler/suspends.ts) gets `null`, and its direct code runs under a reset
// too while the globals it relies on still hold what they held.
//
// Sub-expressions that call nothing are emitted by the direct emitter, so the
// two translations agree on everything but the calls; in a lambda's code, so
// are those that call only globals that cannot suspend, as long as they do
// (the lambda carries those assumptions, which the runtime checks on entry).
// Each value that outlives a call is a `const` of the continuation that
// receives it, so a continuation resumed twice sees the values it was captured
// with; the direct emitter's temporaries are only ever used between two calls.

import * as t from '@babel/types';
import type { Emitter, FnCx } from './emit.js';
import type { Expr, Fn } from './ir.js';
import { callsNothing } from './suspends.js';

/** How an expression's value is used: returned from the lambda, or handed to more code. */
type Cont =
  | { readonly kind: 'ret' }
  /**
   * `fn`, when set, is a function that does exactly what `then` emits: it can be passed on
   * as the continuation. `small` when `then` emits no more than a call or two (see values):
   * copied where it is used rather than made into a closure first.
   */
  | { readonly kind: 'then'; readonly then: (v: t.Identifier) => t.Statement[]; readonly fn?: t.Identifier; readonly small?: boolean };

const RET: Cont = { kind: 'ret' };

const id = (name: string) => t.identifier(name);

/** A construct with no continuation-passing form; the lambda then runs as data under a reset. */
class Untranslatable extends Error {}

export class CpsTranslator {
  private next = 0;
  /** Inside the inline copy of a continuation (see awaitNow): no further copies are made in it. */
  private copying = 0;
  /**
   * The lambda whose continuation-passing code is being made, while its code is at its own
   * top level (not in a closure or a reset's body): there a self call in tail position loops.
   */
  private looping: FnCx | null = null;

  constructor(private readonly em: Emitter) {}

  /**
   * The continuation-passing code of fn (a function expression), `null` when its
   * body cannot suspend, or undefined when it has a construct without such a form.
   */
  fn(fn: Fn, cx: FnCx, params: t.Identifier[], prologue: t.Statement[], kind: 'lambda' | 'shift body' = 'lambda', entry?: (cx: FnCx) => t.Statement[]): t.Expression | undefined {
    if (kind === 'lambda' && !this.em.maySuspend(fn.body)) return t.nullLiteral();
    let body: t.Statement[];
    const outer = this.looping;
    this.looping = kind === 'lambda' && fn.rest === null ? cx : null;
    try {
      body = this.cps(fn.body, cx, RET);
    } catch (e) {
      if (e instanceof Untranslatable) return undefined;
      throw e;
    } finally {
      this.looping = outer;
    }
    // What comes before the call is counted: the entry to a fast body (see Emitter.fastEntry).
    const before = entry?.(cx) ?? [];
    const decls = [...this.em.tempDeclarations(cx.temps), ...before];
    // A shift body is not a call (`stack-depth` does not count it): it is called with owed -1.
    if (kind === 'lambda') decls.push(t.expressionStatement(t.updateExpression('++', t.memberExpression(id('C'), id('depth')))));
    let inner = [...prologue, ...body];
    if (cx.selfLooped) {
      // As in the direct code (Emitter.rounds).
      params = [...fn.params.map((v) => id(`${v.id}_next`)), ...params.slice(fn.params.length)];
      inner = [this.em.rounds(fn.params, inner)];
    }
    return t.functionExpression(id(this.cpsName(cx)), [id('$kk'), id('$owed'), ...params], t.blockStatement([...decls, ...inner]));
  }

  private cpsName(cx: FnCx): string {
    return `${cx.codeName}_k`;
  }

  /**
   * An expression's continuation-passing code as a function of (k, owed) in the
   * current scope, for a reset's body; undefined when it has no such form.
   */
  thunk(e: Expr, cx: FnCx, assumes = cx.assumes): t.Expression | undefined {
    const outer = cx.assumes;
    cx.assumes = assumes;
    try {
      // Its $kk is the reset's, not the lambda's: a self call in its tail position is a call.
      return t.arrowFunctionExpression([id('$kk'), id('$owed')], t.blockStatement(this.closed(cx, () => this.cps(e, cx, RET))));
    } catch (err) {
      if (err instanceof Untranslatable) return undefined;
      throw err;
    } finally {
      cx.assumes = outer;
    }
  }

  /**
   * Whether e is emitted by the direct emitter: it calls nothing, or (in a
   * lambda's code, which runs only while the lambda's assumptions hold) only
   * globals that cannot suspend, which become the lambda's assumptions.
   */
  private direct(e: Expr, cx: FnCx): boolean {
    return callsNothing(e) || (cx.assumes !== null && this.em.cannotSuspendInto(e, cx.assumes));
  }

  private fresh(prefix: string): t.Identifier {
    return id(`${prefix}${this.next++}`);
  }

  /** Hands v on as the continuation says. */
  private deliver(c: Cont, v: t.Expression): t.Statement[] {
    if (c.kind === 'then') {
      if (t.isIdentifier(v)) return c.then(v);
      const x = this.fresh('$v');
      return [t.variableDeclaration('const', [t.variableDeclarator(x, v)]), ...c.then(x)];
    }
    const owed = t.binaryExpression('+', id('$owed'), t.numericLiteral(1));
    return [
      t.expressionStatement(t.assignmentExpression('-=', t.memberExpression(id('C'), id('depth')), owed)),
      t.returnStatement(t.callExpression(this.em.runtime('kret'), [id('$kk'), v])),
    ];
  }

  /** The value of e, named, then more code (`small` code: see Cont). */
  private value(e: Expr, cx: FnCx, then: (v: t.Identifier) => t.Statement[], small = false): t.Statement[] {
    if (this.direct(e, cx)) return this.deliver({ kind: 'then', then }, this.em.expr(e, cx));
    return this.cps(e, cx, { kind: 'then', then, small });
  }

  /**
   * The values of es in order, then `then` of them. `smallThen` when `then` is small
   * (a call with a continuation already in hand): what follows the last value is then
   * copied where that value is made rather than made into a closure, so that an
   * argument that may suspend but does not (an await of a settled handle) costs none.
   */
  private values(es: Expr[], cx: FnCx, then: (vs: t.Identifier[]) => t.Statement[], smallThen = false, done: t.Identifier[] = []): t.Statement[] {
    if (done.length === es.length) return then(done);
    const last = done.length === es.length - 1;
    return this.value(es[done.length], cx, (v) => this.values(es, cx, then, smallThen, [...done, v]), last && smallThen);
  }

  /**
   * The head of a call, then its arguments, then `use` of their values. An Error in
   * head position is the value and the arguments are not evaluated (spec §4.3).
   */
  private applied(
    c: Cont,
    head: Expr,
    args: Expr[],
    cx: FnCx,
    use: (cont: Cont, h: t.Identifier, vs: t.Identifier[]) => t.Statement[],
  ): t.Statement[] {
    const { cont, decl } = this.join(c, cx);
    return [
      ...decl,
      ...this.value(head, cx, (h) => [
        t.ifStatement(this.isError(h), t.blockStatement(this.deliver(cont, h))),
        // `use` is small when its continuation is the caller's own or a closure already made;
        // not when it is itself a copied one, so that copies never nest.
        ...this.values(args, cx, (vs) => use(cont, h, vs), cont.kind === 'ret' || cont.fn !== undefined),
      ]),
    ];
  }

  /**
   * `(aio/await x)` whose head and argument need no continuation: the standard
   * `aio/await` is tried first, and when the handle has already settled its
   * outcome goes on inline, so that no closure is made for the rest (it is made
   * when the fiber really waits). The rest's code is thus emitted twice, but
   * never more: inside the inline copy, awaits take the ordinary path.
   */
  private awaitNow(c: Cont, e: Expr & { k: 'call' }, cx: FnCx): t.Statement[] | undefined {
    if (this.copying > 0 || e.fn.k !== 'global' || e.fn.name.name !== 'aio/await' || e.args.length !== 1) return undefined;
    if (!this.direct(e.fn, cx) || !this.direct(e.args[0], cx)) return undefined;
    const [h, x, w] = [this.fresh('$v'), this.fresh('$v'), this.fresh('$v')];
    const std = t.memberExpression(this.em.cell(e.fn.name), id('std'));
    this.copying++;
    let settled: t.Statement[];
    try {
      settled = this.deliver(c, w);
    } finally {
      this.copying--;
    }
    const tried = t.variableDeclaration('const', [t.variableDeclarator(w, this.em.at(t.callExpression(this.em.runtime('awaitNow'), [h, x]), e.loc))]);
    return [
      t.variableDeclaration('const', [t.variableDeclarator(h, this.em.expr(e.fn, cx)), t.variableDeclarator(x, this.em.expr(e.args[0], cx))]),
      t.ifStatement(
        t.binaryExpression('===', h, std),
        t.blockStatement([tried, t.ifStatement(t.binaryExpression('!==', w, this.em.runtime('WAIT')), t.blockStatement(settled))]),
      ),
      ...this.applied(c, { k: 'js', name: h.name }, [{ k: 'js', name: x.name }], cx, (cont, f, args) => this.call(cont, f, args, e, cx)),
    ];
  }

  /** A call of f: the continuation is the caller's own in tail position, else a closure. */
  private call(c: Cont, f: t.Identifier, args: t.Identifier[], e: Expr, cx: FnCx): t.Statement[] {
    const loop = c.kind === 'ret' && e.k === 'call' ? this.selfLoop(f, args, e.fn, cx) : [];
    const [k, owed] = this.continuation(c, cx);
    const call = args.length <= 3 ? t.callExpression(this.em.runtime(`kcall${args.length}`), [k, owed, f, ...args]) : t.callExpression(this.em.runtime('kcall'), [k, owed, f, t.arrayExpression(args)]);
    return [...loop, ...this.finishCall(this.em.at(call, e.loc), cx)];
  }

  /**
   * A self call in tail position at the lambda's top level, when f is this very code (same
   * closure) and may run: a new round of the loop (see fn) rather than a call, with the count
   * of active calls the call would have made. Otherwise nothing, and the call is made.
   */
  private selfLoop(f: t.Identifier, args: t.Identifier[], callee: Expr, cx: FnCx): t.Statement[] {
    const fn = cx.fn;
    if (this.looping !== cx || fn === null || args.length !== fn.params.length || !this.em.isSelf(callee, fn)) return [];
    cx.selfLooped = true;
    const same = t.logicalExpression(
      '&&',
      t.logicalExpression('&&', t.binaryExpression('instanceof', f, this.em.runtime('Lambda')), t.binaryExpression('===', t.memberExpression(f, id('cps')), id(this.cpsName(cx)))),
      t.callExpression(this.em.runtime('cpsHolds'), [f]),
    );
    const rebind = this.em.nextRound(fn, args, t.assignmentExpression('+=', id('$owed'), t.numericLiteral(1)));
    return [t.ifStatement(same, t.blockStatement(rebind))];
  }

  /** Returns what a call gives; a callee that needs this frame (async-shift, eval, ...) answers REFLECT first. */
  private finishCall(made: t.Expression, cx: FnCx): t.Statement[] {
    const r = this.fresh('$r');
    const reflect = t.callExpression(this.em.runtime('kreflect'), [this.em.frame(cx.scope)]);
    return [
      t.variableDeclaration('const', [t.variableDeclarator(r, made)]),
      t.returnStatement(t.conditionalExpression(t.binaryExpression('===', r, this.em.runtime('REFLECT')), reflect, r)),
    ];
  }

  /** A continuation used on several paths, as one closure rather than copies of its code. */
  private join(c: Cont, cx: FnCx): { cont: Cont; decl: t.Statement[] } {
    if (c.kind === 'ret' || c.fn !== undefined || c.small === true) return { cont: c, decl: [] };
    const j = this.fresh('$j');
    const v = this.fresh('$v');
    const decl = [t.variableDeclaration('const', [t.variableDeclarator(j, t.arrowFunctionExpression([v], t.blockStatement(this.closed(cx, () => c.then(v)))))])];
    return { cont: { kind: 'then', fn: j, then: (x) => [t.returnStatement(t.callExpression(j, [x]))] }, decl };
  }

  private isError(v: t.Expression): t.Expression {
    return t.binaryExpression('instanceof', v, this.em.runtime('VError'));
  }

  cps(e: Expr, cx: FnCx, c: Cont): t.Statement[] {
    if (this.direct(e, cx)) return this.deliver(c, this.em.expr(e, cx));
    switch (e.k) {
      case 'call':
        return this.awaitNow(c, e, cx) ?? this.applied(c, e.fn, e.args, cx, (cont, f, args) => this.call(cont, f, args, e, cx));
      case 'native': {
        // The runtime's built-in walk when nothing in it can suspend, else the prelude's function
        // (which has continuation-passing code too).
        const std = t.memberExpression(this.em.cell(e.name), id('std'));
        return this.applied(c, { k: 'global', name: e.name, loc: e.loc }, e.args, cx, (cont, h, vs) => {
          const [k, owed] = this.continuation(cont, cx);
          const walk = t.callExpression(this.em.runtime('knative'), [k, owed, t.stringLiteral(e.name.name), h, std, t.arrayExpression(vs)]);
          return this.finishCall(this.em.at(walk, e.loc), cx);
        });
      }
      case 'single':
        // The single-element rule (spec §4.3): only a function value is called.
        {
          const { cont, decl } = this.join(c, cx);
          return [
            ...decl,
            ...this.value(e.e, cx, (v) => [
              t.ifStatement(t.callExpression(this.em.runtime('isFunc'), [v]), t.blockStatement(this.call(cont, v, [], e, cx))),
              ...this.deliver(cont, v),
            ]),
          ];
        }
      case 'prim': {
        // Operands that call something: the standard operator is done inline once they are
        // values, and anything it was rebound to is called.
        const std = t.memberExpression(this.em.cell(e.name), id('std'));
        return this.applied(c, { k: 'global', name: e.name, loc: e.loc }, e.args, cx, (cont, h, vs) => [
          t.ifStatement(
            t.binaryExpression('===', h, std),
            t.blockStatement(this.deliver(cont, this.em.expr({ ...e, head: h.name, args: vs.map((v) => ({ k: 'js', name: v.name })) }, cx))),
          ),
          ...this.call(cont, h, vs, e, cx),
        ]);
      }
      case 'bind':
        return this.values(e.values, cx, (vs) => this.deliver(c, this.em.expr({ ...e, values: vs.map((v) => ({ k: 'js', name: v.name })) }, cx)));
      case 'seq': {
        if (e.items.length === 0) return this.deliver(c, t.nullLiteral());
        const [first, ...rest] = e.items;
        if (rest.length === 0) return this.cps(first, cx, c);
        // The first Error ends a body sequence (spec §4.8).
        const { cont, decl } = this.join(c, cx);
        return [
          ...decl,
          ...this.value(first, cx, (v) => [
            t.ifStatement(this.isError(v), t.blockStatement(this.deliver(cont, v))),
            ...this.cps({ k: 'seq', items: rest, loc: e.loc }, cx, cont),
          ]),
        ];
      }
      case 'if': {
        const { cont, decl } = this.join(c, cx);
        return [
          ...decl,
          ...this.value(e.cond, cx, (v) => [
            t.ifStatement(this.isError(v), t.blockStatement(this.deliver(cont, v))),
            t.ifStatement(
              t.logicalExpression('&&', t.binaryExpression('!==', v, t.numericLiteral(0)), t.binaryExpression('!==', v, t.nullLiteral())),
              t.blockStatement(this.cps(e.then, cx, cont)),
            ),
            ...(e.else === null ? this.deliver(cont, t.nullLiteral()) : this.cps(e.else, cx, cont)),
          ]),
        ];
      }
      case 'guarded': {
        if (!this.translatable(e.fast)) return this.cps(e.slow, cx, c);
        const { cont, decl } = this.join(c, cx);
        return [...decl, t.ifStatement(this.em.guard(e.guard), t.blockStatement(this.cps(e.fast, cx, cont))), ...this.cps(e.slow, cx, cont)];
      }
      case 'load':
        // An imported module's forms run as direct code; a load by path goes through the
        // evaluator, where a compiled file's forms run as continuation-passing code too.
        if (this.em.loadSpecifier(e.path) !== undefined) return this.deliver(c, this.em.expr(e, cx));
        return this.cps(e.call, cx, c);
      case 'reset': {
        // A reset inside continuation-passing code: its body runs to its answer, which goes on as a value.
        const body = this.thunk(e.body, cx);
        if (body === undefined) return this.cps({ k: 'evalData', ref: e.source, asCode: false, loc: e.loc }, cx, c);
        const fast = this.em.fastReset(e.body, cx);
        const [kMade, owed] = this.continuation(c, cx);
        if (fast === undefined) return [t.returnStatement(this.em.at(t.callExpression(this.em.runtime('kreset'), [kMade, owed, body]), e.loc))];
        // The reset's fast body (Emitter.fastReset), whose value goes on as kreset hands it on.
        const [k, v] = [this.fresh('$k'), this.fresh('$v')];
        return [
          t.variableDeclaration('const', [t.variableDeclarator(k, kMade), t.variableDeclarator(v, this.em.at(fast, e.loc))]),
          t.ifStatement(
            t.binaryExpression('!==', v, this.em.runtime('BAIL')),
            t.blockStatement([
              t.expressionStatement(t.assignmentExpression('-=', t.memberExpression(id('C'), id('depth')), owed)),
              t.returnStatement(t.callExpression(this.em.runtime('kret'), [k, v])),
            ]),
          ),
          t.returnStatement(this.em.at(t.callExpression(this.em.runtime('kreset'), [k, owed, body]), e.loc)),
        ];
      }
      case 'shift': {
        const [k, owed] = this.continuation(c, cx);
        // The body as continuation-passing code of k alone, or failing that as a lambda.
        const body = this.em.cpsCode(e.fn, 'shift body', undefined, cx.assumes) ?? this.em.expr({ k: 'lambda', fn: e.fn }, cx);
        return [t.returnStatement(this.em.at(t.callExpression(this.em.runtime('kshift'), [k, owed, body]), e.loc))];
      }
      case 'evalData': {
        const [k, owed] = this.continuation(c, cx);
        const run = t.callExpression(this.em.runtime('keval'), [k, owed, this.em.dataRef(e.ref), t.booleanLiteral(e.asCode), this.em.frame(cx.scope)]);
        return [t.returnStatement(this.em.at(run, e.loc))];
      }
      default:
        throw new Untranslatable(e.k);
    }
  }

  /** The JS continuation for c, and the count of active calls handed on with it. */
  private continuation(c: Cont, cx: FnCx): [t.Expression, t.Expression] {
    if (c.kind === 'ret') return [id('$kk'), t.binaryExpression('+', id('$owed'), t.numericLiteral(1))];
    if (c.fn !== undefined) return [c.fn, t.numericLiteral(0)];
    const v = this.fresh('$v');
    return [t.arrowFunctionExpression([v], t.blockStatement(this.closed(cx, () => c.then(v)))), t.numericLiteral(0)];
  }

  /**
   * Code for the body of a closure: no self loop can continue from in there, and
   * the temporaries its code uses are its own (declared in it, they stay out of
   * the context the enclosing function's closures share, which every call of
   * that function would otherwise allocate and every waiting fiber keep).
   */
  private closed(cx: FnCx, make: () => t.Statement[]): t.Statement[] {
    const looping = this.looping;
    const temps = cx.temps;
    this.looping = null;
    cx.temps = [];
    try {
      const body = make();
      return [...this.em.tempDeclarations(cx.temps), ...body];
    } finally {
      this.looping = looping;
      cx.temps = temps;
    }
  }

  /** Whether e has a continuation-passing form (do and select are left to their guard's fallback). */
  private translatable(e: Expr): boolean {
    switch (e.k) {
      case 'do':
      case 'select':
        return false;
      case 'call':
        return this.translatable(e.fn) && e.args.every((a) => this.translatable(a));
      case 'native':
      case 'prim':
        return e.args.every((a) => this.translatable(a));
      case 'single':
        return this.translatable(e.e);
      case 'if':
        return this.translatable(e.cond) && this.translatable(e.then) && (e.else === null || this.translatable(e.else));
      case 'seq':
        return e.items.every((i) => this.translatable(i));
      case 'bind':
        return e.values.every((v) => this.translatable(v));
      case 'local':
        return this.translatable(e.outer);
      default:
        return true;
    }
  }
}
