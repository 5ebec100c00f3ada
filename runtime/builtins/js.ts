// Valkyria calling JavaScript: js/require, js/global, js/get, js/set, js/call,
// js/apply, js/new (docs/interop.md). Arguments and results are converted as
// runtime/interop.ts says; a JS exception is an Error value, never a throw.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { callJs, constructJs, decodeUtf8, errorValue, JS_REF, JsFunction, toJs, toValk } from '../interop.js';
import type { Session } from '../session.js';
import { Builtin, Lambda, Ref, VError, type Value } from '../values.js';
import { countError, typeError } from './errors.js';
import type { Define } from './index.js';

/** A property key: a String (decoded as UTF-8) or a Number (an index). */
function key(v: Value): string | number | VError {
  if (typeof v === 'string') return decodeUtf8(v);
  if (typeof v === 'number') return v;
  return typeError(v, ['String', 'Number']);
}

/** The JS function a Valkyria value stands for: a builtin made from one, a reference to one, or a Valkyria function. */
function jsCallable(v: Value, who: string): Function | VError {
  if (v instanceof JsFunction) return v.target;
  if (v instanceof Lambda || v instanceof Builtin) return toJs(v) as Function;
  if (v instanceof Ref && v.type === JS_REF && typeof v.target === 'function') return v.target;
  if (v instanceof Ref) return new VError(`${who}: the reference is not a JS function`);
  return typeError(v, ['Function', 'Reference']);
}

export function install(define: Define, session: Session): void {
  define('js/require', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const [specifier] = args;
    if (typeof specifier !== 'string') return typeError(specifier, ['String']);
    try {
      // Relative specifiers are taken from the program's working directory.
      const required: unknown = createRequire(join(session.cwd, '/'))(decodeUtf8(specifier));
      return new Ref(JS_REF, required);
    } catch (e) {
      // Node adds the require stack (with absolute paths) after the first line.
      return new VError(errorValue(e).message.split('\n')[0]);
    }
  });

  define('js/global', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const k = key(args[0]);
    if (k instanceof VError) return k;
    return toValk((globalThis as Record<string | number, unknown>)[k], 'wrap');
  });

  define('js/get', (args) => {
    if (args.length !== 2) return countError(args.length, '==', 2);
    const k = key(args[1]);
    if (k instanceof VError) return k;
    try {
      return toValk((toJs(args[0]) as Record<string | number, unknown>)[k], 'wrap');
    } catch (e) {
      return errorValue(e);
    }
  });

  define('js/set', (args) => {
    if (args.length !== 3) return countError(args.length, '==', 3);
    const k = key(args[1]);
    if (k instanceof VError) return k;
    try {
      (toJs(args[0]) as Record<string | number, unknown>)[k] = toJs(args[2]);
      return args[2];
    } catch (e) {
      return errorValue(e);
    }
  });

  define('js/call', (args) => {
    if (args.length < 2) return countError(args.length, '>', 1);
    const k = key(args[1]);
    if (k instanceof VError) return k;
    const self = toJs(args[0]) as Record<string | number, unknown>;
    let method: unknown;
    try {
      method = self[k];
    } catch (e) {
      return errorValue(e);
    }
    if (typeof method !== 'function') return new VError(`js/call: ${args[1] as string | number} is not a function`);
    return callJs(method, self, args.slice(2));
  });

  define('js/apply', (args) => {
    if (args.length < 1) return countError(args.length, '>', 0);
    const fn = jsCallable(args[0], 'js/apply');
    return fn instanceof VError ? fn : callJs(fn, undefined, args.slice(1));
  });

  define('js/new', (args) => {
    if (args.length < 1) return countError(args.length, '>', 0);
    const ctor = jsCallable(args[0], 'js/new');
    return ctor instanceof VError ? ctor : constructJs(ctor, args.slice(1));
  });
}
