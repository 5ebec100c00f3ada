// Node module customization hooks (registered by register.ts; they run on
// Node's loader thread): `.valk` files load as the ES modules the compiler
// makes, and a `.valk` entry point runs as a program.

import type { LoadHook, ResolveHook } from 'node:module';
import { fileURLToPath } from 'node:url';
import { compileForTool, withInlineMap } from './compile-for-tool.js';

const PROGRAM = new URL('../runtime/main.js', import.meta.url).href;

const isValk = (url: string): boolean => url.startsWith('file:') && /\.valk(?:[?#].*)?$/.test(url);

/** Entry points given as .valk files: their module also runs itself, then exits with the program's status. */
const programs = new Set<string>();

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  if (context.parentURL === undefined && isValk(resolved.url)) programs.add(resolved.url);
  return resolved;
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!isValk(url)) return nextLoad(url, context);
  const out = compileForTool(fileURLToPath(url), { root: process.cwd(), urls: true });
  const d = out.diagnostic;
  if (d !== undefined) {
    const error = new Error(d.formatted);
    // What `valk run` prints, then the file as a stack frame (terminals link it): a stack through the loader would only hide it.
    error.stack = `${d.formatted}    at ${d.file}:${d.line}:${d.column}`;
    throw error;
  }
  const run = programs.has(url) ? `import { runProgram as valk$runProgram } from ${JSON.stringify(PROGRAM)};\nvalk$runProgram(main, import.meta.url);\n` : '';
  return { format: 'module', source: withInlineMap({ ...out, code: out.code + '\n' + run }), shortCircuit: true };
};
