// Structural equality for `==` / `!=` (spec §3.4), iterative so deep data is safe.

import { Cons, Lambda, VError, type Value } from './values.js';

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  // Numbers, strings and Nil are equal only when identical; structure needs two objects.
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const work: Value[] = [a, b];
  while (work.length > 0) {
    const y = work.pop()!;
    const x = work.pop()!;
    if (x === y) continue;
    if (x instanceof Cons) {
      // The quoted flag is ignored: only the elements matter.
      if (!(y instanceof Cons)) return false;
      let p: Cons | null = x;
      let q: Cons | null = y;
      while (p !== null && q !== null) {
        work.push(p.head, q.head);
        p = p.tail;
        q = q.tail;
      }
      if (p !== q) return false;
    } else if (x instanceof VError) {
      if (!(y instanceof VError) || x.message !== y.message) return false;
    } else if (x instanceof Lambda) {
      // Environments (and so the arguments bound by partial application) are ignored.
      if (!(y instanceof Lambda)) return false;
      work.push(x.formals, y.formals, x.body, y.body);
    } else {
      // Numbers are canonical, strings and symbols compare by value/identity,
      // builtins, references and host values by identity.
      return false;
    }
  }
  return true;
}
