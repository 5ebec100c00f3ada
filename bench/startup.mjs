// Size and start-up time of `valk build` output, against `node -e ""` and
// `valk run` on the same program, measured in the same run.
//
//   node bench/startup.mjs [RUNS]      (default 20 runs per command; the median is reported)
//
// Needs dist/ built (`npm run build`).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const VALK = join(BENCH_DIR, '..', 'bin', 'valk.js');
const runs = Number(process.argv[2] ?? 20);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall-clock milliseconds of running the command to completion. */
function time(args, cwd) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, stdio: 'ignore' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}`);
  }
  return median(times);
}

const out = mkdtempSync(join(tmpdir(), 'valk-startup-'));
try {
  const baseline = time(['-e', '']);
  console.log(`node -e "": ${baseline.toFixed(0)} ms (median of ${runs})\n`);
  console.log('program       bundle KiB  gzip KiB  bundle ms  vs node -e ""  valk run ms');
  for (const name of ['hello', 'prelude']) {
    const src = join(BENCH_DIR, 'startup', `${name}.valk`);
    const bundle = join(out, `${name}.mjs`);
    execFileSync(process.execPath, [VALK, 'build', src, '-o', bundle], { stdio: 'ignore' });
    const bytes = statSync(bundle).size;
    const gz = gzipSync(readFileSync(bundle)).length;
    const bundled = time([bundle], out);
    const run = time([VALK, 'run', src], join(BENCH_DIR, 'startup'));
    console.log(
      `${name.padEnd(12)}  ${(bytes / 1024).toFixed(1).padStart(10)}  ${(gz / 1024).toFixed(1).padStart(8)}  ${bundled.toFixed(0).padStart(9)}  ${`+${(bundled - baseline).toFixed(0)} ms`.padStart(13)}  ${run.toFixed(0).padStart(11)}`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
