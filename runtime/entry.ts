// The runtime package (`valk/runtime`) that compiled modules import.

export * from './compiled.js';
export { runMain } from './main.js';
