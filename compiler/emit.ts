// The emitter: IR to a Babel AST, printed by @babel/generator with a source map.
//
// Nothing from the source is spliced into JS text: names become generated
// identifiers and every string or symbol name is a literal node.
//
// Shape of a compiled module (ES module form; the CommonJS form used by
// `valk run` wraps the same body in a function of the runtime):
//
//   import * as R from "<runtime>";
//   const $F = R.forms(path, text);          // the program's data, read again
//   const s_x = R.sym("x"), d_0 = R.at(...); // symbols and literal lists
//   export default function (G) {           // G: the global frame
//     const g_x = G.cell(s_x);               // global cells
//     return [() => form0, () => form1, ...];
//   }
//   export function main() { ... }           // runs the module as a program
//   const e0_f = R.exported(instantiate, "f"); // top-level definitions, for JavaScript
//   export { e0_f as f };

import generateModule from '@babel/generator';
import * as t from '@babel/types';
import { Sym, VError, type Value } from '../runtime/values.js';
import { isIdentifierName, planExports, type PlannedExport } from './exports.js';
import type { DataRef, Expr, Fn, FnScope, Loc, Program, Scope, Target, Var } from './ir.js';
import { CpsTranslator } from './cps.js';
import { fastFunction, fastPlan, fastReset, fastSource, type FastNames, type FastPlan, type FastSource } from './fast.js';
import { callsNothing, emptyCallees, guardedParams, leafCalls, noCalls, programStatus, type Callees, type Suspends } from './suspends.js';
import { Annotations, type EmitTarget } from './ts-types.js';

// @babel/generator is CommonJS; under ESM its function arrives as the namespace's `default`.
type Generate = typeof import('@babel/generator').default;
const generate: Generate = (generateModule as unknown as { default?: Generate }).default ?? (generateModule as unknown as Generate);

export interface EmitOptions {
  /**
   * For the ES module form: the module specifier that a literal `(load PATH)` imports,
   * or undefined to leave that load to the runtime.
   */
  readonly resolveLoad?: (path: string) => string | undefined;
  /** `esm`: an ES module importing the runtime; `cjs`: `module.exports = (R) => module`, for `valk run`. */
  readonly format: 'esm' | 'cjs';
  /** The module specifier of the runtime (ESM form). */
  readonly runtime: string;
  /** Name of the generated file, recorded in the source map. */
  readonly outFile: string;
  /**
   * The module is the bundled prelude (ESM form): loading it tells the runtime that
   * the functions it defines are the standard ones compiled code builds in.
   */
  readonly standardPrelude?: boolean;
  /** `ts`: a TypeScript module (ESM form), typed against the runtime's declarations; default `js`. */
  readonly target?: EmitTarget;
}

export interface Emitted {
  readonly code: string;
  readonly map: object;
}

/** Runtime exports the module uses; each is bound once to a module constant `$name`. */
const usedRuntime = new Set<string>();
const R = (name: string) => {
  usedRuntime.add(name);
  return t.identifier(`$${name}`);
};
const rcall = (name: string, ...args: t.Expression[]) => t.callExpression(R(name), args);
const id = (name: string) => t.identifier(name);
const assign = (target: string, value: t.Expression) => t.assignmentExpression('=', id(target), value);
const seq = (...es: t.Expression[]) => (es.length === 1 ? es[0] : t.sequenceExpression(es));
const isError = (e: t.Expression) => t.binaryExpression('instanceof', e, R('VError'));
const depth = () => t.memberExpression(id('C'), id('depth'));
/** Truthiness (spec §4.6): everything but 0 and Nil. */
const truthy = (e: t.Expression) => t.logicalExpression('&&', t.binaryExpression('!==', e, t.numericLiteral(0)), t.binaryExpression('!==', e, t.nullLiteral()));

/** Per-JS-function state: temporaries, and for lambdas the active-call count and self loop. */
export class FnCx {
  /** The temporaries of the JS function being emitted (a closure inside it has its own: see CpsTranslator.closed). */
  temps: string[] = [];
  selfLooped = false;
  constructor(
    readonly scope: FnScope | null,
    readonly fn: Fn | null,
    readonly codeName: string | null,
    /**
     * In a lambda's continuation-passing code: the globals its calls that cannot suspend
     * rely on, which then stay direct calls (compiler/cps.ts). Null elsewhere.
     */
    public assumes: Callees | null = null,
  ) {}
}

export class Emitter {
  private readonly symbols = new Map<Sym, string>();
  private readonly data = new Map<string, { name: string; ref: DataRef }>();
  private readonly cells = new Map<Sym, string>();
  private readonly imports = new Map<string, string>();
  private readonly frameNames = new Map<string, Sym[]>();
  private nextTemp = 0;
  private readonly types: Annotations;

  constructor(
    private readonly program: Program,
    private readonly options: EmitOptions,
  ) {
    this.types = new Annotations(options.target ?? 'js');
    this.suspends = programStatus(program);
  }

  /** Which globals may suspend when called (compiler/suspends.ts). */
  private readonly suspends: Suspends;

  /** Whether evaluating e may suspend, as far as the compiler can tell. */
  maySuspend(e: Expr): boolean {
    return leafCalls(e, this.suspends) === undefined;
  }

  /** Whether e cannot suspend; its callees then join `into`. */
  cannotSuspendInto(e: Expr, into: Callees): boolean {
    const found = leafCalls(e, this.suspends);
    if (found === undefined) return false;
    for (const k of ['calls', 'prims', 'walks', 'guards'] as const) for (const s of found[k]) into[k].add(s);
    return true;
  }

  private readonly cps = new CpsTranslator(this);
  /** The fast bodies of resets, by the reset's body (see fastReset). */
  private readonly fastResets = new Map<Expr, string>();
  /** Fast bodies and their flags (compiler/fast.ts), declared in the instantiate function. */
  private readonly fastBodies: t.Statement[] = [];
  /** The functions building compiled scopes' frames (frameMaker), declared in the instantiate function. */
  private readonly frameMakers = new Map<string, t.FunctionDeclaration>();

  /** A runtime export, as the module constant it is bound to. */
  runtime(name: string): t.Identifier {
    return R(name);
  }

  // ---- module-level names ----

  /** The module constant for a symbol (prefix s) or a global cell (prefix g), named once per module. */
  private named(names: Map<Sym, string>, prefix: 's' | 'g', s: Sym): t.Identifier {
    let name = names.get(s);
    if (name === undefined) {
      name = `${prefix}${names.size}_${s.name.replace(/[^A-Za-z0-9_]/g, '')}`.slice(0, 40);
      names.set(s, name);
    }
    return id(name);
  }

  sym(s: Sym): t.Identifier {
    return this.named(this.symbols, 's', s);
  }

  dataRef(ref: DataRef): t.Identifier {
    const key = `${ref.form}:${ref.path.join(',')}:${ref.drop ?? 0}`;
    let entry = this.data.get(key);
    if (entry === undefined) {
      entry = { name: `d${this.data.size}`, ref };
      this.data.set(key, entry);
    }
    return id(entry.name);
  }

  cell(s: Sym): t.Identifier {
    return this.named(this.cells, 'g', s);
  }

  temp(cx: FnCx): string {
    const name = `t${this.nextTemp++}`;
    cx.temps.push(name);
    return name;
  }

  /** The `let` of a JS function's temporaries, at its top. */
  tempDeclarations(temps: readonly string[]): t.Statement[] {
    return temps.length === 0 ? [] : [t.variableDeclaration('let', temps.map((n) => t.variableDeclarator(this.types.declare(id(n), 'Value | undefined'))))];
  }

  // ---- frames for frame-reflective code ----

  /**
   * An expression giving the frame of `scope`. A compiled scope builds it from its
   * JS variables the first time it is needed; from then on the frame is the truth
   * (writes go to both, reads prefer it), so it never needs building again.
   */
  frame(scope: Scope | null): t.Expression {
    if (scope === null || scope.kind === 'top') return id('G');
    if (scope.kind === 'const') {
      const pairs = [...scope.names].flatMap(([k, ref]) => [this.sym(k), this.dataRef(ref)]);
      return rcall('sync', t.nullLiteral(), this.frame(scope.parent), ...pairs);
    }
    const vars = [...scope.vars.values()];
    const parent = this.localFrame(scope.parent) ? [this.frame(scope.parent)] : [];
    const made = t.callExpression(this.frameMaker(scope, vars, parent.length > 0), [...parent, id(`${scope.envId}_bound`), ...vars.map((v) => id(v.id))]);
    return t.assignmentExpression('??=', id(scope.envId), made);
  }

  /** Whether the frame of scope is built from a compiled function's variables, which only code inside it sees. */
  private localFrame(scope: Scope | null): boolean {
    return scope !== null && scope.kind !== 'top' && (scope.kind === 'fn' || this.localFrame(scope.parent));
  }

  /**
   * The function that builds a compiled scope's frame from its variables (and the
   * frame around it, when that is local too), declared once in the instantiate
   * function: every place frame-reflective code may run can build the frame.
   */
  private frameMaker(scope: FnScope, vars: Var[], takesParent: boolean): t.Identifier {
    const name = `${scope.envId}_frame`;
    if (!this.frameMakers.has(name)) {
      const [parent, bound] = [id('parent'), id('bound')];
      const names = this.scopeNames(scope, vars.map((v) => v.name));
      const made = rcall('makeFrame', takesParent ? parent : this.frame(scope.parent), bound, names, t.arrayExpression(vars.map((v) => id(v.id))));
      const params = [
        ...(takesParent ? [this.types.declare(parent, 'Frame')] : []),
        this.types.declare(bound, 'number | undefined'),
        ...vars.map((v) => this.types.declare(id(v.id), 'Value | undefined')),
      ];
      this.frameMakers.set(name, this.types.returns(t.functionDeclaration(id(name), params, t.blockStatement([t.returnStatement(made)])), 'Frame'));
    }
    return id(name);
  }

  /** A module constant listing a scope's names, in the order its frame is built. */
  private scopeNames(scope: FnScope, names: Sym[]): t.Identifier {
    const name = `${scope.envId}_names`;
    this.frameNames.set(name, names);
    return id(name);
  }

  /** Runs `call` (which may answer REFLECT) and finishes a reflective call in the current frame. */
  reflective(call: t.Expression, cx: FnCx): t.Expression {
    const r = this.temp(cx);
    const env = this.frame(cx.scope);
    const finish = seq(assign(r, rcall('reflectIn', env)), id(r));
    return t.conditionalExpression(t.binaryExpression('===', assign(r, call), R('REFLECT')), finish, id(r));
  }

  /** Runs data with the evaluator in the current frame. */
  evalData(datum: t.Expression, asCode: boolean, cx: FnCx): t.Expression {
    const r = this.temp(cx);
    return seq(assign(r, rcall(asCode ? 'evalCode' : 'evalIn', datum, this.frame(cx.scope))), id(r));
  }

  // ---- reading names ----

  /** Names bound by frame-reflective code in the frames between here and `until` take precedence. */
  private viaFrames(name: Sym, from: Scope | null, until: Scope | null, otherwise: t.Expression, cx: FnCx): t.Expression {
    let e = otherwise;
    const scopes: FnScope[] = [];
    for (let s = from; s !== null && s !== until && s.kind !== 'top'; s = s.parent) if (s.kind === 'fn') scopes.push(s);
    for (const s of scopes.reverse()) {
      const r = this.temp(cx);
      const own = rcall('own', id(s.envId), this.sym(name));
      const bound = t.logicalExpression('&&', t.binaryExpression('!==', id(s.envId), t.nullLiteral()), t.binaryExpression('!==', assign(r, own), id('undefined')));
      e = t.conditionalExpression(bound, id(r), e);
    }
    return e;
  }

  /** A global's value, or the unbound Error. */
  globalValue(name: Sym, cx: FnCx): t.Expression {
    const r = this.temp(cx);
    const v = t.memberExpression(this.cell(name), id('v'));
    return t.conditionalExpression(t.binaryExpression('!==', assign(r, v), id('undefined')), id(r), rcall('unbound', this.sym(name)));
  }

  read(e: Expr & { k: 'global' | 'local' }, cx: FnCx): t.Expression {
    if (e.k === 'global') return this.viaFrames(e.name, cx.scope, null, this.at(this.globalValue(e.name, cx), e.loc), cx);
    const v = e.v;
    const own = rcall('own', id(v.scope.envId), this.sym(v.name));
    // Once the scope has a frame, frame-reflective code may have rebound the name there.
    let value: t.Expression = t.conditionalExpression(
      t.binaryExpression('===', id(v.scope.envId), t.nullLiteral()),
      this.at(id(v.id), e.loc),
      // A parameter is always in its scope's frame.
      v.param ? this.types.bound(own) : own,
    );
    if (!v.param) {
      // A name bound by `=` may not be bound yet: then the enclosing scopes answer.
      const r = this.temp(cx);
      value = t.conditionalExpression(t.binaryExpression('!==', assign(r, value), id('undefined')), id(r), this.expr(e.outer, cx));
    }
    return this.viaFrames(v.name, cx.scope, v.scope, value, cx);
  }

  at<T extends t.Node>(node: T, loc: Loc | undefined): T {
    if (loc !== undefined) {
      node.loc = {
        start: { line: loc.line, column: loc.column, index: 0 },
        // Only datum starts are known. Babel maps a call's closing parenthesis to one column
        // before its end, and other nodes' ends to the end itself: both land on the start here.
        end: { line: loc.line, column: t.isCallExpression(node) ? loc.column + 1 : loc.column, index: 0 },
        filename: this.program.path,
        identifierName: undefined,
      };
    }
    return node;
  }

  // ---- expressions ----

  literal(v: Value): t.Expression {
    if (typeof v === 'number') return v < 0 ? t.unaryExpression('-', t.numericLiteral(-v)) : t.numericLiteral(v);
    if (typeof v === 'bigint') return v < 0n ? t.unaryExpression('-', t.bigIntLiteral((-v).toString())) : t.bigIntLiteral(v.toString());
    if (typeof v === 'string') return t.stringLiteral(v);
    if (v === null) return t.nullLiteral();
    if (v instanceof Sym) return this.sym(v);
    if (v instanceof VError) return rcall('err', t.stringLiteral(v.message));
    throw new Error('unexpected literal');
  }

  expr(e: Expr, cx: FnCx): t.Expression {
    switch (e.k) {
      case 'lit':
        return this.types.value(this.at(this.literal(e.value), e.loc));
      case 'data':
        return this.at(this.dataRef(e.ref), e.loc);
      case 'global':
      case 'local':
        return this.read(e, cx);
      case 'err':
        return this.at(rcall('err', t.stringLiteral(e.message)), e.loc);
      case 'js':
        return id(e.name);
      case 'shift':
        // Direct code runs under no prompt it could reach: only continuation-passing code can shift.
        return this.at(rcall('shiftOutside'), e.loc);
      case 'reset': {
        // The body runs as continuation-passing code, the prompt being its trampoline.
        const body = this.cps.thunk(e.body, cx);
        if (body === undefined) return this.expr({ k: 'evalData', ref: e.source, asCode: false, loc: e.loc }, cx);
        const general = this.at(rcall('reset', body), e.loc);
        const fast = this.fastReset(e.body, cx);
        if (fast === undefined) return general;
        const r = this.temp(cx);
        return t.conditionalExpression(t.binaryExpression('!==', assign(r, this.at(fast, e.loc)), R('BAIL')), id(r), general);
      }
      case 'async': {
        // The body runs as continuation-passing code, as the whole of a new fiber: it goes on
        // after this code has returned, so it relies on no assumption checked on entry here.
        const body = this.cps.thunk(e.body, cx, null);
        return body === undefined ? this.expr({ k: 'evalData', ref: e.source, asCode: false, loc: e.loc }, cx) : this.at(rcall('spawnAsync', body), e.loc);
      }
      case 'single': {
        // Only a function value is called; anything that is not an object is its own value.
        const v = this.temp(cx);
        const notObject = t.logicalExpression('||', t.binaryExpression('!==', t.unaryExpression('typeof', assign(v, this.expr(e.e, cx))), t.stringLiteral('object')), t.binaryExpression('===', id(v), t.nullLiteral()));
        return t.conditionalExpression(notObject, id(v), this.reflective(this.at(rcall('single', id(v)), e.loc), cx));
      }
      case 'call':
        return this.call(e, cx);
      case 'prim':
        return this.prim(e, cx);
      case 'native':
        return this.native(e, cx);
      case 'load': {
        const specifier = this.loadSpecifier(e.path);
        if (specifier === undefined) return this.expr(e.call, cx);
        let name = this.imports.get(specifier);
        if (name === undefined) this.imports.set(specifier, (name = `m${this.imports.size}`));
        return this.at(rcall('loadModule', id(name)), e.loc);
      }
      case 'if': {
        const c = this.temp(cx);
        const otherwise = e.else === null ? t.nullLiteral() : this.expr(e.else, cx);
        return t.conditionalExpression(
          isError(assign(c, this.expr(e.cond, cx))),
          id(c),
          t.conditionalExpression(truthy(id(c)), this.expr(e.then, cx), otherwise),
        );
      }
      case 'seq':
        return this.sequence(e.items, cx);
      case 'lambda':
        return this.lambda(e.fn);
      case 'guarded':
        return t.conditionalExpression(this.guard(e.guard), this.expr(e.fast, cx), this.expr(e.slow, cx));
      case 'bind':
        return this.bind(e.op, e.targets, e.values, cx);
      case 'do':
        return this.doForm(e.args, cx);
      case 'select':
        return this.select(e.clauses, 0, cx);
      case 'evalData':
        return this.at(this.evalData(this.dataRef(e.ref), e.asCode, cx), e.loc);
    }
  }

  /**
   * Arithmetic and comparison on the head value h: inline while h is the standard
   * builtin and the operands are numbers in range, else the runtime's full path.
   */
  prim(e: Expr & { k: 'prim' }, cx: FnCx): t.Expression {
    const h = this.temp(cx);
    const cell = this.cell(e.name);
    const std = t.memberExpression(cell, id('std'));
    const head = e.head !== undefined ? id(e.head) : this.read({ k: 'global', name: e.name, loc: e.loc }, cx);
    // Arithmetic and comparison use numerals as they are; other operands go through temporaries
    // (head, tail and cons test theirs with `instanceof`, which TypeScript rejects on a number).
    const setup: t.Expression[] = [];
    const listOp = e.op === 'head' || e.op === 'tail' || e.op === 'cons';
    const operands = e.args.map((a) => {
      if (a.k === 'lit' && typeof a.value === 'number' && !listOp) return this.at(this.literal(a.value), a.loc);
      const tmp = this.temp(cx);
      setup.push(assign(tmp, this.expr(a, cx)));
      return id(tmp);
    });
    const full = this.reflective(this.at(rcall(e.op, id(h), cell, ...operands), e.loc), cx);
    const numeric = (x: t.Expression) =>
      t.isNumericLiteral(x) || t.isUnaryExpression(x) ? [] : [t.binaryExpression('===', t.unaryExpression('typeof', x), t.stringLiteral('number'))];
    const isStd = t.binaryExpression('===', id(h), std);
    const list = (op: 'head' | 'tail', x: t.Expression) =>
      t.conditionalExpression(t.logicalExpression('&&', isStd, t.binaryExpression('instanceof', x, R('Cons'))), t.memberExpression(x, id(op)), full);
    if (e.op === 'head' || e.op === 'tail') return this.at(t.conditionalExpression(t.logicalExpression('&&', t.binaryExpression('!==', assign(h, head), std), isError(id(h))), id(h), seq(...setup, list(e.op, operands[0]))), e.loc);
    if (e.op === 'cons') {
      const [x, l] = operands;
      const isList = t.logicalExpression('||', t.binaryExpression('===', l, t.nullLiteral()), t.binaryExpression('instanceof', l, R('Cons')));
      const made = t.newExpression(R('Cons'), [x, l, t.booleanLiteral(false)]);
      return this.at(t.conditionalExpression(t.logicalExpression('&&', t.binaryExpression('!==', assign(h, head), std), isError(id(h))), id(h), seq(...setup, t.conditionalExpression(t.logicalExpression('&&', isStd, isList), made, full))), e.loc);
    }
    const checks: t.Expression[] = [isStd, ...operands.flatMap(numeric)];
    const all = (extra: t.Expression[]) => [...checks, ...extra].reduce((a, b) => t.logicalExpression('&&', a, b));
    const [a, b] = operands;
    let fast: t.Expression;
    const compare = { lt: '<', gt: '>', le: '<=', ge: '>=' } as const;
    const arith = { add: '+', sub: '-', mul: '*' } as const;
    if (e.op === 'eq' || e.op === 'ne') {
      // Where either side is a number, a string or Nil, values are equal exactly when they are
      // the same JS value (spec §6.1: 64-bit numbers out of the safe range are BigInts,
      // compared by value).
      const primitive = (x: t.Expression) =>
        t.logicalExpression('||', t.binaryExpression('!==', t.unaryExpression('typeof', x), t.stringLiteral('object')), t.binaryExpression('===', x, t.nullLiteral()));
      const either = operands.some((x) => t.isNumericLiteral(x) || t.isUnaryExpression(x)) ? [] : [t.logicalExpression('||', primitive(a), primitive(b))];
      // The same JS value is always equal to itself (the builtin asks that first too); otherwise
      // a primitive on either side settles it.
      const [yes, no] = e.op === 'eq' ? [1, 0] : [0, 1];
      const identical = t.binaryExpression('===', this.types.value(a), this.types.value(b));
      const differ = either.length === 0 ? t.numericLiteral(no) : t.conditionalExpression(either[0], t.numericLiteral(no), full);
      fast = t.conditionalExpression(isStd, t.conditionalExpression(identical, t.numericLiteral(yes), differ), full);
    } else if (e.op in compare) {
      const op = compare[e.op as keyof typeof compare];
      fast = t.conditionalExpression(all([]), t.conditionalExpression(t.binaryExpression(op, a, b), t.numericLiteral(1), t.numericLiteral(0)), full);
    } else if (e.op in arith) {
      const r = this.temp(cx);
      const op = arith[e.op as keyof typeof arith];
      const safe = t.callExpression(R('isSafeInteger'), [assign(r, t.binaryExpression(op, a, b))]);
      const result = e.op === 'mul' ? t.binaryExpression('+', id(r), t.numericLiteral(0)) : id(r);
      fast = t.conditionalExpression(all([safe]), result, full);
    } else if (e.op === 'div') {
      // Truncating division of safe integers is exact this way; a divisor <= 0 is the builtin's Error.
      const positive = t.binaryExpression('>', b, t.numericLiteral(0));
      const quotient = t.binaryExpression('+', t.binaryExpression('/', t.binaryExpression('-', a, t.binaryExpression('%', a, b)), b), t.numericLiteral(0));
      fast = t.conditionalExpression(all([positive]), quotient, full);
    } else fast = full;
    // The head is evaluated first; an Error there is the value and the operands are not evaluated.
    const headError = t.logicalExpression('&&', t.binaryExpression('!==', assign(h, head), std), isError(id(h)));
    return this.at(t.conditionalExpression(headError, id(h), seq(...setup, fast)), e.loc);
  }

  /** A prelude list walker: the runtime's built-in version while the global holds the prelude's. */
  native(e: Expr & { k: 'native' }, cx: FnCx): t.Expression {
    const h = this.temp(cx);
    const std = t.memberExpression(this.cell(e.name), id('std'));
    const args = e.args.map((a) => {
      const tmp = this.temp(cx);
      return { tmp, init: assign(tmp, this.expr(a, cx)) };
    });
    const values = args.map((a) => id(a.tmp));
    const builtIn = rcall(`native_${e.name.name}`, id(h), ...values);
    const generic = this.reflective(rcall(`call${values.length}`, id(h), ...values), cx);
    const headError = t.logicalExpression('&&', t.binaryExpression('!==', assign(h, this.read({ k: 'global', name: e.name, loc: e.loc }, cx)), std), isError(id(h)));
    return this.at(t.conditionalExpression(headError, id(h), seq(...args.map((a) => a.init), t.conditionalExpression(t.binaryExpression('===', id(h), std), builtIn, generic))), e.loc);
  }

  guard(names: readonly Sym[]): t.Expression {
    return names
      .map((n) => t.binaryExpression('===', t.memberExpression(this.cell(n), id('v')), t.memberExpression(this.cell(n), id('std'))) as t.Expression)
      .reduce((a, b) => t.logicalExpression('&&', a, b));
  }

  /** A lambda body sequence: the first Error ends it (spec §4.8). */
  sequence(items: Expr[], cx: FnCx): t.Expression {
    if (items.length === 0) return t.nullLiteral();
    let e = this.expr(items[items.length - 1], cx);
    for (let i = items.length - 2; i >= 0; i--) {
      const r = this.temp(cx);
      e = t.conditionalExpression(isError(assign(r, this.expr(items[i], cx))), id(r), e);
    }
    return e;
  }

  private callArgs(e: Expr & { k: 'call' }, cx: FnCx): { head: string; headExpr: t.Expression; args: t.Expression[] } {
    const head = this.temp(cx);
    return { head, headExpr: this.expr(e.fn, cx), args: e.args.map((a) => this.expr(a, cx)) };
  }

  call(e: Expr & { k: 'call' }, cx: FnCx): t.Expression {
    const { head, headExpr, args } = this.callArgs(e, cx);
    const h = id(head);
    // An Error in head position is the value; the arguments are not evaluated (spec §4.3).
    const headError = isError(assign(head, headExpr));
    if (args.length > 4) return t.conditionalExpression(headError, h, this.reflective(this.at(rcall('callN', h, t.arrayExpression(args)), e.loc), cx));
    // TypeScript output calls through the helper: a lambda's `code` takes any arguments.
    if (this.options.target === 'ts') return t.conditionalExpression(headError, h, this.reflective(this.at(rcall(`call${args.length}`, h, ...args), e.loc), cx));
    // A compiled lambda taking these arguments is called right here, so that each call site
    // has a callee of its own for the JS engine to inline; anything else goes through the helper.
    const temps = args.map((a) => (t.isLiteral(a) ? { value: a } : { value: id(this.temp(cx)), init: a }));
    const values = temps.map((a) => a.value);
    const r = this.temp(cx);
    const direct = t.logicalExpression('&&', t.binaryExpression('instanceof', h, R('Lambda')), t.binaryExpression('===', t.memberExpression(h, id('direct')), t.numericLiteral(args.length)));
    const code = t.assignmentExpression('=', id(r), t.callExpression(t.memberExpression(h, id('code')), values));
    const settled = t.conditionalExpression(t.binaryExpression('===', code, R('TAIL')), rcall('settle', id(r)), id(r));
    const call = t.conditionalExpression(direct, settled, this.at(rcall(`call${args.length}`, h, ...values), e.loc));
    const inits = temps.flatMap((a) => (a.init === undefined ? [] : [assign((a.value as t.Identifier).name, a.init)]));
    return t.conditionalExpression(headError, h, seq(...inits, this.reflective(this.at(call, e.loc), cx)));
  }

  bind(op: 'def' | '=', targets: Target[], values: Expr[], cx: FnCx): t.Expression {
    // All values are evaluated first, as for any builtin call; then they are bound in order.
    const temps = values.map(() => this.temp(cx));
    const evaluated = values.map((v, i) => assign(temps[i], this.expr(v, cx)));
    let rest: t.Expression = t.nullLiteral();
    for (let i = targets.length - 1; i >= 0; i--) {
      const v = id(temps[i]);
      const target = targets[i];
      // A symbol value is looked up once more in the current frame (spec §5.3).
      const resolve = t.logicalExpression('&&', rcall('needsLookup', v), assign(temps[i], rcall('lookupIn', this.frame(cx.scope), v)));
      let store: t.Expression;
      if (target.kind === 'global') store = t.callExpression(t.memberExpression(this.cell(target.name), id('set')), [v]);
      else {
        const env = id(target.v.scope.envId);
        const mirror = t.logicalExpression('&&', t.binaryExpression('!==', env, t.nullLiteral()), t.callExpression(t.memberExpression(env, id('set')), [this.sym(target.v.name), id(target.v.id)]));
        store = seq(assign(target.v.id, v), mirror);
      }
      // def stops at an Error value (binding nothing more); = binds it.
      const step = op === 'def' ? t.conditionalExpression(isError(v), v, seq(store, rest)) : seq(store, rest);
      rest = seq(resolve, step);
    }
    return seq(...evaluated, rest);
  }

  /** `do`: the values are evaluated again in the current frame; the last one is the result (spec §6.1). */
  doForm(args: Expr[], cx: FnCx): t.Expression {
    if (args.length === 0) return t.nullLiteral();
    const temps = args.map(() => this.temp(cx));
    const parts: t.Expression[] = args.map((a, i) => assign(temps[i], this.expr(a, cx)));
    for (const tmp of temps) {
      parts.push(t.logicalExpression('&&', rcall('needsReeval', id(tmp)), assign(tmp, this.evalData(id(tmp), false, cx))));
    }
    parts.push(id(temps[temps.length - 1]));
    return seq(...parts);
  }

  /** `select` with literal clauses (spec §6.1). */
  select(clauses: Array<[Expr, Expr]>, i: number, cx: FnCx): t.Expression {
    if (i >= clauses.length) return rcall('err', t.stringLiteral('No selection found'));
    const c = this.temp(cx);
    const [cond, result] = clauses[i];
    const isNumber = t.logicalExpression(
      '||',
      t.binaryExpression('===', t.unaryExpression('typeof', id(c)), t.stringLiteral('number')),
      t.binaryExpression('===', t.unaryExpression('typeof', id(c)), t.stringLiteral('bigint')),
    );
    return t.conditionalExpression(
      isError(assign(c, this.expr(cond, cx))),
      id(c),
      t.conditionalExpression(
        t.unaryExpression('!', isNumber),
        rcall('notNumber', id(c)),
        t.conditionalExpression(t.binaryExpression('!==', id(c), t.numericLiteral(0)), this.expr(result, cx), this.select(clauses, i + 1, cx)),
      ),
    );
  }

  // ---- lambdas ----

  lambda(fn: Fn): t.Expression {
    const codeName = `f${this.nextTemp++}`;
    const cx = new FnCx(fn.scope, fn, codeName);
    const bodyStmts = this.tail(fn.body, cx);
    const frameDecls = this.frameDeclarations(fn);
    const decls: t.Statement[] = [];
    const fast = this.options.target === 'ts' ? null : fastPlan(fn, this.suspends);
    const direct = fast !== null && fast.direct;
    const fastName = `${codeName}_fast`;
    if (direct) this.declareFast(fastSource(fn), fast, fastName);
    // Its own temporary: the entry check comes before the body's.
    const entry = direct ? this.fastEntry(fn, codeName, fastName, this.temp(cx), cx.selfLooped, false) : [];
    decls.push(
      ...this.tempDeclarations(cx.temps),
      ...entry,
      t.expressionStatement(t.updateExpression('++', depth())),
      t.variableDeclaration('let', [t.variableDeclarator(id('$k'), t.numericLiteral(1))]),
    );
    const formals = [...fn.params, ...(fn.rest === null ? [] : [fn.rest])];
    let body: t.Statement[];
    let params: t.Identifier[];
    if (cx.selfLooped) {
      params = formals.map((v) => this.types.declare(id(`${v.id}_next`), 'Value'));
      body = [this.rounds(formals, [...frameDecls, ...bodyStmts])];
    } else {
      params = formals.map((v) => this.types.declare(id(v.id), 'Value'));
      body = [...frameDecls, ...bodyStmts];
    }
    // After the formals, partial application passes how many arguments it bound (runtime/calls.ts).
    params.push(this.types.declare(id(`${fn.scope.envId}_bound`), 'number', true));
    const code = this.types.returns(t.functionExpression(id(codeName), params, t.blockStatement([...decls, ...body])), 'Value');
    const assumes = emptyCallees();
    // Continuation-passing code enters the fast body too: a call that turns out not to
    // suspend (an await of a completed handle) then runs as direct JavaScript.
    const cpsEntry = !direct ? undefined : (kcx: FnCx) => this.fastEntry(fn, `${codeName}_k`, fastName, this.temp(kcx), kcx.selfLooped, true);
    const cps = this.cpsCode(fn, 'lambda', codeName, assumes, cpsEntry);
    // Only a lambda that may suspend (it has continuation-passing code) can have guarded parameters.
    const guarded = cps !== undefined && !t.isNullLiteral(cps) && fn.self?.kind === 'global' ? guardedParams(fn, fn.self.name, this.suspends) : undefined;
    const made = this.at(
      rcall(
        'lambda',
        fn.formals === null ? t.nullLiteral() : this.dataRef(fn.formals),
        fn.bodyData === null ? t.nullLiteral() : this.dataRef(fn.bodyData),
        code,
        t.numericLiteral(fn.params.length),
        t.booleanLiteral(fn.rest !== null),
        // The frame the code closes over, for the evaluator to run the body in (under async-reset).
        t.arrowFunctionExpression([], this.frame(fn.scope.parent)),
        cps ?? id('undefined'),
        ...this.leafCells(fn, assumes, guarded?.callees),
        // The parameters whose arguments decide whether the direct code may run under a reset,
        // and the global its recursion goes through, which must still hold it.
        ...(guarded === undefined ? [] : [t.arrayExpression(guarded.positions.map((i) => t.numericLiteral(i))), this.cell(guarded.self)]),
      ),
      fn.loc,
    );
    if (fast === null) return made;
    // A reset whose work is fast bodies runs this one's continuation-passing fast body.
    const kfastName = `${codeName}_kfast`;
    if (fast.cps) this.fastBodies.push(fastFunction(fastSource(fn), fast, kfastName, this.fastNames(), true));
    // Other fast bodies call this one's through the lambda.
    return rcall('withFast', made, direct ? id(fastName) : id('undefined'), this.cell((fn.self as { name: Sym }).name), ...(fast.cps ? [id(kfastName)] : []));
  }

  /** What fast bodies refer to outside themselves (compiler/fast.ts). */
  private fastNames(): FastNames {
    return {
      runtime: R,
      cell: (s: Sym) => this.cell(s),
      data: (ref: DataRef) => this.dataRef(ref),
      literal: (v: unknown) => this.literal(v as Value),
    };
  }

  /**
   * A literal `(async-reset {body})` whose body is work fast bodies do: its
   * continuation-passing fast body, run to the reset's value where every
   * standard name holds its standard value, by a function declared in the
   * instantiate function; this is the call of it, which gives BAIL when the
   * fast body gives up (the reset then runs as the general code has it). That
   * function gives up for good once its fast body has bailed.
   */
  fastReset(body: Expr, cx: FnCx): t.Expression | undefined {
    if (this.options.target === 'ts') return undefined;
    const found = fastReset(body, cx.scope, this.suspends);
    if (found === undefined) return undefined;
    const call = (name: string) => t.callExpression(id(name), found.reads.map((r) => this.expr(r, cx)));
    // The direct and the continuation-passing code of one reset share its fast body.
    const made = this.fastResets.get(body);
    if (made !== undefined) return this.fastResetCall(call(made), cx);
    const name = `r${this.nextTemp++}`;
    this.fastResets.set(body, name);
    const off = id(`${name}_off`);
    const kfast = id(`${name}_kfast`);
    const params = found.source.params.map((p) => id(p.id));
    const e = id('e');
    const gaveUp = [t.expressionStatement(t.assignmentExpression('=', off, t.booleanLiteral(true))), t.returnStatement(R('BAIL'))];
    const run = t.functionDeclaration(id(name), params, t.blockStatement([
      t.ifStatement(t.logicalExpression('||', off, t.unaryExpression('!', t.memberExpression(id('G'), id('standardsHeld')))), t.returnStatement(R('BAIL'))),
      t.tryStatement(
        t.blockStatement([t.returnStatement(t.callExpression(kfast, [...params, R('answer'), t.numericLiteral(0)]))]),
        t.catchClause(e, t.blockStatement([t.expressionStatement(rcall('bailed', e)), ...gaveUp])),
      ),
    ]));
    this.fastBodies.push(
      fastFunction(found.source, found.plan, kfast.name, this.fastNames(), true),
      t.variableDeclaration('let', [t.variableDeclarator(off, t.booleanLiteral(false))]),
      run,
    );
    return this.fastResetCall(call(name), cx);
  }

  /** The call of a reset's fast body, made only while its scope has no frame, which could hold other bindings of the names the body reads. */
  private fastResetCall(call: t.Expression, cx: FnCx): t.Expression {
    if (cx.scope === null) return call;
    return t.conditionalExpression(t.binaryExpression('===', id(cx.scope.envId), t.nullLiteral()), call, R('BAIL'));
  }

  /**
   * Declares fn's fast body (compiler/fast.ts) in the instantiate function, with the
   * flag that turns it off once it has bailed.
   */
  private declareFast(fn: FastSource, plan: FastPlan, name: string): void {
    this.fastBodies.push(fastFunction(fn, plan, name, this.fastNames()), t.variableDeclaration('let', [t.variableDeclarator(id(`${name}_off`), t.booleanLiteral(false))]));
  }

  /**
   * The entry to fn's fast body from its direct code (`cps` false) or its
   * continuation-passing code: taken when every standard name holds its
   * standard value (its operators among them) and the global the recursion
   * goes through holds this very code; the fast body's value is returned, or
   * handed to the continuation. A bail goes on with the general code.
   */
  private fastEntry(fn: Fn, codeName: string, name: string, self: string, looped: boolean, cps: boolean): t.Statement[] {
    const off = id(`${name}_off`);
    const args = fn.params.map((p) => id(looped ? `${p.id}_next` : p.id));
    const selfCell = this.cell((fn.self as { name: Sym }).name);
    const checks: t.Expression[] = [
      t.unaryExpression('!', off),
      t.binaryExpression('===', t.memberExpression(t.memberExpression(selfCell, id('standards')), id('displaced')), t.numericLiteral(0)),
      t.binaryExpression('instanceof', assign(self, t.memberExpression(selfCell, id('v'))), R('Lambda')),
      t.binaryExpression('===', t.memberExpression(id(self), id(cps ? 'cps' : 'code')), id(codeName)),
    ];
    const e = id('e');
    const bailed = t.catchClause(e, t.blockStatement([
      t.ifStatement(t.binaryExpression('!==', e, R('BAIL')), t.throwStatement(e)),
      t.expressionStatement(t.assignmentExpression('=', off, t.booleanLiteral(true))),
    ]));
    const value = t.callExpression(id(name), [...args, t.numericLiteral(0)]);
    // In continuation-passing code the value goes on to the continuation, and the call
    // counted by the caller's owed ends there (as a plain builtin's does, runtime/cps.ts).
    const handOn = (v: t.Expression) => [
      t.expressionStatement(t.assignmentExpression('-=', t.memberExpression(id('C'), id('depth')), id('$owed'))),
      t.returnStatement(rcall('kret', id('$kk'), v)),
    ];
    const run = cps
      ? [t.tryStatement(t.blockStatement([t.expressionStatement(assign(self, value))]), bailed), t.ifStatement(t.unaryExpression('!', off), t.blockStatement(handOn(id(self))))]
      : [t.tryStatement(t.blockStatement([t.returnStatement(value)]), bailed)];
    return [t.ifStatement(checks.reduce((a, b) => t.logicalExpression('&&', a, b)), t.blockStatement(run))];
  }

  /**
   * The lambda's continuation-passing code, for running under a reset (compiler/cps.ts);
   * `undefined` leaves it to run as data there. The TypeScript target leaves it out.
   */
  cpsCode(fn: Fn, kind: 'lambda' | 'shift body', codeName = `f${this.nextTemp++}`, assumes: Callees | null = null, entry?: (cx: FnCx) => t.Statement[]): t.Expression | undefined {
    if (fn.rest !== null || this.options.target === 'ts') return undefined;
    const params = [...fn.params.map((v) => id(v.id)), id(`${fn.scope.envId}_bound`)];
    return this.cps.fn(fn, new FnCx(fn.scope, fn, codeName, assumes), params, this.frameDeclarations(fn), kind, entry);
  }

  /**
   * When fn's body calls only globals: the cells of those it calls and of
   * those whose guards keep its fast paths. While they hold values that
   * cannot suspend (and the standard values), the direct code runs in a fiber
   * and under a reset too (runtime/suspends.ts, `cannotSuspend`). Then the
   * same for the calls its continuation-passing code makes directly
   * (`assumes`): that code runs only while those hold.
   */
  private leafCells(fn: Fn, assumes: Callees, guardedCallees?: Callees): t.Expression[] {
    if (this.options.target === 'ts') return [];
    // Before the positions of guarded parameters: all four, padded.
    const pad = (cells: t.Expression[]) => (guardedCallees === undefined ? cells : [...cells, ...Array.from({ length: 4 - cells.length }, () => id('undefined'))]);
    const cells = (c: Callees) => [
      t.arrayExpression([...new Set([...c.calls, ...c.prims])].map((s) => this.cell(s))),
      t.arrayExpression([...new Set([...c.walks, ...c.guards])].map((s) => this.cell(s))),
    ];
    const found = guardedCallees ?? leafCalls(fn.body);
    // A lambda with guarded parameters always has its cells checked: its proof rests on its
    // strict operations being the standard ones.
    const callees = found === undefined || (noCalls(found) && guardedCallees === undefined) ? undefined : found;
    const assumed = assumes.calls.size + assumes.prims.size + assumes.walks.size + assumes.guards.size > 0 ? cells(assumes) : [];
    if (callees === undefined) return pad(assumed.length === 0 ? [] : [id('undefined'), id('undefined'), ...assumed]);
    return pad([...cells(callees), ...assumed]);
  }

  /** The module a literal `load` becomes an import of, when the output has imports. */
  loadSpecifier(path: string): string | undefined {
    return this.options.format === 'esm' ? this.options.resolveLoad?.(path) : undefined;
  }

  /** A call's frame: its variables, and the Frame built from them when one is needed. */
  private frameDeclarations(fn: Fn): t.Statement[] {
    const locals = [...fn.scope.vars.values()].filter((v) => !v.param);
    const decls: t.Statement[] = [t.variableDeclaration('let', [t.variableDeclarator(this.types.declare(id(fn.scope.envId), 'Frame | null'), t.nullLiteral())])];
    if (locals.length > 0) decls.push(t.variableDeclaration('let', locals.map((v) => t.variableDeclarator(this.types.declare(id(v.id), 'Value | undefined')))));
    return decls;
  }

  /** Returns a value from a lambda's code, giving back its count of active calls. */
  private leave(value: t.Expression, cx: FnCx): t.Statement[] {
    const r = this.temp(cx);
    return [
      t.expressionStatement(assign(r, value)),
      t.expressionStatement(t.assignmentExpression('-=', depth(), id('$k'))),
      t.returnStatement(id(r)),
    ];
  }

  /** Statements for an expression in tail position of a lambda body. */
  tail(e: Expr, cx: FnCx): t.Statement[] {
    switch (e.k) {
      case 'if': {
        const c = this.temp(cx);
        return [
          t.expressionStatement(assign(c, this.expr(e.cond, cx))),
          t.ifStatement(isError(id(c)), t.blockStatement(this.leave(id(c), cx))),
          t.ifStatement(
            truthy(id(c)),
            t.blockStatement(this.tail(e.then, cx)),
            t.blockStatement(e.else === null ? this.leave(t.nullLiteral(), cx) : this.tail(e.else, cx)),
          ),
        ];
      }
      case 'seq': {
        if (e.items.length === 0) return this.leave(t.nullLiteral(), cx);
        const out: t.Statement[] = [];
        for (const item of e.items.slice(0, -1)) {
          const r = this.temp(cx);
          out.push(t.expressionStatement(assign(r, this.expr(item, cx))), t.ifStatement(isError(id(r)), t.blockStatement(this.leave(id(r), cx))));
        }
        return [...out, ...this.tail(e.items[e.items.length - 1], cx)];
      }
      case 'guarded':
        return [t.ifStatement(this.guard(e.guard), t.blockStatement(this.tail(e.fast, cx)), t.blockStatement(this.tail(e.slow, cx)))];
      case 'call':
        return this.tailCall(e, cx);
      case 'select':
        return this.tailSelect(e.clauses, cx);
      default:
        return this.leave(this.expr(e, cx), cx);
    }
  }

  private tailSelect(clauses: Array<[Expr, Expr]>, cx: FnCx): t.Statement[] {
    const out: t.Statement[] = [];
    for (const [cond, result] of clauses) {
      const c = this.temp(cx);
      out.push(
        t.expressionStatement(assign(c, this.expr(cond, cx))),
        t.ifStatement(isError(id(c)), t.blockStatement(this.leave(id(c), cx))),
        t.ifStatement(
          t.logicalExpression(
            '&&',
            t.binaryExpression('!==', t.unaryExpression('typeof', id(c)), t.stringLiteral('number')),
            t.binaryExpression('!==', t.unaryExpression('typeof', id(c)), t.stringLiteral('bigint')),
          ),
          t.blockStatement(this.leave(rcall('notNumber', id(c)), cx)),
        ),
        t.ifStatement(t.binaryExpression('!==', id(c), t.numericLiteral(0)), t.blockStatement(this.tail(result, cx))),
      );
    }
    return [...out, ...this.leave(rcall('err', t.stringLiteral('No selection found')), cx)];
  }

  /** A call in tail position: a loop when it calls the function itself, else a trampolined call. */
  private tailCall(e: Expr & { k: 'call' }, cx: FnCx): t.Statement[] {
    const { head, headExpr, args } = this.callArgs(e, cx);
    const h = id(head);
    const out: t.Statement[] = [
      t.expressionStatement(assign(head, headExpr)),
      t.ifStatement(isError(h), t.blockStatement(this.leave(h, cx))),
    ];
    const argTemps = args.map(() => this.temp(cx));
    out.push(...args.map((a, i) => t.expressionStatement(assign(argTemps[i], a))));
    const fn = cx.fn!;
    if (fn.rest === null && args.length === fn.params.length && this.isSelf(e.fn, fn)) {
      // The callee is this very code (same closure): rebind the parameters and go round again,
      // in a fresh frame. The loop counts as another active call, as the recursion would.
      cx.selfLooped = true;
      // Each round declares the frame's variables afresh (see lambda), so closures made
      // in one round keep that round's bindings, as they keep their call's frame.
      const rebind = this.nextRound(fn, argTemps.map((n) => id(n)), t.updateExpression('++', id('$k')));
      const isSelf = t.logicalExpression(
        '&&',
        t.binaryExpression('instanceof', h, R('Lambda')),
        t.binaryExpression('===', t.memberExpression(h, id('code')), id(cx.codeName!)),
      );
      out.push(t.ifStatement(isSelf, t.blockStatement(rebind)));
    }
    const r = this.temp(cx);
    const call = this.at(rcall('tailCall', id('$k'), h, t.arrayExpression(argTemps.map((n) => id(n)))), e.loc);
    out.push(
      t.expressionStatement(assign(r, call)),
      t.ifStatement(
        t.binaryExpression('===', id(r), R('REFLECT')),
        t.blockStatement([
          t.expressionStatement(assign(r, rcall('reflectIn', this.frame(cx.scope)))),
        ]),
      ),
      t.ifStatement(t.binaryExpression('===', id(r), R('TAIL')), t.returnStatement(id(r))),
      ...this.leave(id(r), cx),
    );
    return out;
  }

  /**
   * A body whose self tail calls start new rounds (see nextRound): the parameters come in
   * as `x_next`, and every round binds its own `let x` (and the frame's variables, which
   * `inner` declares), so closures made in one round keep that round's bindings, as they
   * keep their call's frame.
   */
  rounds(params: readonly Var[], inner: t.Statement[]): t.Statement {
    const round = params.map((v) => t.variableDeclaration('let', [t.variableDeclarator(id(v.id), id(`${v.id}_next`))]));
    return t.forStatement(null, null, null, t.blockStatement([...round, ...inner]));
  }

  /**
   * A self tail call as the next round (see rounds), in a fresh frame: the arguments
   * become the parameters, and `count` and `calls.depth` count the round as another
   * active call, as the recursion would.
   */
  nextRound(fn: Fn, args: t.Expression[], count: t.Expression): t.Statement[] {
    return [
      ...fn.params.map((p, i) => t.expressionStatement(assign(`${p.id}_next`, args[i]))),
      t.expressionStatement(assign(`${fn.scope.envId}_bound`, t.numericLiteral(0))),
      t.expressionStatement(count),
      t.expressionStatement(t.updateExpression('++', depth())),
      t.continueStatement(),
    ];
  }

  /** Whether a call of callee in fn's body calls fn itself (its global or its local name). */
  isSelf(callee: Expr, fn: Fn): boolean {
    const self = fn.self;
    if (self === null) return false;
    if (self.kind === 'global') return callee.k === 'global' && callee.name === self.name;
    return callee.k === 'local' && callee.v === self.v;
  }

  // ---- the module ----

  /** The module's top-level definitions as JS functions calling into the library session (docs/interop.md). */
  private namedExports(): t.Statement[] {
    const planned = planExports(this.program.definitions);
    if (planned.length === 0) return [];
    const exported = (e: PlannedExport) =>
      // Making the function runs nothing, so bundlers may drop the exports nobody imports.
      t.addComment(t.callExpression(t.memberExpression(id('R'), id('exported')), [id('instantiate'), t.stringLiteral(e.definition.name.name)]), 'leading', '#__PURE__');
    const name = (n: string) => (isIdentifierName(n) ? id(n) : t.stringLiteral(n));
    return [
      t.variableDeclaration('const', planned.map((e) => t.variableDeclarator(this.types.exported(id(e.local), e.definition), exported(e)))),
      t.exportNamedDeclaration(null, planned.flatMap((e) => e.names.map((n) => t.exportSpecifier(id(e.local), name(n))))),
    ];
  }

  module(): t.File {
    const options = this.options;
    const thunks = this.program.forms.map((f) => {
      const cx = new FnCx(null, null, null);
      const value = this.expr(f, cx);
      const direct = t.arrowFunctionExpression([], t.blockStatement([...this.tempDeclarations(cx.temps), t.returnStatement(value)]));
      // A form that calls something may suspend the main fiber: it gets continuation-passing code too.
      if (options.target === 'ts' || callsNothing(f)) return direct;
      const cps = this.cps.thunk(f, new FnCx(null, null, null));
      if (cps === undefined) return direct;
      // A load reads code that may wait only once it runs: it goes the continuation-passing way at once.
      const loads = (f.k === 'guarded' ? f.fast : f).k === 'load';
      return loads ? rcall('top', direct, cps, t.booleanLiteral(true)) : rcall('top', direct, cps);
    });
    const cellDecls = [...this.cells].map(([s, name]) =>
      t.variableDeclarator(id(name), t.callExpression(t.memberExpression(id('G'), id('cell')), [this.sym(s)])),
    );
    const moduleBody: t.Statement[] = [
      ...this.fastBodies,
      ...this.frameMakers.values(),
      t.variableDeclaration('const', [t.variableDeclarator(id('C'), id('$calls')), ...cellDecls]),
      t.returnStatement(t.arrayExpression(thunks)),
    ];
    const instantiate = t.functionExpression(id('instantiate'), [id('G')], t.blockStatement(moduleBody));

    const aliases = [...usedRuntime, 'forms', 'sym', 'at', 'drop', 'calls'].filter((n, i, all) => all.indexOf(n) === i);
    const header: t.Statement[] = [
      t.variableDeclaration('const', [
        t.variableDeclarator(
          t.objectPattern(aliases.map((n) => t.objectProperty(id(n), id(`$${n}`)))),
          id('R'),
        ),
      ]),
      t.variableDeclaration('const', [
        t.variableDeclarator(id('$F'), t.callExpression(id('$forms'), [t.stringLiteral(this.program.path), t.stringLiteral(this.program.text)])),
      ]),
    ];
    // Frame name lists first: they may name symbols nothing else has used yet.
    const frameNameDecls = [...this.frameNames].map(([name, syms]) => t.variableDeclarator(this.types.declare(id(name), 'Sym[]'), t.arrayExpression(syms.map((s) => this.sym(s)))));
    const constants: t.VariableDeclarator[] = [];
    for (const [s, name] of this.symbols) constants.push(t.variableDeclarator(id(name), t.callExpression(id('$sym'), [t.stringLiteral(s.name)])));
    for (const { name, ref } of this.data.values()) {
      let value: t.Expression = t.callExpression(id('$at'), [t.memberExpression(id('$F'), t.numericLiteral(ref.form), true), ...ref.path.map((i) => t.numericLiteral(i))]);
      if (ref.drop) value = t.callExpression(id('$drop'), [value, t.numericLiteral(ref.drop)]);
      constants.push(t.variableDeclarator(id(name), value));
    }
    constants.push(...frameNameDecls);
    if (constants.length > 0) header.push(t.variableDeclaration('const', constants));

    if (options.format === 'esm') {
      return t.file(
        t.program([
          t.importDeclaration([t.importNamespaceSpecifier(id('R'))], t.stringLiteral(options.runtime)),
          ...[...this.imports].map(([spec, name]) => t.importDeclaration([t.importDefaultSpecifier(id(name))], t.stringLiteral(spec))),
          ...header,
          t.exportDefaultDeclaration(
            this.types.returns(t.functionDeclaration(id('instantiate'), [this.types.declare(id('G'), 'Frame')], t.blockStatement(moduleBody)), 'Array<() => Value>'),
          ),
          ...(options.standardPrelude === true
            ? [t.expressionStatement(t.callExpression(t.memberExpression(id('R'), id('markStandardPrelude')), [id('instantiate')]))]
            : []),
          // Runs this module as a program: script mode, then, once the main fiber has ended, exit with VALK_EXIT_CODE.
          t.exportNamedDeclaration(
            this.types.returns(
              t.functionDeclaration(id('main'), [], t.blockStatement([t.expressionStatement(t.callExpression(t.memberExpression(id('R'), id('runMain')), [id('instantiate')]))])),
              'void',
            ),
          ),
          ...this.namedExports(),
        ]),
      );
    }
    const factory = t.functionExpression(null, [id('R')], t.blockStatement([...header, t.returnStatement(instantiate)]));
    return t.file(
      t.program([t.expressionStatement(t.assignmentExpression('=', t.memberExpression(id('module'), id('exports')), factory))]),
    );
  }
}

export function emit(program: Program, options: EmitOptions): Emitted {
  usedRuntime.clear();
  const ast = new Emitter(program, options).module();
  const out = generate(
    ast,
    {
      sourceMaps: true,
      sourceFileName: program.path,
      jsescOption: { minimal: false, isScriptContext: true },
    },
    // Source maps carry the source as text; the compiler reads it as bytes.
    { [program.path]: Buffer.from(program.text, 'latin1').toString('utf8') },
  );
  return { code: out.code, map: { ...out.map, file: options.outFile } };
}
