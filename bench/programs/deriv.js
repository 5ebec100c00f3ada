// deriv: symbolic differentiation with respect to x of an expression tree
// made of arrays ([operator, ...operands]) and atoms (numbers, and strings
// for symbols). The derivative is recomputed 2000 times; the last one is the
// result.
function deriv(a) {
  if (!Array.isArray(a)) return a === 'x' ? 1 : 0;
  const [op, ...args] = a;
  switch (op) {
    case '+':
    case '-':
      return [op, ...args.map(deriv)];
    case '*':
      return [op, a, ['+', ...args.map((b) => ['/', deriv(b), b])]];
    case '/': {
      const [u, v] = args;
      return ['-', ['/', deriv(u), v], ['/', u, ['*', v, v, deriv(v)]]];
    }
    default:
      throw new Error(`deriv: unknown operator ${op}`);
  }
}

const expr = ['+', ['*', 3, 'x', 'x'], ['*', 'a', 'x', 'x'], ['*', 'b', 'x'], 5];

export function run() {
  let last = null;
  for (let i = 0; i < 2000; i++) last = deriv(expr);
  return last;
}
