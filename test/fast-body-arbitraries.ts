// Random programs for the fast bodies of compiled functions
// (compiler/fast.ts): self-recursive functions of integers, functions over
// lists that call themselves and each other, and functions of integers that
// shift (for resets' continuation-passing fast bodies), called with arguments near
// the edges where a fast body gives up (the safe integers, 64-bit wrapping,
// division by zero and by negative numbers, `head` of Nil, operands of the
// wrong type), sometimes after an operator has been rebound. Every function
// recurses on a counter that goes down by one, so each ends.

import fc from 'fast-check';

/** Literals around the edges where a fast body must hand back to the general code. */
const literalArb = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.constantFrom('1000', '-1000', '9007199254740991', '-9007199254740991', '9007199254740992', '4611686018427387904', '9223372036854775807', '-9223372036854775808'),
);

/** A Q-expression body of one expression: `{+ a b}` for `(+ a b)`, `{a}` for `a`. */
const body = (e: string) => (e.startsWith('(') ? `{${e.slice(1, -1)}}` : `{${e}}`);

const OPERATORS = ['+', '-', '*', '/', '<', '>', '<=', '>=', '==', '!='] as const;

/** Arithmetic, comparisons and `if` over leaves. */
function treeArb(leaf: fc.Arbitrary<string>, depth: number): fc.Arbitrary<string> {
  if (depth === 0) return leaf;
  const sub = treeArb(leaf, depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...OPERATORS), sub, sub).map(([op, x, y]) => `(${op} ${x} ${y})`) },
    { weight: 1, arbitrary: fc.tuple(sub, sub, sub).map(([c, x, y]) => `(if ${c} ${body(x)} ${body(y)})`) },
  );
}

/** An expression over the parameters a and b (and the counter n). */
const exprArb = (depth: number) => treeArb(fc.oneof(fc.constantFrom('a', 'b', 'n'), literalArb), depth);

/** A function `name` of the counter n and two more parameters: base at n <= 0, else step. */
const countdown = (name: string, params: string, base: string, step: string) => `(fun {${name} n ${params}} {if (<= n 0) ${body(base)} ${step}})`;

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
      return countdown(name, 'a b', base, tail ? `{${call}}` : `{${op} (${call}) ${other}}`);
    });

const callArb = (name: string) => fc.tuple(fc.integer({ min: 0, max: 40 }), literalArb, literalArb).map(([n, a, b]) => `(print (${name} ${n} ${a} ${b}))`);

/** Rebinding an operator the counter does not use, between calls. */
const rebindArb = fc.constantFrom('(def {*} +)', '(def {+} -)', '(def {/} *)', '(def {<} >)');

/** After the prelude, the definitions and calls, sometimes an operator rebound and more calls. */
const rebindingProgramArb = (definitions: fc.Arbitrary<string[]>, call: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(definitions, fc.array(call, { minLength: 1, maxLength: 4 }), fc.option(rebindArb), fc.array(call, { maxLength: 2 }))
    .map(([defs, calls, rebind, after]) => ['(load "src/prelude.valk")', ...defs, ...calls, ...(rebind === null ? [] : [rebind, ...after])].join('\n') + '\n');

export const numericProgramArb: fc.Arbitrary<string> = rebindingProgramArb(fc.tuple(functionArb('f'), functionArb('g')), fc.oneof(callArb('f'), callArb('g')));

/** A list expression over the parameter l (and a number expression x). */
function listArb(x: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom('l', 'nil', '{1 2 3}', '{}', '(tail l)', '(join l {7})', '(list n x)', '(list)', '(map (\\ {e} {+ e n}) l)', '(filter (\\ {e} {> e x}) l)', '(map (\\ {e f} {+ e f}) l)'), x.map((v) => `(cons ${v} l)`));
}

/** A number expression that may take apart the list l. */
const listNumberArb = (depth: number) =>
  treeArb(fc.oneof(fc.constantFrom('n', 'x', '(head l)', '(== l nil)', '(== l {1 2 3})', '(!= (tail l) nil)', '(len l)', '(list? l)', '(foldl + n l)', '(foldl (\\ {a e} {if (> e a) {e} {a}}) x l)', '(foldl (\\ {e} {e}) n l)', '(len (str n x l))', '(len (join l (list x)))'), literalArb), depth);

/** Functions `name n l x` over a list, each calling itself, the other one or `p0` (bound later, if at all) with n - 1. */
const listFunctionArb = (name: string, other: string) =>
  fc
    .record({ base: fc.oneof(listNumberArb(2), listArb(listNumberArb(1))), l: listArb(listNumberArb(1)), x: listNumberArb(2), callee: fc.constantFrom(name, other, 'p0'), tail: fc.boolean(), op: fc.constantFrom(...OPERATORS) })
    .map(({ base, l, x, callee, tail, op }) => {
      const call = `${callee} (- n 1) ${l} ${x}`;
      return countdown(name, 'l x', base, tail ? `{${call}}` : `{${op} (${call}) x}`);
    });

const listCallArb = (name: string) =>
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom('nil', '{1 2 3}', '{5 -1 9007199254740991 0}', '{{1} 2}', '{"a" 1}'), literalArb).map(([n, l, x]) => `(print (${name} ${n} ${l} ${x}))`);

/** Rebinding between calls: one function kept under another name, then its own name given something else or the other one. */
const aliasArb = fc.constantFrom('(def {p0} p)\n(def {p} (\\ {n l x} {7}))', '(def {p0} p)\n(def {p} q)');

export const listProgramArb: fc.Arbitrary<string> = fc
  .tuple(
    listFunctionArb('p', 'q'),
    listFunctionArb('q', 'p'),
    fc.array(fc.oneof(listCallArb('p'), listCallArb('q')), { minLength: 1, maxLength: 4 }),
    fc.option(fc.tuple(aliasArb, fc.array(fc.oneof(listCallArb('p0'), listCallArb('q')), { minLength: 2, maxLength: 4 })), { freq: 2 }),
  )
  .map(([p, q, calls, alias]) => ['(load "src/prelude.valk")', p, q, ...calls, ...(alias === null ? [] : [alias[0], ...alias[1]])].join('\n') + '\n');

/**
 * A shift inside such a function: its continuation called once, twice or
 * not at all on the parameters, which a reset's continuation-passing fast
 * body runs as JS closures; sometimes with an effect or with the
 * continuation kept, which leave the whole reset to the general code.
 */
const shiftArb = fc.oneof(
  { weight: 3, arbitrary: exprArb(1).map((e) => `(async-shift {k} {k ${e}})`) },
  { weight: 3, arbitrary: fc.tuple(exprArb(1), exprArb(1)).map(([x, y]) => `(async-shift {k} {+ (k ${x}) (k ${y})})`) },
  { weight: 1, arbitrary: exprArb(1).map((e) => `(async-shift {k} {* 2 (k (k ${e}))})`) },
  { weight: 1, arbitrary: exprArb(1).map((e) => `(async-shift {k} ${body(e)})`) },
  { weight: 1, arbitrary: fc.constantFrom('(async-shift {k} {do (print "shifted") (k a)})', '(async-shift {k} {do (def {kept} k) (k b)})', '(async-shift {k} {list (k n) a})') },
);

/**
 * One function `name n a b` recursing on n (at most 8, as a shift may double
 * the work of each step) with a shift in its step: in an argument of its self
 * call, or in an operation around it; the self call's argument may call g,
 * a function that does not shift.
 */
const shiftingFunctionArb = (name: string) =>
  fc.record({ base: exprArb(2), shift: shiftArb, a: fc.oneof(exprArb(1), fc.constant('(g n a b)')), tail: fc.boolean(), op: fc.constantFrom(...OPERATORS) })
    .map(({ base, shift, a, tail, op }) => countdown(name, 'a b', base, tail ? `{${name} (- n 1) ${a} (${op} b ${shift})}` : `{${op} (${name} (- n 1) ${a} b) ${shift}}`));

/** A call in a reset of its own, in one with more around it, or (an Error: no reset) in none. */
const shiftingCallArb = (name: string) =>
  fc.tuple(fc.integer({ min: 0, max: 8 }), literalArb, literalArb, fc.constantFrom('reset', 'reset', 'around', 'none')).map(([n, a, b, where]) => {
    const call = `(${name} ${n} ${a} ${b})`;
    if (where === 'none') return `(print ${call})`;
    return `(print (async-reset ${body(where === 'around' ? `(- 100 ${call})` : call)}))`;
  });

export const shiftingProgramArb: fc.Arbitrary<string> = rebindingProgramArb(
  fc.tuple(shiftingFunctionArb('s'), functionArb('g')).map(([s, g]) => ['(def {kept} nil)', g, s]),
  shiftingCallArb('s'),
);
