// `valk build ENTRY -o FILE`: one self-contained JavaScript file for a program.
//
// The entry and every file it reaches through literal `load`s are compiled to
// ES modules in a scratch folder (paths taken relative to the entry's folder,
// as `valk compile` takes them relative to the source root), then esbuild
// bundles them with the runtime — tree-shaken, minified, with a source map —
// behind a small start-up module. That module runs the program on a worker
// thread with a deep stack (runtime/main.ts, runProgram), as `valk run` does
// (spec §4.9), so the output needs nothing but `node`.

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { compileUnit, specifier, standardModule, type Unit } from './compile.js';

export interface BuildOptions {
  readonly entry: string;
  readonly outFile: string;
  readonly format: 'esm' | 'cjs';
  readonly minify: boolean;
}

/** The package's built files, which the bundle takes the runtime and standard library from. */
const DIST = fileURLToPath(new URL('../', import.meta.url));

/** Compiles the entry and everything it loads literally into `outDir`; returns the entry's module and the status. */
function compileReachable(entry: string, outDir: string): { main: string; status: number } {
  const root = dirname(entry);
  const unitOf = (file: string): Unit => ({ file, root, out: join(outDir, relative(root, file).replace(/\.valk$/, '') + '.js') });
  const first = unitOf(entry);
  const queue = [first];
  const seen = new Set([entry]);
  let status = 0;
  while (queue.length > 0) {
    const u = queue.shift()!;
    status = Math.max(
      status,
      compileUnit(u, (path) => {
        const target = resolve(root, path);
        if (!isFile(target)) return standardModule(path);
        if (!seen.has(target)) {
          seen.add(target);
          queue.push(unitOf(target));
        }
        return specifier(u.out, unitOf(target).out);
      }),
    );
  }
  return { main: first.out, status };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The bundle's entry: the program on a thread with a deep stack, its exit status the process's. */
function startModule(main: string, format: 'esm' | 'cjs'): string {
  const self = format === 'esm' ? 'import.meta.url' : "require('node:url').pathToFileURL(__filename).href";
  return `import { runProgram } from 'valk/runtime';
import { main } from ${JSON.stringify(main)};
runProgram(main, ${self});
`;
}

/** `valk/runtime` and `valk/stdlib/*` come from this package's own build. */
const resolveValk: esbuild.Plugin = {
  name: 'valk-runtime',
  setup(build) {
    build.onResolve({ filter: /^valk\/(runtime|stdlib\/.+)$/ }, (args) => ({
      path: args.path === 'valk/runtime' ? join(DIST, 'runtime', 'entry.js') : join(DIST, args.path.slice('valk/'.length)),
    }));
  },
};

export async function build(options: BuildOptions): Promise<number> {
  const entry = resolve(options.entry);
  if (!isFile(entry)) {
    process.stderr.write(`valk: cannot build ${options.entry}: no such file\n`);
    return 2;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'valk-build-'));
  try {
    const { main, status } = compileReachable(entry, scratch);
    if (status !== 0) return status;
    const start = join(scratch, 'valk-start.mjs');
    writeFileSync(start, startModule(main, options.format));
    const result = await esbuild.build({
      entryPoints: [start],
      outfile: resolve(options.outFile),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: options.format,
      minify: options.minify,
      sourcemap: true,
      plugins: [resolveValk],
      logLevel: 'silent',
      metafile: true,
    });
    for (const w of result.warnings) process.stderr.write(`valk: warning: ${w.text}\n`);
    const out = Object.entries(result.metafile.outputs).find(([path]) => !path.endsWith('.map'));
    const bytes = out === undefined ? 0 : out[1].bytes;
    process.stderr.write(`valk: built ${relative(process.cwd(), resolve(options.outFile))} (${(bytes / 1024).toFixed(1)} KiB)\n`);
    return 0;
  } catch (e) {
    const failure = e as { errors?: esbuild.Message[] };
    for (const m of failure.errors ?? [{ text: (e as Error).message } as esbuild.Message]) process.stderr.write(`valk: ${m.text}\n`);
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
