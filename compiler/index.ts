// The compiler as a library: Valkyria source text to a JavaScript module and its source map.

import { analyze, type AnalyzeOptions } from './analyze.js';
import { emit, type EmitOptions, type Emitted } from './emit.js';
import type { Program } from './ir.js';

export type { Emitted } from './emit.js';

export interface CompileOptions extends AnalyzeOptions, EmitOptions {}

/** Compiles one file's text (a latin1 string: one char per byte, as the runtime reads files). */
export function compile(path: string, text: string, options: CompileOptions): Emitted & Pick<Program, 'readError' | 'definitions'> {
  const program = analyze(path, text, options);
  return { ...emit(program, options), readError: program.readError, definitions: program.definitions };
}
