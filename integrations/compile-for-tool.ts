// Compiling one .valk file for a tool that loads modules: the build-tool
// plugin and the Node module hooks both come here, so a file compiles the
// same way whichever of them reads it.

import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { specifier, standardModule } from '../cli/compile.js';
import { compile } from '../compiler/index.js';
import { Source } from '../runtime/reader.js';
import { formatDiagnostic } from '../runtime/session.js';

export interface ToolCompileOptions {
  /** The directory literal `load` paths are taken relative to, as `valk run` started there would. */
  readonly root: string;
  /** Node's loader wants file URLs in imports and source maps; bundlers want paths. */
  readonly urls?: boolean;
}

/** A syntax error, in the shapes tools report errors in. */
export interface ToolDiagnostic {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
  readonly message: string;
  /** The offending line with a caret under the column. */
  readonly frame: string;
  /** `file:line:column: error: message`, then the frame: what `valk run` prints. */
  readonly formatted: string;
}

export interface ToolModule {
  /** An ES module importing `valk/runtime`; literal loads of .valk files import those files themselves. */
  readonly code: string;
  /** Version 3 source map of `code`, its one source the .valk file. */
  readonly map: SourceMapJSON;
  readonly diagnostic?: ToolDiagnostic;
}

export interface SourceMapJSON {
  version: number;
  sources: string[];
  sourcesContent?: string[];
  names: string[];
  mappings: string;
  file?: string;
}

/** The runtime reads files as bytes, one char each; people read them as UTF-8. */
const asUtf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

export function compileForTool(file: string, options: ToolCompileOptions): ToolModule {
  const text = readFileSync(file).toString('latin1');
  const root = resolve(options.root);
  const shown = relative(root, file).split(sep).join('/');
  const resolveLoad = (path: string): string | undefined => {
    const target = resolve(root, path);
    if (target.endsWith('.valk') && existsSync(target)) return options.urls ? pathToFileURL(target).href : specifier(file, target);
    return standardModule(path);
  };
  const compiled = compile(shown, text, { format: 'esm', runtime: 'valk/runtime', outFile: `${file}.js`, resolveLoad });
  const map = compiled.map as SourceMapJSON;
  // The map's one source is this very file, wherever the tool puts the output.
  map.sources = [options.urls ? pathToFileURL(file).href : file];
  if (compiled.readError === undefined) return { code: compiled.code, map };
  const src = new Source(shown, text);
  const { offset, message } = compiled.readError;
  const { line, col } = src.lineCol(offset);
  const formatted = asUtf8(formatDiagnostic({ src, offset }, message));
  const frame = formatted.slice(formatted.indexOf('\n') + 1);
  return { code: compiled.code, map, diagnostic: { file, line, column: col, message: asUtf8(message), frame, formatted } };
}

/** The module's code with its source map inline, for loaders that take no separate map. */
export function withInlineMap(module: ToolModule): string {
  return `${module.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(module.map)).toString('base64')}\n`;
}
