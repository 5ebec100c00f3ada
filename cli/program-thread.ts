// The thread a program runs on (see runFiles in run.ts).

import { workerData } from 'node:worker_threads';
import { runHere, type RunOptions } from './run.js';

// Pending timers and sockets are abandoned when the program ends (spec §1.3).
process.exit(await runHere(workerData as RunOptions));
