// Request-context accessors (spec §12); the forms that install a context are
// special forms in the machine.

import type { Machine, RequestContext } from '../machine.js';
import { equal } from '../equality.js';
import { listFromArray, Sym, sym, type Value } from '../values.js';
import type { Define } from './index.js';

/** Keys match symbols and strings by name, numbers by value. */
function sameKey(a: Value, b: Value): boolean {
  const name = (v: Value) => (v instanceof Sym ? v.name : typeof v === 'string' ? v : undefined);
  const na = name(a);
  return na !== undefined ? na === name(b) : equal(a, b);
}

/** Milliseconds left before the context's deadline (0 once past it), or null without one. */
export function remaining(ctx: RequestContext | null): number | null {
  const d = ctx?.deadline ?? null;
  return d === null ? null : Math.max(0, Math.floor(d - performance.now()));
}

export function install(define: Define): void {
  define('ctx/get', (args, _env, m) => {
    for (let c = (m as Machine).ctx; c !== null; c = c.parent) if (c.hasLocal && sameKey(c.key, args[0] ?? null)) return c.value;
    return null;
  });
  // The association list of locals, innermost first, as {key value} pairs.
  define('ctx/locals', (_args, _env, m) => {
    const pairs: Value[] = [];
    for (let c = (m as Machine).ctx; c !== null; c = c.parent) if (c.hasLocal) pairs.push(listFromArray([c.key, c.value], true));
    return listFromArray(pairs, true);
  });
  define('ctx/deadline', (_args, _env, m) => remaining((m as Machine).ctx));
  define('ctx/deadline-exceeded?', (_args, _env, m) => {
    const r = remaining((m as Machine).ctx);
    return r !== null && r <= 0 ? sym(':true') : null;
  });
  // Trace ids are only assigned by an HTTP server; outside a request they are Nil.
  define('trace/id', () => null);
  define('trace/span', () => null);
  define('trace/parent-span', () => null);
}
