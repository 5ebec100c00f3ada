// Compile-on-demand for `valk run`: each file is compiled to a CommonJS module
// with a source map in a cache folder and loaded with require(), which is
// synchronous (so `load` can compile in the middle of a program) and lets
// Node map stack traces back to .valk lines.

import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as R from '../runtime/compiled.js';
import type { Source } from '../runtime/reader.js';
import type { Instantiate, Loader } from '../runtime/session.js';

const require = createRequire(import.meta.url);

/** The compiler (and Babel with it) is loaded only when something is not in the cache yet. */
function compiler(): typeof import('../compiler/index.js') {
  return require('../compiler/index.js') as typeof import('../compiler/index.js');
}

/** Changes whenever the compiler is rebuilt, so stale output is never reused. */
function compilerStamp(): string {
  const dir = fileURLToPath(new URL('../compiler/', import.meta.url));
  return ['analyze.js', 'emit.js'].map((f) => statSync(join(dir, f)).mtimeMs).join(':');
}

export interface LoaderOptions {
  /** Where compiled modules are kept; a per-user folder under the system temp dir by default. */
  readonly cacheDir?: string;
  /** Compile every form generically, with no specialised fast paths. */
  readonly generic?: boolean;
}

export function compilingLoader(options: LoaderOptions = {}): Loader {
  const dir = options.cacheDir ?? join(tmpdir(), `valk-cache-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true });
  const stamp = compilerStamp();
  return (src: Source, resolvedPath: string) => {
    const key = createHash('sha1').update(`${stamp}\0${options.generic ?? false}\0${resolvedPath}\0`).update(src.text, 'latin1').digest('hex');
    const name = `${basename(resolvedPath).replace(/[^A-Za-z0-9_.-]/g, '_')}-${key.slice(0, 16)}.cjs`;
    const file = join(dir, name);
    if (!existsSync(file)) {
      const compiled = compiler().compile(resolvedPath, src.text, { format: 'cjs', runtime: '', outFile: name, generic: options.generic });
      // Written under a temporary name and renamed, so a concurrent run never reads half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(`${file}.map`, JSON.stringify(compiled.map));
      writeFileSync(tmp, `${compiled.code}\n//# sourceMappingURL=${name}.map\n`);
      renameSync(tmp, file);
    }
    const factory = require(file) as (runtime: typeof R) => Instantiate;
    return factory(R);
  };
}
