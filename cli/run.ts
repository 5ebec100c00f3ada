// `valk run FILE...`: script mode (spec §1) over one shared global environment.

import { accessSync, constants, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { PROGRAM_STACK_MB } from '../runtime/main.js';
import { Session } from '../runtime/session.js';
import { compilingLoader } from './loader.js';

/** Why a file given on the command line cannot be run, or undefined if it can. */
export function unreadable(path: string): string | undefined {
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
  /** Evaluate instead of compiling. */
  readonly interpret: boolean;
  /** Let compiled code take its fast paths (false forces the generic paths, for testing them). */
  readonly fastPaths: boolean;
}

/** Runs the program on a thread with a deep stack; resolves to the process exit status. */
export function runFiles(options: RunOptions): Promise<number> {
  for (const f of options.files) {
    const why = unreadable(f);
    if (why !== undefined) {
      process.stderr.write(`valk: cannot run ${f}: ${why}\n`);
      return Promise.resolve(2);
    }
  }
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./program-thread.js', import.meta.url), {
      workerData: options,
      resourceLimits: { stackSizeMb: PROGRAM_STACK_MB },
    });
    worker.on('error', (e) => {
      process.stderr.write(`valk: internal error: ${e.stack ?? e.message}\n`);
      resolve(70);
    });
    worker.on('exit', (code) => resolve(code));
  });
}

/** Runs the program on the current thread; resolves to its exit status once its main fiber has ended. */
export async function runHere(options: RunOptions): Promise<number> {
  if (!options.interpret) process.setSourceMapsEnabled(true);
  const session = new Session({ fastPaths: options.fastPaths, loader: options.interpret ? undefined : compilingLoader() });
  const prelude = options.prelude ? [session.resolveLoad('src/prelude.valk')] : [];
  // Nothing left that could wake the main fiber: say so rather than end silently.
  const stuck = () => {
    session.out.writeErr('valk: the program waits for an event that can no longer happen; ending it\n');
    process.exitCode = session.end();
  };
  process.once('beforeExit', stuck);
  await session.runFiles([...prelude, ...options.files]);
  process.off('beforeExit', stuck);
  return session.end();
}
