// The core builtins (spec §6), installed into a session's global frame.

import type { Session } from '../session.js';
import { Builtin, sym, type BuiltinFn } from '../values.js';
import * as arith from './arith.js';
import * as core from './core.js';
import * as ctx from './ctx.js';
import * as io from './io.js';
import * as lists from './lists.js';
import * as strings from './strings.js';
import * as system from './system.js';

export type Define = (name: string, fn: BuiltinFn) => void;

export function installBuiltins(session: Session): void {
  const define: Define = (name, fn) => session.global.set(sym(name), new Builtin(name, fn));
  core.install(define);
  lists.install(define);
  arith.install(define);
  strings.install(define);
  io.install(define, session);
  system.install(define, session);
  ctx.install(define);
}
