// `valk test [PATHS...]`: runs Valkyria test files and reports per file.
//
// A test file is a program that runs suites with the bundled test framework
// (spec §11): it prints its own PASS/FAIL lines and summary and exits 1 when a
// suite failed. Each file runs as its own `valk run` process — its own global
// environment and exit status, as the framework expects — from the current
// folder, so its `load` paths mean what they mean under `valk run`.

import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { valkFiles } from './compile.js';
import { paint } from './style.js';

export interface TestOptions {
  readonly paths: readonly string[];
  /** Print every file's output, not only the output of files that failed. */
  readonly verbose: boolean;
  readonly interpret: boolean;
}

/** Names of the files `valk test` picks up in a folder (as the reference's test folders name them). */
const TEST_FILE = /(^test_.*|[._-]test)\.valk$/;

const VALK = fileURLToPath(new URL('../../bin/valk.js', import.meta.url));

function collect(path: string, out: string[]): void {
  if (!statSync(path).isDirectory()) {
    out.push(path);
    return;
  }
  const found: string[] = [];
  valkFiles(path, found);
  out.push(...found.filter((f) => TEST_FILE.test(basename(f))));
}

/** Test counts from the framework's summary lines (spec §11.3); a file may run several suites. */
function counts(output: string): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/✨ All (\d+) tests passed! ✨|⚠️ {2}(\d+) passed, (\d+) failed/g)) {
    if (m[1] !== undefined) passed += Number(m[1]);
    else {
      passed += Number(m[2]);
      failed += Number(m[3]);
    }
  }
  return { passed, failed };
}

export function runTests(options: TestOptions): number {
  const files: string[] = [];
  for (const p of options.paths.length > 0 ? options.paths : ['.']) {
    try {
      collect(p, files);
    } catch {
      process.stderr.write(`valk: cannot test ${p}: no such file or directory\n`);
      return 2;
    }
  }
  if (files.length === 0) {
    process.stderr.write('valk: no test files found (looked for test_*.valk, *_test.valk, *.test.valk)\n');
    return 2;
  }
  let failedFiles = 0;
  let passed = 0;
  let failed = 0;
  const started = performance.now();
  for (const file of files) {
    const t0 = performance.now();
    const args = [VALK, 'run', ...(options.interpret ? ['--interpret'] : []), file];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    const ms = Math.round(performance.now() - t0);
    const c = counts(r.stdout);
    passed += c.passed;
    failed += c.failed;
    const ok = r.status === 0;
    if (!ok) failedFiles++;
    const what = c.passed + c.failed > 0 ? `${c.passed} passed${c.failed > 0 ? `, ${c.failed} failed` : ''}` : 'no suite summary';
    const status = ok ? paint('green', 'PASS') : paint('red', 'FAIL');
    process.stdout.write(`${status} ${relative(process.cwd(), file) || file}  (${what}; ${ms} ms${ok ? '' : `; exit ${r.status ?? r.signal}`})\n`);
    if (!ok || options.verbose) {
      process.stdout.write(indent(r.stdout));
      process.stdout.write(indent(r.stderr));
    }
  }
  const total = Math.round(performance.now() - started);
  const fileLine = `${files.length - failedFiles} of ${files.length} file${files.length === 1 ? '' : 's'} passed`;
  process.stdout.write(`\n${failedFiles === 0 ? paint('green', fileLine) : paint('red', fileLine)}; tests: ${passed} passed, ${failed} failed (${total} ms)\n`);
  return failedFiles === 0 ? 0 : 1;
}

function indent(text: string): string {
  if (text === '') return '';
  return text.replace(/^(?=.)/gm, '    ') + (text.endsWith('\n') ? '' : '\n');
}
