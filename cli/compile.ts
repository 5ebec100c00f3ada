// `valk compile SRC... -o OUT`: one ES module and one source map per .valk file.
//
// A literal `(load PATH)` becomes an import of the module compiled from PATH
// when that file is among the sources (PATH is taken relative to the source
// root, which plays the part of the working directory), or of the bundled
// standard library's module for `src/prelude.valk` and its siblings.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { compile } from '../compiler/index.js';
import type { EmitTarget } from '../compiler/ts-types.js';
import { Source } from '../runtime/reader.js';
import { formatDiagnostic, STDLIB_DIR } from '../runtime/session.js';
import { paint } from './style.js';

export interface CompileTreeOptions {
  readonly sources: readonly string[];
  readonly outDir: string;
  /** The module specifier compiled code imports the runtime from. */
  readonly runtime?: string;
  /** `ts`: TypeScript modules (each its own declaration) instead of JavaScript with a `.d.ts`. */
  readonly target?: EmitTarget;
}

export interface Unit {
  readonly file: string;
  readonly root: string;
  readonly out: string;
}

/** The .valk files under dir, folder by folder in name order (node_modules and dot-folders left out). */
export function valkFiles(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) valkFiles(p, out);
    } else if (e.name.endsWith('.valk')) out.push(p);
  }
}

/** A relative import specifier from one output file to another (a `.ts` one by its `.js` name, as TypeScript resolves it). */
export function specifier(from: string, to: string): string {
  const rel = relative(dirname(from), to.replace(/\.ts$/, '.js')).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** The bundled library's module for `src/NAME.valk`, when valk ships one. */
export function standardModule(path: string): string | undefined {
  const std = /^(?:\.\/)?src\/(.+)\.valk$/.exec(path);
  if (std !== null && STDLIB_DIR !== undefined && existsSync(join(STDLIB_DIR, `${std[1]}.valk`))) return `valk/stdlib/${std[1]}.js`;
  return undefined;
}

const require = createRequire(import.meta.url);

/** The .d.ts writer, loaded only when declarations are wanted: ts-morph brings a whole TypeScript compiler. */
function declarationWriter(): typeof import('../compiler/declarations.js') {
  return require('../compiler/declarations.js') as typeof import('../compiler/declarations.js');
}

/**
 * Compiles one unit to its ES module (TypeScript for `target` ts) and source map
 * (and, with `declarations`, a .d.ts beside it); returns 1 for a syntax error
 * (reported on stderr), else 0.
 */
export function compileUnit(u: Unit, resolveLoad: (path: string) => string | undefined, runtime = 'valk/runtime', declarations = false, target: EmitTarget = 'js'): number {
  const text = readFileSync(u.file).toString('latin1');
  const name = basename(u.out);
  const sourcePath = relative(dirname(u.out), u.file).split(sep).join('/');
  const standardPrelude = STDLIB_DIR !== undefined && u.file === join(STDLIB_DIR, 'prelude.valk');
  const compiled = compile(sourcePath, text, { format: 'esm', runtime, outFile: name, resolveLoad, standardPrelude, target });
  mkdirSync(dirname(u.out), { recursive: true });
  writeFileSync(u.out, `${compiled.code}\n//# sourceMappingURL=${name}.map\n`);
  writeFileSync(`${u.out}.map`, JSON.stringify(compiled.map));
  if (declarations) {
    writeFileSync(u.out.replace(/\.js$/, '.d.ts'), declarationWriter().declarations(compiled.definitions, { runtime, source: sourcePath }));
  }
  if (compiled.readError === undefined) return 0;
  const src = new Source(relative(process.cwd(), u.file), text);
  process.stderr.write(formatDiagnostic({ src, offset: compiled.readError.offset }, compiled.readError.message));
  return 1;
}

/** The units to compile for the sources, or an exit status when a source does not exist. */
export function plan(options: CompileTreeOptions): Unit[] | number {
  const units: Unit[] = [];
  const outDir = resolve(options.outDir);
  for (const s of options.sources) {
    const src = resolve(s);
    if (!existsSync(src)) {
      process.stderr.write(`valk: cannot compile ${s}: no such file or directory\n`);
      return 2;
    }
    const isDir = statSync(src).isDirectory();
    const files: string[] = [];
    if (isDir) valkFiles(src, files);
    else files.push(src);
    const root = isDir ? src : dirname(src);
    const ext = options.target === 'ts' ? '.ts' : '.js';
    for (const file of files) units.push({ file, root, out: join(outDir, relative(root, file).replace(/\.valk$/, ext)) });
  }
  return units;
}

/**
 * Compiles `units` (or those of them in `only`), resolving literal loads among all
 * of them; returns the exit status (1 when a file has a syntax error).
 */
export function compileUnits(units: readonly Unit[], options: Pick<CompileTreeOptions, 'runtime' | 'target'>, only?: ReadonlySet<string>): number {
  const byFile = new Map(units.map((u) => [u.file, u]));
  const todo = only === undefined ? units : units.filter((u) => only.has(u.file));
  const progress = new Progress(todo.length);
  let status = 0;
  for (const u of todo) {
    progress.show(u.file);
    const resolveLoad = (path: string): string | undefined => {
      const target = byFile.get(resolve(u.root, path));
      return target !== undefined ? specifier(u.out, target.out) : standardModule(path);
    };
    // A TypeScript module declares itself.
    status = Math.max(status, compileUnit(u, resolveLoad, options.runtime, options.target !== 'ts', options.target));
  }
  progress.done();
  return status;
}

/** Compiles the sources; returns the exit status (1 when a file has a syntax error). */
export function compileTree(options: CompileTreeOptions): number {
  const units = plan(options);
  if (typeof units === 'number') return units;
  const status = compileUnits(units, options);
  const outDir = relative(process.cwd(), resolve(options.outDir)) || '.';
  process.stderr.write(`valk: compiled ${units.length} file${units.length === 1 ? '' : 's'} into ${outDir}\n`);
  return status;
}

/** A one-line progress display on stderr for multi-file work, when stderr is a terminal. */
class Progress {
  private readonly live: boolean;
  private n = 0;
  constructor(private readonly total: number) {
    this.live = process.stderr.isTTY === true && total > 1;
  }
  show(file: string): void {
    this.n++;
    if (this.live) process.stderr.write(`\r\x1b[K${paint('dim', `compiling ${this.n}/${this.total} ${relative(process.cwd(), file)}`, process.stderr)}`);
  }
  done(): void {
    if (this.live) process.stderr.write('\r\x1b[K');
  }
}
