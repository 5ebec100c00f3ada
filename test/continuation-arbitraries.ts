// Random terminating programs that capture and resume continuations, for the
// differential test: arithmetic trees whose leaves may be shifts, inside
// resets, through functions (compiled continuation-passing code), through
// `eval` of data and the prelude's `map` (the evaluator), with continuations
// called zero, one or two times, kept in a global and called later.
//
// Termination: functions f1..f3 only call functions defined before them, a
// shift body calls k at most twice, and the continuation kept in a global is
// called only at the very end (the rest it runs cannot call it again), so
// every program is a finite tree of resumptions. Values are numbers, lists
// and Errors (an Error is a value like any).

import fc from 'fast-check';

/** What a leaf may name: a parameter of the enclosing function, the continuation of the enclosing shift body. */
interface Scope {
  readonly vars: readonly string[];
  /** Functions callable here, with their arities. */
  readonly fns: readonly { name: string; arity: number }[];
}

const num = fc.integer({ min: -9, max: 9 }).map(String);

function exprArb(scope: Scope, depth: number, shifts = true): fc.Arbitrary<string> {
  const leaves: fc.Arbitrary<string>[] = [num];
  if (scope.vars.length > 0) leaves.push(fc.constantFrom(...scope.vars));
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = () => exprArb(scope, depth - 1, shifts);
  const kBody = (): fc.Arbitrary<string> => {
    const inner: Scope = { vars: [...scope.vars, 'k'], fns: scope.fns };
    const e = () => exprArb(inner, depth - 1, shifts);
    return fc.oneof(
      e().map((a) => `{k ${a}}`),
      e().map((a) => `{${a}}`),
      e().map((a) => `{k (k ${a})}`),
      fc.tuple(e(), e()).map(([a, b]) => `{+ (k ${a}) (k ${b})}`),
      fc.tuple(e(), e()).map(([a, b]) => `{list (k ${a}) ${b}}`),
      e().map((a) => `{(def {kept} k) ${a}}`),
    );
  };
  const forms: fc.Arbitrary<string>[] = [
    ...leaves,
    fc.tuple(fc.constantFrom('+', '-', '*'), sub(), sub()).map(([op, a, b]) => `(${op} ${a} ${b})`),
    ...(shifts ? [kBody().map((body) => `(async-shift {k} ${body})`)] : []),
    sub().map((a) => `(async-reset {${a}})`),
    sub().map((a) => `(eval {${a}})`),
    fc.tuple(sub(), sub(), sub()).map(([c, a, b]) => `(if (> ${c} 0) {${a}} {${b}})`),
    // No shifts inside map's callback: each would double the work for every element.
    exprArb(scope, depth - 1, false).map((a) => `(head (map (\\ {y} {+ y ${a}}) {1 2}))`),
  ];
  for (const f of shifts ? scope.fns : []) {
    forms.push(fc.array(sub(), { minLength: f.arity, maxLength: f.arity }).map((args) => `(${f.name}${args.map((a) => ' ' + a).join('')})`));
  }
  return fc.oneof({ depthSize: 'small' }, ...forms);
}

const FNS = [
  { name: 'f1', arity: 1 },
  { name: 'f2', arity: 2 },
  { name: 'f3', arity: 1 },
];

/** A program: the prelude, a continuation kept for later, three functions, then printed results. */
const body = (i: number) => exprArb({ vars: FNS[i].arity === 1 ? ['x'] : ['x', 'z'], fns: FNS.slice(0, i) }, 3);

export const continuationProgramArb: fc.Arbitrary<string> = fc
  .tuple(
    body(0),
    body(1),
    body(2),
    fc.array(exprArb({ vars: [], fns: FNS }, 3), { minLength: 1, maxLength: 4 }),
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  )
  .map(([b1, b2, b3, mains, inReset]) => {
    const lines = [
      '(load "src/prelude.valk")',
      '(def {kept} (\\ {v} {v}))',
      `(fun {f1 x} {${b1}})`,
      `(fun {f2 x z} {${b2}})`,
      `(fun {f3 x} {${b3}})`,
      ...mains.map((e, i) => (inReset[i] ? `(print (async-reset {${e}}))` : `(print ${e})`)),
      '(print (kept 1))',
      '(print (stack-depth))',
    ];
    return lines.join('\n') + '\n';
  });
