// The runtime package (`valk/runtime`) that compiled modules import, and that
// JavaScript uses to call into Valkyria (docs/interop.md).

export * from './compiled.js';
export { runMain, runProgram } from './main.js';
export { exported, librarySession } from './library.js';
export { toJs, toValk, ValkError, type ValkFunction, type ValkValue } from './interop.js';
export type { Instantiate } from './session.js';
// For modules compiled with `--target ts`, whose annotations name them.
export type { Frame } from './frame.js';
export type { Sym, Value } from './values.js';
