// Differential test: random well-formed, terminating programs
// (test/program-arbitraries.ts) run compiled, compiled with every fast-path
// guard failing, compiled with no specialised forms at all, compiled with every
// top-level form that is not a definition inside an `async-reset` (where the
// evaluator runs compiled functions from their data, so a shift could capture
// them), and evaluated, each in a fresh session; stdout must be the same byte
// for byte.
//
// The runs happen on a worker thread with a deep stack (compiled code recurses
// on the JS stack, as under `valk run`) and a watchdog: a mode that does not
// finish a program the evaluator finishes is a divergence too, and the worker
// is replaced.
//
// Seeded, so failures reproduce; VALK_FC_SEED explores other seeds and
// VALK_FC_SCALE (e.g. 10) multiplies the number of runs.

import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseProgram, Source } from '../runtime/reader.js';
import { Cons, sym, type Sym } from '../runtime/values.js';
import { continuationProgramArb } from './continuation-arbitraries.js';
import { listProgramArb, numericProgramArb, shiftingProgramArb } from './fast-body-arbitraries.js';
import { differentialProgramArb, hostileProgramArb, minimiseProgram, preludeProgramArb } from './program-arbitraries.js';

const SEED = Number(process.env.VALK_FC_SEED ?? 20260214);
const SCALE = Number(process.env.VALK_FC_SCALE ?? 1);

function params(numRuns: number, salt: number): fc.Parameters<[string]> {
  return { seed: SEED + salt, numRuns: Math.max(1, Math.round(numRuns * SCALE)) };
}

const scratch = mkdtempSync(join(tmpdir(), 'valk-differential-'));

const MODES = ['compiled', 'compiled, no fast paths', 'compiled generically', 'compiled, under resets', 'evaluated'] as const;
type ModeName = (typeof MODES)[number];
/** For programs that shift outside every reset on purpose, where an added reset would catch the shift. */
const WITHOUT_ADDED_RESETS = MODES.filter((m) => m !== 'compiled, under resets');

/** Generated programs end by construction; the budget only catches a generator that breaks that promise. */
const FUEL = 500_000;
/** A mode that takes longer than this on a generated program (they take milliseconds) is taken not to end. */
const WATCHDOG_MS = 10_000;

interface Outcome {
  readonly stdout: string;
  readonly stderr: string;
  /** The mode did not finish within the watchdog's time. */
  readonly hung?: boolean;
}

interface WorkerSetup {
  readonly session: string;
  readonly loader: string;
  readonly cacheDir: string;
  readonly cwd: string;
  readonly fuel: number;
}

/** The worker's code (run as a CommonJS script): sessions for each mode, one program run per message. */
function workerMain(): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const setup = workerData as WorkerSetup;
  const ready = (async () => {
    const { Session } = (await import(setup.session)) as typeof import('../runtime/session.js');
    const { compilingLoader } = (await import(setup.loader)) as typeof import('../cli/loader.js');
    const loader = compilingLoader({ cacheDir: setup.cacheDir });
    const generic = compilingLoader({ cacheDir: setup.cacheDir, generic: true });
    const options: Record<string, { loader?: typeof loader; fastPaths: boolean }> = {
      compiled: { loader, fastPaths: true },
      'compiled, no fast paths': { loader, fastPaths: false },
      'compiled generically': { loader: generic, fastPaths: true },
      'compiled, under resets': { loader, fastPaths: true },
      evaluated: { fastPaths: true },
    };
    return (file: string, mode: string): Outcome => {
      let stdout = '';
      let stderr = '';
      const session = new Session({
        cwd: setup.cwd,
        fuel: setup.fuel,
        ...options[mode],
        sink: (fd, bytes) => {
          if (fd === 1) stdout += bytes.toString('latin1');
          else stderr += bytes.toString('latin1');
        },
      });
      try {
        session.runFile(file);
        session.out.flush();
      } catch (e) {
        stdout += `\n<<host exception: ${e instanceof Error ? e.message : String(e)}>>`;
      }
      return { stdout, stderr };
    };
  })();
  parentPort!.on('message', (msg: { file: string; mode: string }) => {
    void ready.then((run) => parentPort!.postMessage(run(msg.file, msg.mode)));
  });
}

const setup: WorkerSetup = {
  session: new URL('../runtime/session.js', import.meta.url).href,
  loader: new URL('../cli/loader.js', import.meta.url).href,
  cacheDir: join(scratch, 'cache'),
  cwd: scratch,
  fuel: FUEL,
};

let worker: Worker | undefined;

function startWorker(): Worker {
  // A deep stack, as `valk run` gives programs (cli/run.ts).
  const w = new Worker(`(${workerMain.toString()})()`, { eval: true, workerData: setup, resourceLimits: { stackSizeMb: 64 } });
  // A run fast-check abandoned at its time limit may start one after the tests end: it must not keep the process alive.
  w.unref();
  return w;
}

/** Runs one mode on the worker; a run past the watchdog's time replaces the worker. */
function runOnWorker(mode: ModeName, file: string): Promise<Outcome> {
  if (finished) return Promise.resolve({ stdout: '', stderr: '', hung: true });
  const w = (worker ??= startWorker());
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      w.removeAllListeners();
      void w.terminate();
      worker = undefined;
      resolve({ stdout: '', stderr: '', hung: true });
    }, WATCHDOG_MS);
    w.once('message', (o: Outcome) => {
      clearTimeout(timer);
      w.removeAllListeners('error');
      resolve(o);
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      w.removeAllListeners();
      void w.terminate();
      worker = undefined;
      resolve({ stdout: `<<worker failed: ${e.message}>>`, stderr: '' });
    });
    w.postMessage({ file, mode });
  });
}

// One run at a time: a property run that fast-check abandoned at its time limit
// may still be going when the counterexample is checked again.
let queue: Promise<unknown> = Promise.resolve();
function runIn(mode: ModeName, file: string): Promise<Outcome> {
  const next = queue.then(() => runOnWorker(mode, file));
  queue = next;
  return next;
}

/** Set when the tests are over: runs still queued then are not started. */
let finished = false;

test.after.always(async () => {
  finished = true;
  await worker?.terminate();
  rmSync(scratch, { recursive: true, force: true });
});

function show(s: string): string {
  return s.length > 4000 ? s.slice(0, 4000) + `… (${s.length} bytes)` : s;
}

let counter = 0;

const DEFINING = new Set(['def', 'fun', '=', 'load'].map(sym));

/**
 * The program with each top-level call that is not a definition wrapped in
 * `(async-reset {...})`, which gives the call's own value when nothing shifts
 * (other forms would change meaning: a body `{f}` calls f).
 * Definitions stay outside, so the functions are compiled and the wrapped
 * forms call them through the evaluator.
 */
function withResets(text: string): string {
  const { forms, starts, error } = parseProgram(new Source('p.valk', text));
  if (error !== undefined) return text;
  return forms
    .map((f, i) => {
      // The form's own text, up to the next form: comments after it end on the line break.
      const source = text.slice(starts[i], starts[i + 1] ?? text.length);
      return f instanceof Cons && !f.quoted && !DEFINING.has(f.head as Sym) ? `(async-reset {${source}\n})\n` : source;
    })
    .join('');
}

interface Verdict {
  readonly ok: boolean;
  /** The evaluator did not finish it: the program is not a valid test (generator or minimiser slip). */
  readonly endless: boolean;
  /** Which modes went wrong and how, to keep minimising the same failure. */
  readonly signature: string;
  readonly message: string;
}

/** Runs the program every way (or only in the given modes besides the evaluator) and compares. */
async function judge(text: string, only?: readonly ModeName[]): Promise<Verdict> {
  const file = join(scratch, `p${counter}.valk`);
  writeFileSync(file, Buffer.from(text, 'latin1'));
  const underResets = join(scratch, `p${counter++}.reset.valk`);
  writeFileSync(underResets, Buffer.from(withResets(text), 'latin1'));
  const modes = MODES.filter((m) => m === 'evaluated' || only === undefined || only.includes(m));
  const outcomes: Outcome[] = [];
  for (const mode of modes) outcomes.push(await runIn(mode, mode === 'compiled, under resets' ? underResets : file));
  const reference = outcomes[modes.length - 1];
  if (reference.hung || /call budget exhausted/.test(reference.stdout)) {
    return { ok: false, endless: true, signature: 'endless', message: `the generator made a program that does not end:\n${text}` };
  }
  const problems: string[] = [];
  const signature: string[] = [];
  outcomes.forEach((o, i) => {
    const mode = modes[i];
    if (o.hung) problems.push(`${mode} did not finish in ${WATCHDOG_MS} ms`);
    // stderr carries the CLI's diagnostics for top-level Errors; only the compiler giving up is a problem here.
    if (/internal compiler error/.test(o.stderr)) problems.push(`${mode}: ${show(o.stderr)}`);
    if (/Internal error|host exception|worker failed/.test(o.stdout)) problems.push(`${mode} hit a host exception`);
    if (o.hung) signature.push(`${mode}: hung`);
    else if (o.stdout !== reference.stdout) signature.push(`${mode}: differs`);
    else if (/internal compiler error/.test(o.stderr) || /Internal error|host exception|worker failed/.test(o.stdout)) signature.push(`${mode}: failed`);
  });
  if (outcomes.some((o) => !o.hung && o.stdout !== reference.stdout)) problems.push('stdout differs');
  if (problems.length === 0) return { ok: true, endless: false, signature: '', message: '' };
  const outputs = outcomes.map((o, i) => `--- ${modes[i]}:\n${o.hung ? '(did not finish)' : show(o.stdout)}`).join('\n');
  return { ok: false, endless: false, signature: signature.join(', '), message: `${problems.join('; ')}\n--- program:\n${text}${outputs}` };
}



/**
 * Checks the property. A failure is shrunk by fast-check, then further by
 * syntactic edits that keep the same modes failing the same way, and reported
 * with every mode's output (the seed and path replay fast-check's run:
 * VALK_FC_SEED, and fast-check's `path` parameter).
 */
async function differential(t: ExecutionContext, arb: fc.Arbitrary<string>, numRuns: number, salt: number, modes: readonly ModeName[] = MODES): Promise<void> {
  const checkProgram = async (text: string): Promise<void> => {
    const v = await judge(text, modes);
    if (!v.ok) throw new Error(v.message);
  };
  const details = await fc.check(fc.asyncProperty(arb, checkProgram), { ...params(numRuns, salt), interruptAfterTimeLimit: 40_000 });
  if (details.failed && details.counterexample !== null) {
    const shrunk = details.counterexample[0];
    const first = await judge(shrunk, modes);
    let report = first.message || String(details.errorInstance);
    if (!first.ok && !first.endless) {
      const failing = MODES.filter((m) => first.signature.includes(`${m}:`));
      const same = async (text: string) => {
        const v = await judge(text, failing);
        return !v.ok && !v.endless && v.signature === first.signature;
      };
      const minimal = await minimiseProgram(shrunk, same, Date.now() + 40_000);
      if (minimal !== shrunk) report = `${(await judge(minimal, modes)).message}\n\n(minimised from fast-check's counterexample:\n${shrunk})`;
    }
    t.fail(`seed ${details.seed}, path ${details.counterexamplePath}, ${details.numShrinks} shrinks:\n${report}`);
    return;
  }
  t.false(details.failed, String(details.errorInstance));
  t.log(`${details.numRuns} programs${details.interrupted ? ' (interrupted by the time limit)' : ''}`);
}

test.serial('compiled, compiled without fast paths, compiled generically and evaluated programs print the same', async (t) => {
  await differential(t, differentialProgramArb, 300, 1);
});

test.serial('the same with names that mean something to JavaScript or look like generated identifiers', async (t) => {
  await differential(t, hostileProgramArb, 120, 2);
});

test.serial('the same after loading the prelude: fun, and map, filter and foldl built into compiled code', async (t) => {
  await differential(t, preludeProgramArb, 200, 3);
});

test.serial('the same for programs that capture and resume continuations (async-reset, async-shift), multi-shot included', async (t) => {
  await differential(t, continuationProgramArb, 150, 4, WITHOUT_ADDED_RESETS);
});

test.serial('the same for self-recursive integer functions, which compiled code runs on plain numbers until a value leaves the safe integers', async (t) => {
  await differential(t, numericProgramArb, 150, 5);
});

test.serial('the same for functions over lists that call themselves and each other, which compiled code runs in their fast bodies until something needs the general code', async (t) => {
  await differential(t, listProgramArb, 150, 6);
});

test.serial('the same for integer functions that shift, whose resets compiled code runs as continuation-passing fast bodies until something needs the general code', async (t) => {
  await differential(t, shiftingProgramArb, 150, 7, WITHOUT_ADDED_RESETS);
});
