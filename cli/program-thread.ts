// The thread a program runs on (see runFiles in run.ts).

import { workerData } from 'node:worker_threads';
import { runHere, type RunOptions } from './run.js';

process.exit(runHere(workerData as RunOptions));
