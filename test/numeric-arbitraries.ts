// Random programs for the numeric bodies of compiled functions
// (compiler/numeric.ts): self-recursive functions that only do integer
// arithmetic, called with arguments near the edges where the numeric body
// gives up (the safe integers, 64-bit wrapping, division by zero and by
// negative numbers), sometimes after an operator has been rebound. Every
// function recurses on a counter that goes down by one, so each ends.

import fc from 'fast-check';

/** Literals around the edges the numeric body must hand back to the general code. */
const literalArb = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.constantFrom('1000', '-1000', '9007199254740991', '-9007199254740991', '9007199254740992', '4611686018427387904', '9223372036854775807', '-9223372036854775808'),
);

/** A Q-expression body of one expression: `{+ a b}` for `(+ a b)`, `{a}` for `a`. */
const body = (e: string) => (e.startsWith('(') ? `{${e.slice(1, -1)}}` : `{${e}}`);

const OPERATORS = ['+', '-', '*', '/', '<', '>', '<=', '>=', '==', '!='] as const;

/** An expression over the parameters a and b (and the counter n). */
function exprArb(depth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(fc.constantFrom('a', 'b', 'n'), literalArb);
  if (depth === 0) return leaf;
  const sub = exprArb(depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...OPERATORS), sub, sub).map(([op, x, y]) => `(${op} ${x} ${y})`) },
    { weight: 1, arbitrary: fc.tuple(sub, sub, sub).map(([c, x, y]) => `(if ${c} ${body(x)} ${body(y)})`) },
  );
}

/**
 * One function `name n a b`: at n <= 0 a base expression, else a call of
 * itself with n - 1, in tail position or inside an operation.
 */
const functionArb = (name: string) =>
  fc
    .record({
      base: exprArb(2),
      a: exprArb(2),
      b: exprArb(2),
      tail: fc.boolean(),
      op: fc.constantFrom(...OPERATORS),
      other: exprArb(1),
    })
    .map(({ base, a, b, tail, op, other }) => {
      const call = `${name} (- n 1) ${a} ${b}`;
      const step = tail ? `{${call}}` : `{${op} (${call}) ${other}}`;
      return `(fun {${name} n a b} {if (<= n 0) ${body(base)} ${step}})`;
    });

const callArb = (name: string) => fc.tuple(fc.integer({ min: 0, max: 40 }), literalArb, literalArb).map(([n, a, b]) => `(print (${name} ${n} ${a} ${b}))`);

/** Rebinding an operator the counter does not use, between calls. */
const rebindArb = fc.constantFrom('(def {*} +)', '(def {+} -)', '(def {/} *)', '(def {<} >)');

export const numericProgramArb: fc.Arbitrary<string> = fc
  .tuple(functionArb('f'), functionArb('g'), fc.array(fc.oneof(callArb('f'), callArb('g')), { minLength: 1, maxLength: 4 }), fc.option(rebindArb), fc.array(fc.oneof(callArb('f'), callArb('g')), { maxLength: 2 }))
  .map(([f, g, calls, rebind, after]) => ['(load "src/prelude.valk")', f, g, ...calls, ...(rebind === null ? [] : [rebind, ...after])].join('\n') + '\n');
