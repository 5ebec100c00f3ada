// Running a module compiled ahead of time (`valk compile`) as a program.

import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { Session, type Instantiate } from './session.js';

/**
 * JS stack for running programs, in MiB. Compiled code recurses on the JS
 * stack, and the language asks for at least 100 000 nested calls (spec §4.9);
 * a worker thread is the one place Node lets a program choose its stack size.
 */
export const PROGRAM_STACK_MB = 1024;

const MARK = 'valk-program';

/**
 * Runs `main` as a program the way `valk run` does: on a thread with a deep stack,
 * its exit status the process's. Called by the entry module itself (a bundle from
 * `valk build`, or a .valk entry under the Node hooks): the main thread starts the
 * program's thread, which loads the entry again and runs it.
 */
export function runProgram(main: () => void, entryUrl: string): void {
  if (!isMainThread && workerData === MARK) {
    main();
    return;
  }
  // The thread inherits the process's `--import` options (the Node hooks), so it loads .valk files too.
  const thread = new Worker(new URL(entryUrl), { argv: process.argv.slice(2), workerData: MARK, resourceLimits: { stackSizeMb: PROGRAM_STACK_MB } });
  thread.on('exit', (code) => process.exit(code));
}

/** Script mode over one compiled module, then exit with VALK_EXIT_CODE (spec §1). */
export function runMain(instantiate: Instantiate): void {
  const session = new Session();
  session.runMain(instantiate, () => {
    // Pending timers and sockets are abandoned (spec §1.3).
    process.exit(session.end());
  });
}
