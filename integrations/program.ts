// A `.valk` entry point under the Node hooks runs as a program the way
// `valk run` runs one: on a thread with a deep stack (spec §4.9), its exit
// status the process's.

import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { PROGRAM_STACK_MB } from '../cli/run.js';

const MARK = 'valk-program';

/** Called by the entry module itself: the main thread starts the program's thread, which loads the entry again and runs it. */
export function runProgram(main: () => void, entryUrl: string): void {
  if (!isMainThread && workerData === MARK) {
    main();
    return;
  }
  // The thread inherits `--import valk/register` from the process, so it loads .valk files too.
  const thread = new Worker(new URL(entryUrl), { argv: process.argv.slice(2), workerData: MARK, resourceLimits: { stackSizeMb: PROGRAM_STACK_MB } });
  thread.on('exit', (code) => process.exit(code));
}
