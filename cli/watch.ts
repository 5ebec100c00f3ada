// `valk compile --watch`: compile, then recompile whenever a .valk file under
// the sources changes, until interrupted.

import { statSync, watch } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { compileUnits, plan, type CompileTreeOptions } from './compile.js';
import { paint } from './style.js';

/** Changes arriving within this many ms are compiled together (editors write in several steps). */
const SETTLE_MS = 50;
/** Long enough for recursive watching to be in place. */
const SETUP_MS = 500;

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

export function watchTree(options: CompileTreeOptions): Promise<number> {
  const first = plan(options);
  if (typeof first === 'number') return Promise.resolve(first);
  const seen = new Map<string, number>();
  const compileChanged = (): void => {
    const units = plan(options);
    if (typeof units === 'number') return;
    const changed = new Set(units.filter((u) => seen.get(u.file) !== mtime(u.file)).map((u) => u.file));
    if (changed.size === 0) return;
    for (const f of changed) seen.set(f, mtime(f));
    const t0 = performance.now();
    const status = compileUnits(units, options, changed);
    const names = [...changed].map((f) => relative(process.cwd(), f)).join(', ');
    const ms = Math.round(performance.now() - t0);
    const line = `valk: ${status === 0 ? 'compiled' : 'compiled with errors'} ${names} (${ms} ms); watching for changes`;
    process.stderr.write(`${paint(status === 0 ? 'green' : 'red', line, process.stderr)}\n`);
  };
  // Watch first, then compile: a change made while the first compile runs is seen.
  let timer: NodeJS.Timeout | undefined;
  const roots = new Set(options.sources.map((s) => {
    const p = resolve(s);
    return statSync(p).isDirectory() ? p : dirname(p);
  }));
  for (const root of roots) {
    watch(root, { recursive: true }, (_event, name) => {
      if (name !== null && !String(name).endsWith('.valk')) return;
      clearTimeout(timer);
      timer = setTimeout(compileChanged, SETTLE_MS);
    });
  }
  compileChanged();
  // Node sets up recursive watching of subfolders in the background: look once more after that.
  setTimeout(compileChanged, SETUP_MS);
  // Runs until the process is interrupted.
  return new Promise(() => {});
}
