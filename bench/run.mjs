// Benchmark harness: runs each program in bench/programs/ as hand-written
// JavaScript (NAME.js, `run()`) and as Valkyria (NAME.valk, global `bench`)
// in every execution mode, checks that all of them return the same result,
// times each with tinybench, and prints a table of times and valk/JS ratios.
// Then it measures how fast the compiler compiles: a generated program of
// about 12 000 lines (gen-program.mjs), the bench programs and the prelude.
//
//   node bench/run.mjs [--quick] [--mode NAME]... [--compile-speed-only | --no-compile-speed] [PROGRAM...]
//
// Needs the runtime and compiler built into dist/ (`npm run bench` builds them
// first). Exits 1 when a result disagrees with the JavaScript one, a program
// fails, or the generated program prints an Error; 2 on bad arguments.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { display } from '../dist/runtime/printer.js';
import { Session } from '../dist/runtime/session.js';
import { listFromArray, sym } from '../dist/runtime/values.js';
import { compilingLoader } from '../dist/cli/loader.js';
import { compile } from '../dist/compiler/index.js';
import { generateProgram } from './gen-program.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** The project root: the working directory of every session, so `(load "src/prelude.valk")` resolves. */
const ROOT = dirname(BENCH_DIR);
/**
 * Program folders (`--suite NAME`), each with its table order (programs found but
 * not named come after, alphabetically) and the modes it runs by default.
 */
const SUITES = {
  programs: {
    order: ['fib', 'tak', 'ackermann', 'nqueens', 'deriv', 'primes', 'strings', 'mapfilter'],
    modes: ['compiled', 'compiled-in-reset', 'compiled-nofast', 'interpret'],
  },
  continuations: { order: ['shift1m', 'choices', 'ctak', 'fibc'], modes: ['compiled', 'interpret'] },
};

// ---------------------------------------------------------------------------
// Execution modes.
//
// Each mode maps a .valk path to a zero-argument function that runs the
// program's `bench` once and returns the resulting runtime Value. Loading the
// file (and any compilation) happens in the mode function, outside the
// measured time. `sink` collects the program's output: the programs print
// nothing, so any output (an Error report from loading, say) fails the check.
// Everything else picks the modes up from this table.
// ---------------------------------------------------------------------------

/** @type {Record<string, (path: string, sink: (fd: 1 | 2, bytes: Buffer) => void) => () => unknown>} */
const MODES = {
  compiled: (path, sink) => load(path, { sink, loader: compilingLoader() }),
  'compiled-nofast': (path, sink) => load(path, { sink, loader: compilingLoader(), fastPaths: false }),
  interpret: (path, sink) => load(path, { sink }),
  // The same compiled program run inside an async-reset, where a shift could capture it.
  'compiled-in-reset': (path, sink) => load(path, { sink, loader: compilingLoader() }, true),
};

const IN_RESET = listFromArray([sym('bench')], true);

function load(path, options, inReset = false) {
  const session = new Session({ cwd: ROOT, ...options });
  session.runFile(path);
  session.out.flush();
  if (inReset) return () => session.callGlobal('async-reset', [IN_RESET]);
  return () => session.callGlobal('bench');
}

// ---------------------------------------------------------------------------
// Options.
// ---------------------------------------------------------------------------

const USAGE = `usage: node bench/run.mjs [--suite NAME] [--quick] [--mode NAME]... [--compile-speed-only | --no-compile-speed] [PROGRAM...]
  PROGRAM               run only these programs (default: all in the suite's folder)
  --suite NAME          the programs of bench/NAME/: ${Object.keys(SUITES).join(', ')} (default: programs)
  --mode NAME           run only this execution mode (repeatable; modes: ${Object.keys(MODES).join(', ')}; default: the suite's)
  --quick               fewer iterations: a rough figure in a fraction of the time
  --compile-speed-only  only the compile-speed section (no execution table)
  --no-compile-speed    only the execution table`;

function parseArgs(argv) {
  const opts = { quick: false, modes: [], programs: [], table: true, compileSpeed: true, suite: 'programs' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--compile-speed-only') opts.table = false;
    else if (a === '--no-compile-speed') opts.compileSpeed = false;
    else if (a === '--mode') opts.modes.push(argv[++i]);
    else if (a === '--suite') opts.suite = argv[++i];
    else if (a.startsWith('--mode=')) opts.modes.push(a.slice('--mode='.length));
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option ${a}\n${USAGE}`);
    else opts.programs.push(a.replace(/\.(valk|js)$/, ''));
  }
  for (const m of opts.modes) if (!(m in MODES)) fail(`unknown mode ${m}; modes: ${Object.keys(MODES).join(', ')}`);
  if (!(opts.suite in SUITES)) fail(`unknown suite ${opts.suite}; suites: ${Object.keys(SUITES).join(', ')}`);
  if (opts.modes.length === 0) opts.modes = SUITES[opts.suite].modes;
  if (!opts.table && !opts.compileSpeed) fail(`--compile-speed-only and --no-compile-speed leave nothing to run\n${USAGE}`);
  return opts;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

/** A suite's programs with both a .valk and a .js file, in table order. */
function discoverPrograms(suite) {
  const files = readdirSync(join(BENCH_DIR, suite));
  const names = files
    .filter((f) => f.endsWith('.valk') && files.includes(basename(f, '.valk') + '.js'))
    .map((f) => basename(f, '.valk'));
  const order = SUITES[suite].order;
  const rank = (n) => (order.includes(n) ? order.indexOf(n) : order.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

// ---------------------------------------------------------------------------
// Results.
// ---------------------------------------------------------------------------

/**
 * The display form (spec §3.2) of a JavaScript result, to compare with the
 * display form of the Valk value: arrays show as Q-expressions, the empty
 * array and null as Nil, strings raw (symbols are strings on the JS side).
 */
function jsDisplay(v) {
  if (v === null || (Array.isArray(v) && v.length === 0)) return '()';
  if (Array.isArray(v)) return `{${v.map(jsDisplay).join(' ')}}`;
  return String(v);
}

function collector() {
  const chunks = [];
  const sink = (fd, bytes) => chunks.push(bytes.toString('latin1'));
  return { sink, text: () => chunks.join('') };
}

// ---------------------------------------------------------------------------
// Measuring.
// ---------------------------------------------------------------------------

/**
 * tinybench settings. A task runs until both its time budget and its minimum
 * iteration count are met, so a fast JS task gets many samples and a slow
 * interpreted one gets the minimum. Medians are reported. With --quick the
 * JS side is still warmed up (it is cheap, and cold JIT figures would make
 * the ratios meaningless); a valk mode has already run once for the result
 * check and is then timed for a single iteration.
 */
function benchOptions(quick, isJs) {
  if (!quick) return { time: 1500, iterations: 8, warmupTime: 500, warmupIterations: 2 };
  return isJs
    ? { time: 200, iterations: 5, warmupTime: 100, warmupIterations: 1 }
    : { time: 0, iterations: 1, warmup: false };
}

/** Median time in ms of `fn`, measured by tinybench. */
function measure(name, fn, quick, isJs) {
  let keep;
  const bench = new Bench({ name, throws: true, ...benchOptions(quick, isJs) });
  bench.add(name, () => {
    keep = fn();
  }, { async: false });
  bench.runSync();
  const r = bench.tasks[0].result;
  if (!('latency' in r)) throw new Error(`${name}: no statistics (${r.state})`);
  void keep;
  return { median: r.latency.p50, rme: r.latency.rme, samples: r.latency.samplesCount };
}

/**
 * Loads a .valk program in one mode, checks its result against the JS one and
 * times it: the median in ms, or the problem. Runs on a thread of its own
 * (see measureMode).
 */
function runMode({ valkPath, mode, expected, quick }) {
  let call;
  const out = collector();
  try {
    call = MODES[mode](valkPath, out.sink);
    const actual = display(call());
    if (actual !== expected) return { problem: `result ${JSON.stringify(actual)}, JS gave ${JSON.stringify(expected)}` };
    if (out.text() !== '') return { problem: `printed ${JSON.stringify(out.text())}` };
  } catch (e) {
    return { problem: `threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
  }
  return { median: measure(`${mode}`, call, quick, false).median };
}

/**
 * runMode on a fresh thread (with the deep stack this one has): modes loaded
 * into one process share the compiled module's functions, and the JS engine's
 * feedback from one mode would then shape the code another mode runs.
 */
function measureMode(valkPath, mode, expected, quick) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { valkPath, mode, expected, quick }, resourceLimits: { stackSizeMb: 1024 } });
    worker.once('message', (result) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the thread measuring ${mode} exited with ${code}`)));
  });
}

// ---------------------------------------------------------------------------
// Output.
// ---------------------------------------------------------------------------

function fmtMs(ms) {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

function fmtRatio(r) {
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------
// The execution table.
// ---------------------------------------------------------------------------

/** The execution table; returns the number of failures. */
async function runTable(opts, programs) {
  console.log('times are medians in ms; ratio = valk time / JS time');
  let failures = 0;
  const rows = [];
  const others = [];
  const ratios = Object.fromEntries(opts.modes.map((m) => [m, []]));

  for (const name of programs) {
    const valkPath = join(BENCH_DIR, opts.suite, `${name}.valk`);
    const { run, alternatives = {} } = await import(pathToFileURL(join(BENCH_DIR, opts.suite, `${name}.js`)).href);
    const expected = jsDisplay(run());
    const js = measure(`${name} js`, run, opts.quick, true);
    const row = [name, expected.length > 24 ? expected.slice(0, 21) + '...' : expected, fmtMs(js.median)];
    const cells = [];
    for (const mode of opts.modes) {
      const r = await measureMode(valkPath, mode, expected, opts.quick);
      if (r.problem !== undefined) {
        failures++;
        console.error(`FAIL ${name} [${mode}]: ${r.problem}`);
        cells.push('FAIL', '-');
        continue;
      }
      const ratio = r.median / js.median;
      ratios[mode].push(ratio);
      cells.push(fmtMs(r.median), fmtRatio(ratio));
    }
    rows.push([...row, ...cells]);
    // Other JavaScript baselines a program offers (a different technique for the same work).
    for (const [label, fn] of Object.entries(alternatives)) {
      const alt = measure(`${name} ${label}`, fn, opts.quick, true);
      const same = jsDisplay(fn()) === expected;
      if (!same) failures++;
      others.push(`  ${name}: JavaScript with ${label}: ${fmtMs(alt.median)} ms${same ? '' : ' (RESULT DIFFERS)'}; the table's JS is ${fmtRatio(alt.median / js.median)}x faster`);
    }
    console.error(`  ${name}: done`);
  }

  console.log('');
  const header = ['program', 'result', 'JS ms'];
  for (const m of opts.modes) header.push(`${m} ms`, `${m}/JS`);
  const geo = ['geometric mean', '', ''];
  for (const m of opts.modes) {
    const rs = ratios[m];
    geo.push('', rs.length === 0 ? '-' : fmtRatio(Math.exp(rs.reduce((s, r) => s + Math.log(r), 0) / rs.length)));
  }
  printTable(header, [...rows, geo]);
  if (others.length > 0) console.log(['', 'other JavaScript baselines:', ...others].join('\n'));
  return failures;
}

// ---------------------------------------------------------------------------
// Compile speed.
//
// Times `compile()` from dist/compiler (reader, analyzer, emitter and source
// map; no file I/O) on the text of each input, after a warm-up, and reports
// the median time per compile and the throughput in source lines per second
// (every line counts, blank lines and comments included). The main input is
// a generated program (gen-program.mjs, fixed seed), which is first run once
// with the evaluator and must print no Error: timing the compilation of code
// that does not run would measure nothing useful.
// ---------------------------------------------------------------------------

const GENERATED_LINES = 12000;
const GENERATED_SEED = 1;
/** Throughput the compiler is measured against, in lines per second. */
const TARGET_LINES_PER_S = 50000;
const PRELUDE = join(ROOT, 'runtime', 'stdlib', 'prelude.valk');

function countLines(text) {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/**
 * Runs the generated program with the evaluator; returns a description of
 * the problem, or undefined when it printed no Error and reached its end.
 */
function checkGenerated(text) {
  const dir = mkdtempSync(join(tmpdir(), 'valk-bench-'));
  const path = join(dir, 'generated.valk');
  const out = collector();
  try {
    writeFileSync(path, text, 'latin1');
    const session = new Session({ cwd: ROOT, sink: out.sink });
    session.runFile(path);
    session.out.flush();
  } catch (e) {
    return `threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = out.text().split('\n');
  const errors = lines.filter((l) => l.includes('Error'));
  if (errors.length > 0) return `printed ${errors.length} Error line(s), the first: ${errors[0]}`;
  if (lines.at(-2) !== 'done') return `did not reach its end; last line: ${JSON.stringify(lines.at(-2))}`;
  return undefined;
}

/**
 * Median ms of compile(path, text) and the size of the JavaScript it produces.
 * Each phase (warm-up, then measurement) runs until it has both its minimum
 * number of compiles and its minimum time; an input that takes over a
 * second to compile gets one warm-up compile and five measured ones, and
 * --quick gives every input one warm-up compile and three measured ones.
 */
function timeCompile(path, text, quick) {
  const options = { format: 'esm', runtime: 'valk/runtime', outFile: basename(path).replace(/\.valk$/, '.js') };
  let outChars = 0;
  const once = () => {
    const t0 = performance.now();
    const r = compile(path, text, options);
    const ms = performance.now() - t0;
    if (r.readError !== undefined) throw new Error(`${path}: read error ${r.readError.message}`);
    outChars = r.code.length;
    return ms;
  };
  const run = (minIters, minMs, samples = []) => {
    const start = performance.now();
    while (samples.length < minIters || performance.now() - start < minMs) samples.push(once());
    return samples;
  };
  // The first compile is always part of the warm-up.
  const slow = once() > 1000;
  if (!quick && !slow) run(2, 500);
  const samples = (quick ? run(3, 0) : slow ? run(5, 0) : run(10, 1500)).sort((x, y) => x - y);
  const mid = samples.length >> 1;
  const median = samples.length % 2 === 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { median, samples: samples.length, outChars };
}

function fmtKB(chars) {
  const kb = chars / 1024;
  return kb < 10 ? kb.toFixed(1) : fmtInt(kb);
}

function fmtInt(n) {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** The compile-speed section; returns the number of failures. */
function runCompileSpeed(opts) {
  console.log('');
  console.log(`compile speed: compile() from dist/compiler, median of several runs after a warm-up; target ${fmtInt(TARGET_LINES_PER_S)} lines/s`);
  const text = generateProgram({ lines: GENERATED_LINES, seed: GENERATED_SEED });
  const problem = checkGenerated(text);
  if (problem !== undefined) {
    console.error(`FAIL generated program (seed ${GENERATED_SEED}): ${problem}`);
    return 1;
  }
  const inputs = [{ label: `generated (seed ${GENERATED_SEED})`, path: join(BENCH_DIR, 'generated.valk'), text }];
  for (const name of discoverPrograms('programs')) {
    const path = join(BENCH_DIR, 'programs', `${name}.valk`);
    inputs.push({ label: `programs/${name}.valk`, path, text: readFileSync(path).toString('latin1'), program: true });
  }
  inputs.push({ label: 'prelude.valk', path: PRELUDE, text: readFileSync(PRELUDE).toString('latin1') });

  const rows = [];
  const programTotals = { lines: 0, ms: 0, outChars: 0, bytes: 0 };
  let generated;
  for (const input of inputs) {
    const lines = countLines(input.text);
    const r = timeCompile(input.path, input.text, opts.quick);
    const perS = (lines / r.median) * 1000;
    if (generated === undefined) generated = perS;
    if (input.program) {
      programTotals.lines += lines;
      programTotals.ms += r.median;
      programTotals.outChars += r.outChars;
      programTotals.bytes += input.text.length;
    }
    rows.push([input.label, fmtInt(lines), fmtKB(input.text.length), fmtMs(r.median), fmtInt(perS), fmtKB(r.outChars), String(r.samples)]);
    console.error(`  compile ${input.label}: done`);
  }
  const t = programTotals;
  rows.splice(rows.length - 1, 0, ['all bench programs', fmtInt(t.lines), fmtKB(t.bytes), fmtMs(t.ms), fmtInt((t.lines / t.ms) * 1000), fmtKB(t.outChars), '']);
  printTable(['input', 'lines', 'KB', 'ms/compile', 'lines/s', 'JS out KB', 'runs'], rows);
  const verdict = generated >= TARGET_LINES_PER_S ? 'meets' : 'does NOT meet';
  console.log(`generated program: ${fmtInt(generated)} lines/s, ${verdict} the target of ${fmtInt(TARGET_LINES_PER_S)} lines/s (${(generated / TARGET_LINES_PER_S).toFixed(2)}x)`);
  return 0;
}

// ---------------------------------------------------------------------------
// Main.
// ---------------------------------------------------------------------------

// Compiled programs recurse on the JS stack (the 100 000-element map does so
// 100 000 deep), so the harness runs on a thread with a deep stack, as `valk run` does.
if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url), { argv: process.argv.slice(2), resourceLimits: { stackSizeMb: 1024 } });
  worker.on('exit', (code) => process.exit(code));
  await new Promise(() => {});
}
// A thread measuring one mode of one program (measureMode), which ends it once it has the answer.
if (workerData?.mode !== undefined) {
  parentPort.postMessage(runMode(workerData));
  await new Promise(() => {});
}

const opts = parseArgs(process.argv.slice(2));
const available = discoverPrograms(opts.suite);
for (const p of opts.programs) if (!available.includes(p)) fail(`no program ${p}; programs: ${available.join(', ')}`);
const programs = opts.programs.length > 0 ? available.filter((p) => opts.programs.includes(p)) : available;

console.log(
  `valk benchmarks: ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ` +
    `${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}` +
    (opts.quick ? ', --quick' : ''),
);

let failures = 0;
if (opts.table) failures += await runTable(opts, programs);
// Compile speed is measured on the main suite's programs only.
if (opts.compileSpeed && opts.suite === 'programs') failures += runCompileSpeed(opts);
if (failures > 0) {
  console.error(`\n${failures} check(s) failed`);
  process.exit(1);
}
