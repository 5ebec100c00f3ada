// `valk compile --target ts`: TypeScript modules that a strict `tsc` accepts,
// importing each other as TypeScript resolves them, and that run once compiled.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, VALK_BIN } from './fixture-files.js';
import { installedProject } from './scratch.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const STRICT = {
  compilerOptions: {
    strict: true,
    noImplicitAny: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    types: ['node'],
    outDir: 'build',
  },
  include: ['out/**/*.ts', 'use.ts'],
};

const APP = [
  '(load "src/prelude.valk")',
  '(load "lib/greet.valk")',
  '(fun {square x} {* x x})',
  '(fun {count-down n acc} {if (== n 0) {acc} {count-down (- n 1) (cons n acc)}})',
  '(def {sum-all} (\\ {& xs} {foldl + 0 xs}))',
  '(fun {add-later x} {\\ {y} {do (= {z} (+ x y)) z}})',
  '(print (map square {1 2 3}) (greet "valk") (count-down 3 {}) (sum-all 1 2 3) ((add-later 40) 2))',
  '(print (filter (\\ {x} {> x 1}) {1 2 3}) (head {7 8}) (eval {+ 1 2}) (select {(== 1 2) 3} {otherwise :k}))',
  '',
].join('\n');

/** The project, in a folder that has this package installed. */
function project(): string {
  const files = {
    'src/app.valk': APP,
    'src/lib/greet.valk': '(fun {greet who} {str "hello, " who})\n',
    'package.json': JSON.stringify({ type: 'module' }),
    'tsconfig.json': JSON.stringify(STRICT),
  };
  return installedProject(files, 'valk-target-ts-');
}

function run(command: string, args: string[], cwd: string) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

/** Compiles the project with --target ts; the output folder is `out`. */
function compiled(t: ExecutionContext, use: string): string {
  const dir = project();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'use.ts'), use);
  const c = run(process.execPath, [VALK_BIN, 'compile', 'src', '-o', 'out', '--target', 'ts'], dir);
  if (c.code !== 0) throw new Error(c.stderr);
  return dir;
}

test('--target ts writes typed TypeScript modules, each with its source map and no .d.ts', (t) => {
  const dir = compiled(t, '');
  const app = readFileSync(join(dir, 'out', 'app.ts'), 'utf8');
  t.true(existsSync(join(dir, 'out', 'app.ts.map')));
  t.true(existsSync(join(dir, 'out', 'lib', 'greet.ts')));
  t.false(existsSync(join(dir, 'out', 'app.js')) || existsSync(join(dir, 'out', 'app.d.ts')));
  t.regex(app, /^import m\d+ from "\.\/lib\/greet\.js";$/m);
  t.regex(app, /^export default function instantiate\(G: R\.Frame\): Array<\(\) => R\.Value> \{$/m);
  t.regex(app, /^export function main\(\): void \{$/m);
  t.regex(app, /e\d+_square: \(x: R\.ValkValue\) => R\.ValkValue = /);
  t.regex(app, /e\d+_sumall: \(\.\.\.xs: R\.ValkValue\[\]\) => R\.ValkValue = /);
  t.regex(app, /\/\/# sourceMappingURL=app\.ts\.map\n$/);
  t.notRegex(app, /\bany\b|@ts-/);
});

test('strict tsc accepts the modules; compiled to JavaScript they run, and their exports are typed', (t) => {
  const dir = compiled(t, [
    "import { square, countDown, 'sum-all' as sumAll } from './out/app.js';",
    'const n: unknown = square(12);',
    'console.log(n, sumAll(1, 2, 3), countDown(2, []));',
    '',
  ].join('\n'));
  const check = run(process.execPath, [TSC, '--noEmit', '-p', '.'], dir);
  t.is(check.stdout + check.stderr, '');
  t.is(check.code, 0);
  const emit = run(process.execPath, [TSC, '-p', '.'], dir);
  t.is(emit.code, 0, emit.stdout);
  const program = run(process.execPath, ['--input-type=module', '-e', "import { main } from './build/out/app.js'; main();"], dir);
  t.is(program.stderr, '');
  const output = '{1 4 9} hello, valk (1 2 3) 6 42\n{2 3} 7 3 :k\n';
  t.is(program.stdout, output);
  // The first call of an export runs the module in the library session, with its output.
  t.is(run(process.execPath, ['build/use.js'], dir).stdout, `${output}144 6 [ 1, 2 ]\n`);
});

test('calling an export with more arguments than the definition takes is a type error', (t) => {
  const dir = compiled(t, "import { square } from './out/app.js';\nsquare(1, 2);\n");
  const check = run(process.execPath, [TSC, '--noEmit', '-p', '.'], dir);
  t.not(check.code, 0);
  t.regex(check.stdout, /use\.ts\(2,11\): error TS2554: Expected 1 arguments, but got 2\./);
});
