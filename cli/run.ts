// `valk run FILE...`: script mode (spec §1) over one shared global environment.

import { accessSync, constants, statSync } from 'node:fs';
import { Session } from '../runtime/session.js';

/** Why a file given on the command line cannot be run, or undefined if it can. */
function unreadable(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return 'is a directory';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'permission denied';
    return (e as Error).message;
  }
}

export interface RunOptions {
  readonly files: readonly string[];
  readonly prelude: boolean;
}

/** Runs the program and returns the process exit status. */
export function runFiles(options: RunOptions): number {
  for (const f of options.files) {
    const why = unreadable(f);
    if (why !== undefined) {
      process.stderr.write(`valk: cannot run ${f}: ${why}\n`);
      return 2;
    }
  }
  const session = new Session();
  if (options.prelude) session.runFile(session.resolveLoad('src/prelude.valk'));
  for (const f of options.files) session.runFile(f);
  session.out.flush();
  return session.exitCode();
}
