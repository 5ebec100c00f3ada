// Async benchmarks: each program in bench/async/ as Valkyria (NAME.valk, run
// by `valk run`) and as hand-written JavaScript (NAME.js, run by `node`), in
// alternation, several times each. Both print `result ...` (which must agree)
// and `elapsed-us N`, the time of the measured part alone, without start-up.
// The table shows medians and the valk/JS ratio.
//
//   node bench/async.mjs [--runs N] [PROGRAM...]
//
// Needs dist/ built (`npm run bench:async` builds first).

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'async');
const ROOT = dirname(dirname(DIR));
const VALK = join(ROOT, 'bin', 'valk.js');

const args = process.argv.slice(2);
let runs = 5;
const only = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else only.push(args[i]);
}
if (!(runs > 0)) {
  process.stderr.write('usage: node bench/async.mjs [--runs N] [PROGRAM...]\n');
  process.exit(2);
}

/** Runs one program once; gives its result line and measured microseconds. */
function once(command, file) {
  const r = spawnSync(process.execPath, command === 'valk' ? [VALK, 'run', file] : [file], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  const result = /^result (.*)$/m.exec(r.stdout)?.[1];
  const us = Number(/^elapsed-us (\d+)$/m.exec(r.stdout)?.[1]);
  if (r.status !== 0 || result === undefined || !(us >= 0)) {
    throw new Error(`${command} ${file} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  return { result, us };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.valk'))
  .map((f) => f.slice(0, -5))
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

let failed = false;
const rows = [];
for (const name of names) {
  const times = { valk: [], js: [] };
  const results = new Set();
  for (let i = 0; i < runs; i++) {
    for (const command of ['valk', 'js']) {
      const r = once(command, join(DIR, `${name}.${command === 'valk' ? 'valk' : 'js'}`));
      times[command].push(r.us);
      results.add(r.result);
    }
  }
  if (results.size !== 1) {
    failed = true;
    process.stderr.write(`${name}: results disagree: ${[...results].join(' | ')}\n`);
  }
  const valk = median(times.valk) / 1000;
  const js = median(times.js) / 1000;
  rows.push({ program: name, 'valk ms': valk.toFixed(1), 'js ms': js.toFixed(1), 'valk/js': (valk / js).toFixed(2) });
}
console.table(rows);
process.exit(failed ? 1 : 0);
