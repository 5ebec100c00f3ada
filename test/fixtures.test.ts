// Runs every fixture through `valk run` as a child process, in each execution
// mode, and compares stdout, exit status and (where a .err file exists) stderr
// byte for byte: compiled, evaluated, and compiled with every fast path off.

import test from 'ava';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { loadFixtures, normalize, VALK_BIN } from './fixture-files.js';

interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

// Spawning every fixture at once would only make each one slower.
let running = 0;
const waiting: Array<() => void> = [];
async function limited<T>(job: () => Promise<T>): Promise<T> {
  if (running >= availableParallelism()) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await job();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const MODES: Record<string, string[]> = {
  compiled: [],
  interpret: ['--interpret'],
  'no-fast-paths': ['--no-fast-paths'],
};

function run(file: string, cwd: string, flags: string[]): Promise<Result> {
  return limited(() => spawnValk(file, cwd, flags));
}

function spawnValk(file: string, cwd: string, flags: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [VALK_BIN, 'run', ...flags, basename(file)],
      { cwd, encoding: 'latin1', maxBuffer: 1 << 28, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

for (const f of loadFixtures()) {
  for (const [mode, flags] of Object.entries(MODES)) test(`${f.name} [${mode}]`, async (t) => {
    const r = await run(f.file, f.dir, flags);
    t.is(normalize(r.stdout), f.stdout, 'stdout');
    t.is(r.code, f.code, `exit status (stderr: ${r.stderr.slice(0, 500)})`);
    if (f.stderr !== undefined) t.is(r.stderr, f.stderr, 'stderr');
  });
}
