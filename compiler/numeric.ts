// A second body, on plain JavaScript numbers, for functions that only do
// integer arithmetic on their parameters and call themselves (fib, tak, ack).
//
// Such a body needs none of the checks the general code makes at every step:
// its parameters are numbers (checked once, on entry), its operators are the
// standard builtins (checked once: nothing it runs can rebind them), and its
// recursion goes straight to itself (checked once: the global it goes
// through holds this very code, and nothing it runs can rebind that either).
// No frame can be reified in it, nothing it runs can look at `stack-depth`,
// and it cannot suspend. What it cannot do the way the general code does —
// a value leaving the safe integers (64-bit wrapping), a division the inline
// operator does not do (by zero, by a negative number) — it abandons, by
// throwing BAIL: the call then runs the general code from its start, which
// is sound because the numeric body has no effects. A function whose numeric
// body has bailed once uses the general code from then on.

import * as t from '@babel/types';
import type { Sym } from '../runtime/values.js';
import type { Expr, Fn, PrimOp, Var } from './ir.js';

/** What a function's numeric body rests on: the operators it uses, whose globals must hold the standard builtins. */
export interface NumericPlan {
  readonly operators: ReadonlySet<Sym>;
}

const ARITHMETIC: Partial<Record<PrimOp, '+' | '-' | '*'>> = { add: '+', sub: '-', mul: '*' };
const COMPARISON: Partial<Record<PrimOp, '<' | '>' | '<=' | '>=' | '===' | '!=='>> = { lt: '<', gt: '>', le: '<=', ge: '>=', eq: '===', ne: '!==' };

/**
 * The plan for fn's numeric body, or null when its body does anything but
 * arithmetic and comparison of its parameters and literals, `if` with both
 * branches, and calls of itself (through the global it is bound to) with all
 * its arguments.
 */
export function numericPlan(fn: Fn): NumericPlan | null {
  if (fn.rest !== null || fn.self?.kind !== 'global' || fn.params.some((p) => p.rebound === true)) return null;
  // A frame around the lambda could bind an operator's name; only the global frame is outside.
  for (let s = fn.scope.parent; s.kind !== 'top'; s = s.parent) if (s.kind === 'fn') return null;
  const self = fn.self.name;
  const operators = new Set<Sym>();
  const numeric = (e: Expr): boolean => {
    switch (e.k) {
      case 'lit':
        return typeof e.value === 'number';
      case 'local':
        return isParam(e.v, fn);
      case 'single':
        // `{x}` or `{1}`: a number is its own value.
        return (e.e.k === 'local' || e.e.k === 'lit') && numeric(e.e);
      case 'prim':
        if (e.head !== undefined || !(e.op in ARITHMETIC || e.op in COMPARISON || e.op === 'div') || e.args.length !== 2) return false;
        operators.add(e.name);
        return e.args.every(numeric);
      case 'if':
        return e.else !== null && numeric(e.cond) && numeric(e.then) && numeric(e.else);
      case 'call':
        return e.fn.k === 'global' && e.fn.name === self && e.args.length === fn.params.length && e.args.every(numeric);
      default:
        return false;
    }
  };
  return numeric(fn.body) ? { operators } : null;
}

function isParam(v: Var, fn: Fn): boolean {
  return v.param && v.scope === fn.scope;
}

/**
 * The numeric body as a JS function `name(...params)`; `runtime(x)` names the
 * runtime export x (`isSafeInteger`, `bail`). A self call in tail position is
 * a new round of a loop, as in the general code.
 */
export function numericFunction(fn: Fn, name: string, runtime: (x: string) => t.Expression): t.FunctionDeclaration {
  const temps: string[] = [];
  const temp = () => {
    const n = `r${temps.length}`;
    temps.push(n);
    return t.identifier(n);
  };
  const param = (v: Var) => t.identifier(v.id);
  const bail = () => t.callExpression(runtime('bail'), []);
  const isTrue = (e: Expr): t.Expression => {
    if (e.k === 'prim' && e.op in COMPARISON) return t.binaryExpression(COMPARISON[e.op]!, value(e.args[0]), value(e.args[1]));
    return t.binaryExpression('!==', value(e), t.numericLiteral(0));
  };
  const value = (e: Expr): t.Expression => {
    switch (e.k) {
      case 'lit': {
        const n = e.value as number;
        return n < 0 ? t.unaryExpression('-', t.numericLiteral(-n)) : t.numericLiteral(n);
      }
      case 'local':
        return param(e.v);
      case 'single':
        return value(e.e);
      case 'if':
        return t.conditionalExpression(isTrue(e.cond), value(e.then), value(e.else!));
      case 'call':
        return t.callExpression(t.identifier(name), e.args.map(value));
      case 'prim': {
        const [a, b] = e.args.map(value);
        if (e.op in COMPARISON) return t.conditionalExpression(t.binaryExpression(COMPARISON[e.op]!, a, b), t.numericLiteral(1), t.numericLiteral(0));
        const r = temp();
        if (e.op === 'div') {
          // Truncating division, exact for safe integers and a positive divisor (as the inline operator).
          const d = temp();
          const quotient = t.binaryExpression('+', t.binaryExpression('/', t.binaryExpression('-', r, t.binaryExpression('%', r, d)), d), t.numericLiteral(0));
          return t.sequenceExpression([t.assignmentExpression('=', r, a), t.assignmentExpression('=', d, b), t.conditionalExpression(t.binaryExpression('>', d, t.numericLiteral(0)), quotient, bail())]);
        }
        // `+ 0` turns a product's -0 into 0: Valkyria integers have no -0.
        const exact = t.binaryExpression(ARITHMETIC[e.op]!, a, b);
        const result = e.op === 'mul' ? t.binaryExpression('+', r, t.numericLiteral(0)) : r;
        return t.conditionalExpression(t.callExpression(runtime('isSafeInteger'), [t.assignmentExpression('=', r, exact)]), result, bail());
      }
      default:
        throw new Error(`internal: ${e.k} in a numeric body`);
    }
  };
  let looped = false;
  const tail = (e: Expr): t.Statement[] => {
    if (e.k === 'if') return [t.ifStatement(isTrue(e.cond), t.blockStatement(tail(e.then)), t.blockStatement(tail(e.else!)))];
    if (e.k === 'call') {
      looped = true;
      // Every argument is computed before any parameter changes.
      const next = e.args.map(() => temp());
      return [
        ...e.args.map((a, i) => t.expressionStatement(t.assignmentExpression('=', next[i], value(a)))),
        ...fn.params.map((p, i) => t.expressionStatement(t.assignmentExpression('=', param(p), next[i]))),
        t.continueStatement(),
      ];
    }
    return [t.returnStatement(value(e))];
  };
  const body = tail(fn.body);
  const statements: t.Statement[] = temps.length === 0 ? [] : [t.variableDeclaration('let', temps.map((n) => t.variableDeclarator(t.identifier(n))))];
  statements.push(...(looped ? [t.forStatement(null, null, null, t.blockStatement(body))] : body));
  return t.functionDeclaration(t.identifier(name), fn.params.map(param), t.blockStatement(statements));
}
