// Environment and control builtins (spec §6.1, `eval` from §6.2): the ones that
// bind names or evaluate data in the caller's frame.

import type { Frame } from '../frame.js';
import { evalBranch, unbound } from '../machine.js';
import {
  Cons,
  Lambda,
  Sym,
  VError,
  isNum,
  listFromArray,
  toSexpr,
  typeName,
  type BuiltinResult,
  type Control,
  type Kont,
  type List,
  type Value,
} from '../values.js';
import { countError, typeError } from './errors.js';
import type { Define } from './index.js';

function bind(name: 'def' | '=', args: Value[], env: Frame): Value {
  if (args.length < 2) return countError(args.length, '>', 1);
  const target = args[0];
  let names: Value[];
  if (target instanceof Sym && name === 'def') names = [target];
  else if (target === null || target instanceof Cons) {
    names = [];
    for (let c: List = target; c !== null; c = c.tail) names.push(c.head);
  } else return typeError(target, ['List', 'List', 'Nil']);
  for (const n of names) {
    if (!(n instanceof Sym)) return new VError(`Builtin \`def\` requires that symbols parameter only has symbols found: ${typeName(n)}`);
  }
  if (names.length !== args.length - 1) {
    return countError(names.length, '==', args.length - 1);
  }
  const into = name === 'def' ? env.root : env;
  for (let i = 0; i < names.length; i++) {
    let v = args[i + 1];
    // Symbol re-resolution (spec §5.3): a symbol value is looked up once more.
    if (v instanceof Sym && !v.keyword) {
      const found = env.lookup(v);
      v = found === undefined ? unbound(v) : found;
    }
    if (v instanceof VError && name === 'def') return v;
    into.set(names[i] as Sym, v);
  }
  return null;
}

/** `do`'s second pass: each value is evaluated again, errors included, and the last one is the result. */
class DoK implements Kont {
  constructor(
    private readonly values: Value[],
    private readonly i: number,
    private readonly env: Frame,
  ) {}
  resume(m: Control): BuiltinResult {
    return reevaluate(m, this.values, this.i, this.env);
  }
  clone(): Kont {
    return this;
  }
}

function reevaluate(m: Control, values: Value[], from: number, env: Frame): BuiltinResult {
  const last = values.length - 1;
  for (let i = from; i < last; i++) {
    const v = values[i];
    // Only symbols and S-expressions do anything when evaluated again; the rest are themselves.
    if (v instanceof Sym || (v instanceof Cons && !v.quoted)) {
      m.push(new DoK(values, i + 1, env));
      return m.evalTail(v, env);
    }
  }
  return last < 0 ? null : m.evalTail(values[last], env);
}

/** `select`: clauses are tried in order; conditions and results are evaluated in the caller's frame. */
class SelectK implements Kont {
  constructor(
    private readonly clauses: Value[],
    private readonly i: number,
    private readonly env: Frame,
  ) {}
  resume(m: Control, v: Value): BuiltinResult {
    if (v instanceof VError) return v;
    if (!isNum(v)) return typeError(v, ['Number']);
    if (v !== 0) return evalBranch(m, ((this.clauses[this.i] as Cons).tail as Cons).head, this.env);
    return trySelect(m, this.clauses, this.i + 1, this.env);
  }
  clone(): Kont {
    return this;
  }
}

function trySelect(m: Control, clauses: Value[], i: number, env: Frame): BuiltinResult {
  if (i >= clauses.length) return new VError('No selection found');
  const c = clauses[i];
  if (!(c instanceof Cons)) return typeError(c, ['List', 'List']);
  if (c.tail === null || c.tail.tail !== null) return new VError('Select clause must have condition and result');
  m.push(new SelectK(clauses, i, env));
  return m.evalTail(c.head, env);
}

export function install(define: Define): void {
  define('def', (args, env) => bind('def', args, env));
  define('=', (args, env) => bind('=', args, env));

  define('\\', (args, env) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const [formals, body] = args;
    if (formals !== null && !(formals instanceof Cons)) return typeError(formals, ['List', 'List', 'Nil']);
    if (body !== null && !(body instanceof Cons)) return typeError(body, ['List', 'List', 'Nil']);
    for (let c: List = formals; c !== null; c = c.tail) {
      if (!(c.head instanceof Sym)) return new VError(`Cannot use a non symbol[${typeName(c.head)}] for bind`);
    }
    return new Lambda(formals, body, env);
  });

  define('do', (args, env, m) => reevaluate(m, args, 0, env));

  define('select', (args, env, m) => trySelect(m, args, 0, env));

  define('penv', (_args, env) => listFromArray(env.ownBindings().map(([k, v]) => listFromArray([k, v], false)), false));

  define('eval', (args, env, m) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const v = args[0];
    if (v instanceof Cons) return m.evalTail(toSexpr(v), env);
    return m.evalTail(v, env);
  });
}

