// Display form (print, str) and debug form (REPL, error reports), spec §3.2-3.3.
// Both walk the value with an explicit work list so deeply nested data prints
// without exhausting the JS stack.

import { numToString } from './numbers.js';
import { Builtin, Cons, HostValue, Lambda, Ref, Sym, VError, type Value } from './values.js';

type Mode = 'display' | 'debug';

const DEBUG_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
};

const refIds = new WeakMap<Ref, number>();
let nextRefId = 1;

function refAddress(r: Ref): string {
  let id = refIds.get(r);
  if (id === undefined) refIds.set(r, (id = nextRefId++));
  return '0x' + id.toString(16).padStart(8, '0');
}

function atom(v: Value, mode: Mode): string {
  if (typeof v === 'number' || typeof v === 'bigint') return mode === 'debug' ? `Num[${numToString(v)}]` : numToString(v);
  if (typeof v === 'string') return mode === 'debug' ? '"' + v.replace(/[\x07\b\f\n\r\t\v\\'"]/g, (c) => DEBUG_ESCAPES[c]) + '"' : v;
  if (v === null) return '()';
  if (v instanceof Sym) return v.name;
  if (v instanceof Builtin) return '<builtin>';
  if (v instanceof Lambda) return '<lambda>';
  if (v instanceof VError) return mode === 'debug' ? `Error[${v.message}]` : `Error: ${v.message}`;
  if (v instanceof Ref) return mode === 'debug' ? `Reference[${v.type}:${refAddress(v)}]` : `<ref:${v.type}>`;
  if (v instanceof HostValue) return v.display();
  return String(v);
}

/** Literal text in the printer's work list. */
class Lit {
  constructor(readonly text: string) {}
}
const SPACE = new Lit(' ');
const CLOSE_S = new Lit(')');
const CLOSE_Q = new Lit('}');

function render(root: Value, mode: Mode): string {
  let out = '';
  const work: Array<Value | Lit> = [root];
  while (work.length > 0) {
    const item = work.pop()!;
    if (item instanceof Cons) {
      out += item.quoted ? '{' : '(';
      work.push(item.quoted ? CLOSE_Q : CLOSE_S);
      const elems: Value[] = [];
      for (let c: Cons | null = item; c !== null; c = c.tail) elems.push(c.head);
      for (let i = elems.length - 1; i >= 0; i--) {
        work.push(elems[i]);
        if (i > 0) work.push(SPACE);
      }
    } else if (mode === 'debug' && item instanceof Lambda) {
      out += '(\\ ';
      work.push(CLOSE_S, item.body, SPACE, item.formals);
    } else if (item instanceof Lit) {
      out += item.text;
    } else {
      out += atom(item, mode);
    }
  }
  return out;
}

/** How `print` and `str` show a value. */
export function display(v: Value): string {
  if (typeof v === 'string') return v;
  if (!(v instanceof Cons)) return atom(v, 'display');
  return render(v, 'display');
}

/** How the REPL and error reports show a value. */
export function debug(v: Value): string {
  if (!(v instanceof Cons) && !(v instanceof Lambda)) return atom(v, 'debug');
  return render(v, 'debug');
}
