// A second body for functions whose work is the standard operators on their
// parameters, calls of global functions and of builtins without effects, and
// the prelude's list walkers (fib, tak, ack, nqueens, deriv, a loop building a
// string with `str`): the fast body, in plain JavaScript on the same values.
//
// Such a body needs none of the checks the general code makes at every step,
// once a few things are checked on entry: every standard name holds its
// standard value (so the operators of every fast body it calls hold the
// standard builtins; a session without fast paths never counts its standards
// as held), and the global its recursion goes through holds this very code.
// Nothing it runs can change any of that: it calls only operators, other fast
// bodies and builtins without effects. No frame can be reified in
// it, nothing it runs can look at `stack-depth`, and it cannot suspend. What
// it cannot do the way the general code does — an operand of the wrong type,
// a value leaving the safe integers (64-bit wrapping), a division by a number
// <= 0, a global that is unbound or not a function with a fast body, calls
// nested too deep — it abandons, by throwing BAIL: the call that entered it
// then runs the general code from its start, which is sound because fast
// bodies have no effects. A function whose fast body has bailed once uses the
// general code from then on.

import * as t from '@babel/types';
import { EFFECT_FREE } from '../runtime/builtins/index.js';
import { PRIMS, PRIMS1 } from './analyze.js';
import { Sym } from '../runtime/values.js';
import { children, type DataRef, type Expr, type Fn, type FnScope, type PrimOp, type Var } from './ir.js';
import type { Suspends } from './suspends.js';

/** What a function's fast body rests on. */
export interface FastPlan {
  /** Whether it has a direct fast body: it makes no shift. */
  readonly direct: boolean;
  /**
   * Whether it has a continuation-passing fast body, `(...params, k, depth)`: it may
   * suspend (it shifts, or calls what may). A reset whose body is such work
   * runs it with a continuation that gives the reset's value.
   */
  readonly cps: boolean;
  /** What planned it, which knows which of its parts may suspend. */
  readonly check: FastChecker;
  /**
   * Whether the body is integer arithmetic alone: number literals, its parameters,
   * arithmetic and comparison, `if`, and calls of itself. Its parameters are then
   * checked to be numbers once, on entry, and never again.
   */
  readonly numeric: boolean;
}

const ARITHMETIC: Partial<Record<PrimOp, '+' | '-' | '*'>> = { add: '+', sub: '-', mul: '*' };
const ORDER: Partial<Record<PrimOp, '<' | '>' | '<=' | '>='>> = { lt: '<', gt: '>', le: '<=', ge: '>=' };


/**
 * The prelude's constants and their values: a fast body uses the value itself
 * once it has checked, on entry, that the global's standard value is that one
 * (it is when the bundled prelude defined it), since every standard name holds
 * its standard value while a fast body runs.
 */
const PRELUDE_CONSTANTS: ReadonlyMap<string, null | number> = new Map([
  ['nil', null],
  ['true', 1],
  ['false', 0],
]);

/**
 * The prelude's list walkers a fast body may call: the runtime's walk of a fast body
 * (runtime/fast.ts), and how many arguments the function walked with takes.
 */
const WALKERS: Readonly<Record<string, { readonly walk: string; readonly arity: number }>> = {
  map: { walk: 'fastMap', arity: 1 },
  filter: { walk: 'fastFilter', arity: 1 },
  foldl: { walk: 'fastFoldl', arity: 2 },
};

const constantOf = (e: Expr): null | number | undefined => (e.k === 'global' ? PRELUDE_CONSTANTS.get(e.name.name) : undefined);


/** The calls a fast body makes of builtins it writes out in place (see fastFunction's `call`). */
const IN_PLACE = new Set(['list', 'str', 'join', 'list?', 'aio/await']);

/**
 * Which parts of a body a fast body can do, and which of them may suspend: a
 * shift, or a call of a global the compiler takes for one that may (`suspends`),
 * which continuation-passing fast bodies call with a continuation.
 */
export class FastChecker {
  /** The scopes whose parameters the code may use: the function's, and those of lambdas it walks with. */
  readonly scopes = new Set<FnScope>();
  /** The continuations of the shifts met, which may only be called, with one argument. */
  private readonly conts = new Set<Var>();
  /** A local read for each parameter the code uses (a reset's body passes them in). */
  readonly locals = new Map<Var, Expr>();
  shifts = false;

  constructor(
    private readonly self: Sym | null,
    private readonly arity: number,
    private readonly suspends: Suspends,
  ) {}

  /** Whether e is a call the continuation-passing fast body makes with a continuation. */
  suspendingCall(e: Expr): boolean {
    if (e.k === 'single') return e.e.k === 'global' && this.suspends(e.e.name);
    return e.k === 'call' && e.fn.k === 'global' && !IN_PLACE.has(e.fn.name.name) && this.suspends(e.fn.name);
  }

  /** Whether e needs a continuation: it shifts, or calls what may suspend (not inside a walked lambda or a shift's body, which may not). */
  needsK(e: Expr): boolean {
    if (shiftOf(e) !== undefined || this.suspendingCall(e)) return true;
    if (e.k === 'native') return false;
    return children(e).some((c) => this.needsK(c));
  }

  ok(e: Expr): boolean {
    switch (e.k) {
      case 'lit':
        return typeof e.value !== 'object' || e.value === null || e.value instanceof Sym;
      case 'data':
      case 'global':
        return true;
      case 'local':
        if (!e.v.param || !this.scopes.has(e.v.scope)) return false;
        this.locals.set(e.v, e);
        return true;
      case 'single':
        return this.ok(e.e);
      case 'prim':
        if (e.head !== undefined || e.op === 'neg' || e.args.length !== (e.op === 'head' || e.op === 'tail' ? 1 : 2)) return false;
        return e.args.every((a) => this.ok(a));
      case 'if':
        return e.else !== null && this.ok(e.cond) && this.ok(e.then) && this.ok(e.else);
      case 'call':
        // A shift's continuation, called with the value to go on with.
        if (e.fn.k === 'local' && this.conts.has(e.fn.v)) return e.args.length === 1 && this.ok(e.args[0]);
        // Other globals' arity is checked where they are called; the function's own is known.
        return e.fn.k === 'global' && (e.fn.name !== this.self || e.args.length === this.arity) && e.args.every((a) => this.ok(a));
      case 'native': {
        // The prelude's map, filter or foldl: walked here with the fast body of the function
        // given, or with the lambda given as a JS function (it cannot escape from the walk).
        if (!(e.name.name in WALKERS) || e.args.some((a) => this.needsK(a))) return false;
        const lambda = walkedLambda(e.args[0]);
        if (lambda === undefined) return e.args.every((a) => this.ok(a));
        if (lambda.rest !== null || lambda.params.length !== WALKERS[e.name.name].arity || lambda.params.some((p) => p.rebound === true)) return false;
        this.scopes.add(lambda.scope);
        return this.ok(lambda.body) && e.args.slice(1).every((a) => this.ok(a));
      }
      case 'guarded': {
        // (async-shift {k} {body}) whose body goes on with k only by calling it, and cannot suspend.
        const shift = shiftOf(e);
        if (shift === undefined || shift.rest !== null || shift.params.length !== 1 || shift.params[0].rebound === true) return false;
        this.shifts = true;
        this.conts.add(shift.params[0]);
        return this.ok(shift.body) && !this.needsK(shift.body);
      }
      default:
        return false;
    }
  }
}

/** The body of a shift, which holds while every standard name holds its standard value. */
function shiftOf(e: Expr): Fn | undefined {
  return e.k === 'guarded' && e.fast.k === 'shift' && e.guard.length === 1 && e.guard[0].name === 'async-shift' ? e.fast.fn : undefined;
}

/**
 * The plan for fn's fast bodies, or null when its body does anything but the
 * standard operators on its parameters, literals and globals' values, `if`
 * with both branches, calls of globals with a fixed number of arguments, and
 * shifts whose continuation is only called.
 */
export function fastPlan(fn: Fn, suspends: Suspends): FastPlan | null {
  if (fn.rest !== null || fn.self?.kind !== 'global' || fn.params.some((p) => p.rebound === true)) return null;
  // A frame around the lambda could bind an operator's name; only the global frame is outside.
  for (let s = fn.scope.parent; s.kind !== 'top'; s = s.parent) if (s.kind === 'fn') return null;
  const self = fn.self.name;
  const check = new FastChecker(self, fn.params.length, suspends);
  check.scopes.add(fn.scope);
  if (!check.ok(fn.body)) return null;
  const numeric = (e: Expr): boolean => {
    switch (e.k) {
      case 'lit':
        return typeof e.value === 'number';
      case 'local':
        return true;
      case 'single':
        return numeric(e.e);
      case 'prim':
        return e.op !== 'head' && e.op !== 'tail' && e.op !== 'cons' && e.args.every(numeric);
      case 'if':
        return numeric(e.cond) && numeric(e.then) && numeric(e.else!);
      case 'call':
        return (e.fn as { name: Sym }).name === self && e.args.every(numeric);
      default:
        return false;
    }
  };
  return { numeric: !check.shifts && numeric(fn.body), direct: !check.shifts, cps: check.needsK(fn.body), check };
}

/** A reset's body that has a continuation-passing fast body: the parameters it uses, and reads of them where the reset is. */
export interface FastReset {
  readonly source: FastSource;
  readonly plan: FastPlan;
  readonly reads: readonly Expr[];
}

/**
 * The fast body of a reset whose body is work fast bodies do, and may suspend;
 * it may use its scope's own parameters, in a function whose only frame
 * outside is the global one.
 */
export function fastReset(body: Expr, scope: FnScope | null, suspends: Suspends): FastReset | undefined {
  if (scope !== null) for (let s = scope.parent; s.kind !== 'top'; s = s.parent) if (s.kind === 'fn') return undefined;
  const check = new FastChecker(null, 0, suspends);
  if (scope !== null) check.scopes.add(scope);
  if (!check.ok(body) || !check.needsK(body) || [...check.locals.keys()].some((v) => v.rebound === true)) return undefined;
  return {
    source: { params: [...check.locals.keys()], body, self: null },
    plan: { numeric: false, direct: false, cps: true, check },
    reads: [...check.locals.values()],
  };
}

/**
 * The lambda a walker's function argument makes, if it is one: `\` is a builtin,
 * which holds its standard value while a fast body runs.
 */
function walkedLambda(e: Expr): Fn | undefined {
  if (e.k === 'lambda') return e.fn;
  if (e.k === 'guarded' && e.fast.k === 'lambda' && e.guard.length === 1 && e.guard[0].name === '\\') return e.fast.fn;
  return undefined;
}

/** What the fast body's code refers to outside itself. */
export interface FastNames {
  /** The runtime export x (`isSafeInteger`, `bail`, `Cons`, ...). */
  runtime(x: string): t.Expression;
  /** A global's cell. */
  cell(name: Sym): t.Expression;
  /** A literal list of the program's data. */
  data(ref: DataRef): t.Expression;
  /** A symbol or other literal value. */
  literal(value: unknown): t.Expression;
}

/** What a fast body is made of: a function's parameters and body, or a reset's body and the parameters it uses. */
export interface FastSource {
  readonly params: readonly Var[];
  readonly body: Expr;
  /** The global the function's recursion goes through; null for a reset's body. */
  readonly self: Sym | null;
}

/** fn as the source of its fast bodies. */
export const fastSource = (fn: Fn): FastSource => ({ params: fn.params, body: fn.body, self: (fn.self as { name: Sym }).name });

/**
 * The fast body as a JS function `name(...params, depth)`; with `cps`, the
 * continuation-passing fast body `name(...params, k, depth)` instead, whose
 * answer is the enclosing reset's (its own self calls give no numbers). A self call in tail
 * position is a new round of a loop, as in the general code; depth counts
 * nested calls of other fast bodies.
 */
export function fastFunction(fn: FastSource, plan: FastPlan, name: string, names: FastNames, cps = false): t.FunctionDeclaration {
  const check = cps ? plan.check : undefined;
  if (cps) plan = { ...plan, numeric: false };
  const self = fn.self;
  // The temporaries of the JS function being made: the fast body's, or a walked lambda's.
  let temps: string[] = [];
  let nextTemp = 0;
  /** The prelude constants the body uses as values, and the prelude functions it builds in. */
  const constants = new Set<Sym>();
  const standards = new Set<Sym>();
  /**
   * What the code emitted so far has checked about JS variables on every path
   * to the point being emitted (a failed check bails): later code relies on it
   * instead of checking again. Emission follows evaluation order; code that
   * runs only sometimes (a branch, a walked function) starts from a copy.
   */
  let known = new Map<string, 'number' | 'cons' | 'list'>();
  const sometimes = <T>(emit: () => T): T => {
    const outer = known;
    known = new Map(outer);
    try {
      return emit();
    } finally {
      known = outer;
    }
  };
  const is = (x: t.Expression, kind: 'number' | 'cons' | 'list') => t.isIdentifier(x) && (known.get(x.name) === kind || (kind === 'list' && known.get(x.name) === 'cons'));
  const learn = (x: t.Expression, kind: 'number' | 'cons' | 'list') => {
    if (t.isIdentifier(x) && !is(x, kind)) known.set(x.name, kind);
  };
  const fresh = () => `r${nextTemp++}`;
  const temp = () => {
    const n = fresh();
    temps.push(n);
    return t.identifier(n);
  };
  const declareTemps = (names: string[]): t.Statement[] => (names.length === 0 ? [] : [t.variableDeclaration('let', names.map((n) => t.variableDeclarator(t.identifier(n))))]);
  const depth = t.identifier('depth');
  const R = names.runtime;
  const bail = () => t.callExpression(R('bail'), []);
  const isNumber = (x: t.Expression) => t.binaryExpression('===', t.unaryExpression('typeof', x), t.stringLiteral('number'));
  const all = (xs: t.Expression[]) => xs.reduce((a, b) => t.logicalExpression('&&', a, b));
  // Whether e's value is a JS number whatever the operands: arithmetic, comparison, equality give one,
  // and in a numeric body so do the parameters and its own calls.
  const givesNumber = (e: Expr): boolean =>
    (e.k === 'lit' && typeof e.value === 'number') ||
    typeof constantOf(e) === 'number' ||
    (e.k === 'prim' && e.op !== 'head' && e.op !== 'tail' && e.op !== 'cons') ||
    (plan.numeric && (e.k === 'local' || e.k === 'call' || (e.k === 'single' && givesNumber(e.e))));
  /** Operands as expressions, each in a temporary unless it is a literal or a parameter. */
  const operands = (args: Expr[]): { setup: t.Expression[]; values: t.Expression[] } => {
    const setup: t.Expression[] = [];
    const values = args.map((a) => {
      const v = value(a);
      if (t.isLiteral(v) || t.isUnaryExpression(v) || t.isIdentifier(v)) return v;
      const r = temp();
      setup.push(t.assignmentExpression('=', r, v));
      return r;
    });
    return { setup, values };
  };
  const withSetup = (setup: t.Expression[], e: t.Expression) => (setup.length === 0 ? e : t.sequenceExpression([...setup, e]));
  const truthy = (x: t.Expression) => t.logicalExpression('&&', t.binaryExpression('!==', x, t.numericLiteral(0)), t.binaryExpression('!==', x, t.nullLiteral()));
  /** Checks that the operands are numbers, but for those known to be; all are known from then on. */
  const numberChecks = (args: Expr[], values: t.Expression[]): t.Expression[] => {
    const checks = values.flatMap((v, i) => (givesNumber(args[i]) || is(v, 'number') ? [] : [isNumber(v)]));
    values.forEach((v) => learn(v, 'number'));
    return checks;
  };
  /** e as a JS boolean, when it is a comparison or `list?` of one value (whose Valkyria values are 1 and 0). */
  const condition = (e: Expr): t.Expression | undefined => {
    if (e.k === 'call' && (e.fn as { name?: Sym }).name?.name === 'list?' && e.args.length === 1 && (e.fn as { name: Sym }).name !== self) {
      // Every standard name holds its standard value (checked on entry): this is the builtin.
      const v = value(e.args[0]);
      if (is(v, 'list')) return t.booleanLiteral(true);
      const x = temp();
      return t.logicalExpression('||', t.binaryExpression('===', t.assignmentExpression('=', x, v), t.nullLiteral()), t.binaryExpression('instanceof', x, R('Cons')));
    }
    if (e.k !== 'prim' || !(e.op in ORDER || e.op === 'eq' || e.op === 'ne')) return undefined;
    const { setup, values } = operands(e.args);
    const [a, b] = values;
    if (e.op === 'eq' || e.op === 'ne') {
      // The same JS value is equal to itself. A number, Nil, a string or a symbol (symbols are
      // interned) on either side settles it; else two objects are compared by the builtin's equality.
      const atom = (x: Expr) => x.k === 'lit' && (x.value === null || typeof x.value === 'string' || x.value instanceof Sym);
      const settled = e.args.some((x, i) => givesNumber(x) || is(values[i], 'number') || atom(x) || constantOf(x) === null);
      const object = (x: t.Expression) => t.logicalExpression('&&', t.binaryExpression('===', t.unaryExpression('typeof', x), t.stringLiteral('object')), t.binaryExpression('!==', x, t.nullLiteral()));
      if (settled) return withSetup(setup, t.binaryExpression(e.op === 'eq' ? '===' : '!==', a, b));
      const equal = t.logicalExpression('||', t.binaryExpression('===', a, b), all([object(a), object(b), t.callExpression(R('valuesEqual'), [a, b])]));
      return withSetup(setup, e.op === 'eq' ? equal : t.unaryExpression('!', equal));
    }
    const checks = numberChecks(e.args, values);
    const compare = t.binaryExpression(ORDER[e.op]!, a, b);
    return withSetup(setup, checks.length === 0 ? compare : t.conditionalExpression(all(checks), compare, bail()));
  };
  const test = (e: Expr): t.Expression => {
    const c = condition(e);
    if (c !== undefined) return c;
    const v = value(e);
    if (givesNumber(e)) return t.binaryExpression('!==', v, t.numericLiteral(0));
    const r = temp();
    return t.sequenceExpression([t.assignmentExpression('=', r, v), truthy(r)]);
  };
  const call = (e: Expr & { k: 'call' }): t.Expression => {
    // A shift's continuation (see shift): the reset's answer for that value.
    if (e.fn.k === 'local') return t.callExpression(t.identifier(e.fn.v.id), [value(e.args[0])]);
    const g = (e.fn as { name: Sym }).name;
    if (g === self) return t.callExpression(t.identifier(name), [...e.args.map(value), depth]);
    // Every standard name holds its standard value (checked on entry): g is that builtin.
    // `list`, `str`, `join` of two lists and `list?` of one value (see condition) are made as the builtins make them.
    if (g.name === 'list') return e.args.reduceRight<t.Expression>((rest, a) => t.newExpression(R('Cons'), [value(a), rest, t.booleanLiteral(true)]), t.nullLiteral());
    if (g.name === 'str') {
      // Of strings and numbers (whose display is JS's), JS concatenation; anything else is the builtin's.
      const { setup, values } = operands(e.args);
      const checks = values.flatMap((v, i) =>
        t.isStringLiteral(v) || givesNumber(e.args[i]) || is(v, 'number') ? [] : [t.logicalExpression('||', t.binaryExpression('===', t.unaryExpression('typeof', v), t.stringLiteral('string')), isNumber(v))],
      );
      const joined = values.reduce<t.Expression>((a, b) => t.binaryExpression('+', a, b), t.stringLiteral(''));
      return withSetup(setup, checks.length === 0 ? joined : t.conditionalExpression(all(checks), joined, bail()));
    }
    if (g.name === 'join' && e.args.length === 2) return t.callExpression(R('join2'), e.args.map(value));
    if (g.name === 'aio/await' && e.args.length === 1) return t.callExpression(R('awaited'), [value(e.args[0])]);
    if (EFFECT_FREE.has(g.name)) {
      const r = temp();
      const made = t.callExpression(R('callPlain'), [t.memberExpression(names.cell(g), t.identifier('v')), t.arrayExpression(e.args.map(value))]);
      return t.conditionalExpression(t.binaryExpression('instanceof', t.assignmentExpression('=', r, made), R('VError')), bail(), r);
    }
    const args = [...e.args.map(value), t.binaryExpression('+', depth, t.numericLiteral(1))];
    // Another global: its value's fast body (R.fastIn), when it has one taking these arguments
    // and the global that body's own calls stand for still holds it.
    const callee = t.callExpression(R('fastIn'), [names.cell(g), t.numericLiteral(e.args.length), depth]);
    return t.callExpression(callee, args);
  };
  const value = (e: Expr): t.Expression => {
    const c = condition(e);
    if (c !== undefined) return t.conditionalExpression(c, t.numericLiteral(1), t.numericLiteral(0));
    switch (e.k) {
      case 'lit':
        return names.literal(e.value);
      case 'data':
        return names.data(e.ref);
      case 'local':
        return t.identifier(e.v.id);
      case 'js':
        return t.identifier(e.name);
      case 'global': {
        const constant = constantOf(e);
        if (constant !== undefined) {
          constants.add(e.name);
          return constant === null ? t.nullLiteral() : t.numericLiteral(constant);
        }
        const r = temp();
        return t.conditionalExpression(t.binaryExpression('!==', t.assignmentExpression('=', r, t.memberExpression(names.cell(e.name), t.identifier('v'))), t.identifier('undefined')), r, bail());
      }
      case 'single': {
        // `{x}` calls x when it holds a function: that is left to the general code.
        const v = value(e.e);
        if (givesNumber(e.e) || t.isLiteral(v) || is(v, 'list') || is(v, 'number')) return v;
        const r = temp();
        const isFunction = t.logicalExpression('||', t.binaryExpression('instanceof', r, R('Lambda')), t.binaryExpression('instanceof', r, R('Builtin')));
        return t.sequenceExpression([t.assignmentExpression('=', r, v), t.conditionalExpression(isFunction, bail(), r)]);
      }
      case 'if':
        return t.conditionalExpression(test(e.cond), sometimes(() => value(e.then)), sometimes(() => value(e.else!)));
      case 'call':
        return call(e);
      case 'native': {
        standards.add(e.name);
        const [f, ...rest] = e.args;
        const lambda = walkedLambda(f);
        if (lambda !== undefined) return loop(e.name.name, lambda, rest);
        const { walk, arity } = WALKERS[e.name.name];
        const walked =
          operator(f, arity) ??
          (f.k === 'global' ? t.callExpression(R('fastIn'), [names.cell(f.name), t.numericLiteral(arity), depth]) : t.callExpression(R('fastOf'), [value(f), t.numericLiteral(arity), depth]));
        return t.callExpression(R(walk), [walked, ...rest.map(value), depth]);
      }
      case 'prim':
        return prim(e);
      default:
        throw new Error(`internal: ${e.k} in a fast body`);
    }
  };
  const prim = (e: Expr & { k: 'prim' }): t.Expression => {
    const { setup, values } = operands(e.args);
    const [a, b] = values;
    const guarded = (checks: t.Expression[], result: t.Expression) => withSetup(setup, checks.length === 0 ? result : t.conditionalExpression(all(checks), result, bail()));
    switch (e.op) {
      case 'head':
      case 'tail': {
        const checks = is(a, 'cons') ? [] : [t.binaryExpression('instanceof', a, R('Cons'))];
        learn(a, 'cons');
        return guarded(checks, t.memberExpression(a, t.identifier(e.op)));
      }
      case 'cons': {
        // As the general code's inline `cons` makes it.
        const checks = is(b, 'list') ? [] : [t.logicalExpression('||', t.binaryExpression('===', b, t.nullLiteral()), t.binaryExpression('instanceof', b, R('Cons')))];
        learn(b, 'list');
        return guarded(checks, t.newExpression(R('Cons'), [a, b, t.booleanLiteral(false)]));
      }
      case 'div': {
        // Truncating division, exact for safe integers and a positive divisor (as the inline operator).
        const quotient = t.binaryExpression('+', t.binaryExpression('/', t.binaryExpression('-', a, t.binaryExpression('%', a, b)), b), t.numericLiteral(0));
        return guarded([...numberChecks(e.args, values), t.binaryExpression('>', b, t.numericLiteral(0))], quotient);
      }
      default: {
        const r = temp();
        // `+ 0` turns a product's -0 into 0: Valkyria integers have no -0.
        const result = e.op === 'mul' ? t.binaryExpression('+', r, t.numericLiteral(0)) : r;
        const safe = t.callExpression(R('isSafeInteger'), [t.assignmentExpression('=', r, t.binaryExpression(ARITHMETIC[e.op]!, a, b))]);
        return guarded([...numberChecks(e.args, values), safe], result);
      }
    }
  };
  /** A JS function of params whose statements `build` makes, with temporaries of its own; it may run any number of times. */
  const arrow = (params: string[], build: () => t.Statement[]): t.ArrowFunctionExpression => {
    const outer = temps;
    temps = [];
    try {
      const statements = sometimes(build);
      return t.arrowFunctionExpression(params.map((p) => t.identifier(p)), t.blockStatement([...declareTemps(temps), ...statements]));
    } finally {
      temps = outer;
    }
  };
  /**
   * A walk with a lambda written at the call site, as the runtime's walk does it (runtime/fast.ts)
   * with the lambda's body in the loop: a JS function called at once, as the loop needs statements.
   */
  const loop = (walker: string, lambda: Fn, rest: Expr[]): t.Expression => {
    const args = rest.map(value);
    const cell = t.identifier(fresh());
    const element = t.identifier(lambda.params.at(-1)!.id);
    const acc = walker === 'foldl' ? t.identifier(lambda.params[0].id) : undefined;
    const out = t.identifier(fresh());
    const walk = arrow([...(acc === undefined ? [] : [acc.name]), cell.name, depth.name], () => {
      const step = sometimes((): t.Statement[] => {
        const each = [
          t.ifStatement(t.unaryExpression('!', t.binaryExpression('instanceof', cell, R('Cons'))), t.expressionStatement(bail())),
          t.variableDeclaration('const', [t.variableDeclarator(element, t.memberExpression(cell, t.identifier('head')))]),
        ];
        const add = (v: t.Expression) => t.expressionStatement(t.callExpression(t.memberExpression(out, t.identifier('add')), [v]));
        if (acc !== undefined) return [...each, t.expressionStatement(t.assignmentExpression('=', acc, value(lambda.body)))];
        if (walker === 'map') return [...each, add(value(lambda.body))];
        return [...each, t.ifStatement(test(lambda.body), add(element))];
      });
      const next = t.assignmentExpression('=', cell, t.memberExpression(cell, t.identifier('tail')));
      const walked = t.forStatement(null, t.binaryExpression('!==', cell, t.nullLiteral()), next, t.blockStatement(step));
      if (acc === undefined) {
        const made = t.variableDeclaration('const', [t.variableDeclarator(out, t.newExpression(R('ListBuilder'), []))]);
        return [made, walked, t.returnStatement(t.memberExpression(out, t.identifier('first')))];
      }
      // The last level's `{z}` calls a function value (spec §4.3).
      const isFunction = t.logicalExpression('||', t.binaryExpression('instanceof', acc, R('Lambda')), t.binaryExpression('instanceof', acc, R('Builtin')));
      return [walked, t.returnStatement(t.conditionalExpression(isFunction, bail(), acc))];
    });
    return t.callExpression(walk, [...args, t.binaryExpression('+', depth, t.numericLiteral(1))]);
  };
  /** A standard operator given to a walk (`foldl + 0 l`), as the JS function of its inline code. */
  const operator = (f: Expr, arity: number): t.ArrowFunctionExpression | undefined => {
    const op = f.k === 'global' ? (arity === 1 ? PRIMS1 : PRIMS).get(f.name.name) : undefined;
    if (op === undefined || op === 'neg') return undefined;
    const params = Array.from({ length: arity }, fresh);
    const js = params.map((name): Expr => ({ k: 'js', name }));
    return arrow([...params, depth.name], () => [t.returnStatement(value({ k: 'prim', op, name: (f as { name: Sym }).name, args: js }))]);
  };
  let looped = false;
  const tail = (e: Expr): t.Statement[] => {
    if (e.k === 'if') {
      const cond = test(e.cond);
      return [t.ifStatement(cond, t.blockStatement(sometimes(() => tail(e.then))), t.blockStatement(sometimes(() => tail(e.else!))))];
    }
    if (e.k === 'call' && (e.fn as { name: Sym }).name === self && e.args.length === fn.params.length) {
      looped = true;
      // Every argument is computed before any parameter changes.
      const next = e.args.map(() => temp());
      return [
        ...e.args.map((a, i) => t.expressionStatement(t.assignmentExpression('=', next[i], value(a)))),
        ...fn.params.map((p, i) => t.expressionStatement(t.assignmentExpression('=', t.identifier(p.id), next[i]))),
        t.continueStatement(),
      ];
    }
    return [t.returnStatement(value(e))];
  };
  // ---- the continuation-passing fast body ----
  // The value of an expression goes to the function's continuation (k$, in tail position)
  // or to more code. Every path ends in a return: a call that may suspend is the last thing
  // done, and closures over the values computed so far (consts) are made only there, so a
  // continuation called twice sees the values it was made with, and a loop's next round never
  // runs after one was made.
  type Then = { readonly tail: true } | { readonly tail: false; readonly then: (v: t.Identifier) => t.Statement[] };
  const TAIL: Then = { tail: true };
  const k = t.identifier('k$');
  const needsK = (e: Expr) => check!.needsK(e);
  /** Continuation closures around the code being emitted: a self call in one is a call, not a new round. */
  let closures = 0;
  const named = (v: t.Expression, then: (v: t.Identifier) => t.Statement[]): t.Statement[] => {
    if (t.isIdentifier(v)) return then(v);
    const x = t.identifier(fresh());
    return [t.variableDeclaration('const', [t.variableDeclarator(x, v)]), ...then(x)];
  };
  const deliver = (c: Then, v: t.Expression): t.Statement[] => (c.tail ? [t.returnStatement(t.callExpression(k, [v]))] : named(v, c.then));
  /** The continuation as a JS function: k$ itself, or a closure over the rest. */
  const contFn = (c: Then): t.Expression => {
    if (c.tail) return k;
    const v = fresh();
    closures++;
    try {
      return arrow([v], () => c.then(t.identifier(v)));
    } finally {
      closures--;
    }
  };
  const js = (x: t.Identifier): Expr => ({ k: 'js', name: x.name });
  const kvalues = (es: Expr[], then: (vs: t.Identifier[]) => t.Statement[], done: t.Identifier[] = []): t.Statement[] =>
    done.length === es.length ? then(done) : kexpr(es[done.length], { tail: false, then: (v) => kvalues(es, then, [...done, v]) });
  const kexpr = (e: Expr, c: Then): t.Statement[] => {
    if (!needsK(e)) return deliver(c, value(e));
    const shift = shiftOf(e);
    if (shift !== undefined) {
      // The continuation up to the reset, under the shift's name for it; the body's value is the answer.
      const cont = t.variableDeclaration('const', [t.variableDeclarator(t.identifier(shift.params[0].id), contFn(c))]);
      return [cont, t.returnStatement(value(shift.body))];
    }
    // `{g}` of a global that may suspend: a call of it, when it holds a function (fastKIn checks).
    if (e.k === 'single' && check!.suspendingCall(e)) return kexpr({ k: 'call', fn: e.e, args: [] }, c);
    switch (e.k) {
      case 'call': {
        const g = (e.fn as { name: Sym }).name;
        const own = g === self && e.args.length === fn.params.length;
        if (own && c.tail && closures === 0 && !e.args.some(needsK)) return tail(e);
        return kvalues(e.args, (vs) => {
          const callee = own ? t.identifier(name) : t.callExpression(R('fastKIn'), [names.cell(g), t.numericLiteral(e.args.length), depth]);
          return [t.returnStatement(t.callExpression(callee, [...vs, contFn(c), t.binaryExpression('+', depth, t.numericLiteral(1))]))];
        });
      }
      case 'prim':
        return kvalues(e.args, (vs) => deliver(c, value({ ...e, args: vs.map(js) })));
      case 'single':
        return kexpr(e.e, { tail: false, then: (v) => deliver(c, value({ k: 'single', e: js(v) })) });
      case 'if': {
        // Only the condition may suspend: the choice is a value.
        if (!c.tail && !needsK(e.then) && !needsK(e.else!)) return kexpr(e.cond, { tail: false, then: (v) => deliver(c, value({ ...e, cond: js(v) })) });
        // Both branches go on with the same code: a closure of it, unless that is k$.
        let joined = c;
        const setup: t.Statement[] = [];
        if (!c.tail) {
          const j = t.identifier(fresh());
          setup.push(t.variableDeclaration('const', [t.variableDeclarator(j, contFn(c))]));
          joined = { tail: false, then: (v) => [t.returnStatement(t.callExpression(j, [v]))] };
        }
        const branches = (cond: t.Expression) => [
          ...setup,
          t.ifStatement(cond, t.blockStatement(sometimes(() => kexpr(e.then, joined))), t.blockStatement(sometimes(() => kexpr(e.else!, joined)))),
        ];
        if (!needsK(e.cond)) return branches(test(e.cond));
        return kexpr(e.cond, { tail: false, then: (v) => branches(test(js(v))) });
      }
      default:
        throw new Error(`internal: ${e.k} in a continuation-passing fast body`);
    }
  };
  /** In tail position: a branch, a self call with nothing to wait for (a new round), or a value for k$. */
  const ktail = (e: Expr): t.Statement[] => {
    if (e.k === 'if' && !needsK(e.cond)) {
      const cond = test(e.cond);
      return [t.ifStatement(cond, t.blockStatement(sometimes(() => ktail(e.then))), t.blockStatement(sometimes(() => ktail(e.else!))))];
    }
    return kexpr(e, TAIL);
  };

  const body = check === undefined ? tail(fn.body) : ktail(fn.body);
  const statements = declareTemps(temps);
  // Its continuations nest as JS calls, so a run of steps that never returns (a loop that
  // shifts at every round) gives up at the depth other fast bodies give up at, not at the
  // end of the JS stack.
  if (check !== undefined) statements.push(t.ifStatement(t.binaryExpression('>=', depth, R('FAST_DEPTH')), t.expressionStatement(bail())));
  // Other fast bodies call this one with whatever they have.
  if (plan.numeric && fn.params.length > 0) {
    const notNumbers = fn.params.map((p) => t.unaryExpression('!', isNumber(t.identifier(p.id))) as t.Expression).reduce((a, b) => t.logicalExpression('||', a, b));
    statements.push(t.ifStatement(notNumbers, t.expressionStatement(bail())));
  }
  // Every standard name holds its standard value, but the prelude's have one only once the
  // bundled prelude has defined them.
  const std = (s: Sym) => t.memberExpression(names.cell(s), t.identifier('std'));
  const notStandard: t.Expression[] = [
    ...[...constants].map((c) => {
      const value = PRELUDE_CONSTANTS.get(c.name)!;
      return t.binaryExpression('!==', std(c), value === null ? t.nullLiteral() : t.numericLiteral(value));
    }),
    ...[...standards].map((s) => t.binaryExpression('!==', t.memberExpression(names.cell(s), t.identifier('v')), std(s))),
  ];
  if (notStandard.length > 0) statements.push(t.ifStatement(notStandard.reduce((a, b) => t.logicalExpression('||', a, b)), t.expressionStatement(bail())));
  statements.push(...(looped ? [t.forStatement(null, null, null, t.blockStatement(body))] : body));
  const params = [...fn.params.map((p) => t.identifier(p.id)), ...(check === undefined ? [] : [k]), depth];
  return t.functionDeclaration(t.identifier(name), params, t.blockStatement(statements));
}
