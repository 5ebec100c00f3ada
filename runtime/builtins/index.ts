// The core builtins (spec §6), installed into a session's global frame.

import type { Session } from '../session.js';
import { isWaiting } from '../fibers.js';
import { Builtin, sym, type BuiltinFn } from '../values.js';
import { plainBuiltin } from '../suspends.js';
import * as aio from '../aio/builtins.js';
import * as files from '../aio/files.js';
import * as http from '../aio/http.js';
import * as tcp from '../aio/tcp.js';
import * as arith from './arith.js';
import * as continuations from './continuations.js';
import * as core from './core.js';
import * as ctx from './ctx.js';
import * as io from './io.js';
import * as js from './js.js';
import * as lists from './lists.js';
import * as strings from './strings.js';
import * as system from './system.js';

export type Define = (name: string, fn: BuiltinFn) => void;

/** Builtins that look at the caller's frame (spec §5.2). */
const REFLECTIVE = new Set(['def', '=', '\\', 'do', 'select', 'eval', 'load', 'penv', 'repeat', 'async-reset', 'async-shift', 'async', 'aio/let', 'aio/do']);
/**
 * Builtins without effects: they change nothing, look at no frame and call
 * nothing back, so code that calls them can be abandoned and run again
 * (compiler/fast.ts). An Error they give is a value like any other.
 */
export const EFFECT_FREE: ReadonlySet<string> = new Set(['error', 'str', 'len', 'list', 'join', 'init', 'list?', 'error?', 'ord', 'str->num', 'str/split', 'str/replace', 'str/slice', 'make-string', 'range', 'aio/pure']);
/** Builtins that drive the evaluator (evaluate data, call functions) or read its state. */
const DRIVING = new Set(['do', 'select', 'eval', 'load', 'repeat', 'stack-depth', 'ctx/get', 'ctx/locals', 'ctx/deadline', 'ctx/deadline-exceeded?', 'async-reset', 'async-shift', 'async', 'aio/let', 'aio/do']);

export function installBuiltins(session: Session, fastPaths: boolean): void {
  installAll(session, (name, fn) => {
    const cell = session.global.cell(sym(name));
    cell.v = builtin(name, fn);
    // Compiled fast paths apply while the name still holds this builtin; without them they never do.
    if (fastPaths) cell.std = cell.v;
  });
  // Nor do fast bodies (compiler/fast.ts), which run only while no standard is displaced.
  if (!fastPaths) session.global.forgoStandards();
}

function builtin(name: string, fn: BuiltinFn): Builtin {
  const waits = isWaiting(name);
  // A builtin that may suspend the fiber is not plain either: only the evaluator's steps and
  // continuation-passing code can carry a suspension.
  return new Builtin(name, fn, REFLECTIVE.has(name), !DRIVING.has(name) && !waits, waits);
}

/**
 * Every builtin's name, and whether it is plain and leaves the caller's frame
 * alone (runtime/suspends.ts, `plainBuiltin`): what the compiler knows of the
 * standard globals (compiler/suspends.ts). No builtin runs, so no session is needed.
 */
export function builtinKinds(): ReadonlyMap<string, 'plain' | 'other'> {
  const kinds = new Map<string, 'plain' | 'other'>();
  installAll({} as Session, (name, fn) => kinds.set(name, plainBuiltin(builtin(name, fn)) ? 'plain' : 'other'));
  return kinds;
}

function installAll(session: Session, define: Define): void {
  core.install(define);
  lists.install(define);
  arith.install(define);
  strings.install(define);
  io.install(define, session);
  system.install(define, session);
  ctx.install(define);
  continuations.install(define);
  js.install(define, session);
  aio.install(define, session);
  files.install(define, session);
  tcp.install(define, session);
  http.install(define, session);
}
