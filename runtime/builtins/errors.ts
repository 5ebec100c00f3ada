// Error values produced by builtins, worded as the reference words them (spec
// §0, §6), without the reference's C source-location prefix.

import { typeName, VError, type Value } from '../values.js';

/** «Invalid argument count, Actual[n] <op> Expected[m]»: the assertion that failed. */
export function countError(actual: number, op: '==' | '>' | '<=', expected: number): VError {
  return new VError(`Invalid argument count, Actual[${actual}] ${op} Expected[${expected}]`);
}

/** «Actual: <Type>, Expected(One-Of): [<Types>]». */
export function typeError(actual: Value, expected: readonly string[]): VError {
  return new VError(`Actual: ${typeName(actual)}, Expected(One-Of): [${expected.join(', ')}]`);
}

/** The type error of the arithmetic builtins. */
export function numbersOnly(actual: Value): VError {
  return new VError(`This function only supports Numbers : ${typeName(actual)}`);
}
