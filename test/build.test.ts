// `valk build`: one file that runs with plain `node`, away from any node_modules.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratch, valk } from './scratch.js';

const PROGRAM = {
  'lib/square.valk': '(fun {square x} {* x x})\n',
  'app.valk': [
    '(load "src/prelude.valk")',
    '(load "lib/square.valk")',
    '(fun {deep n} {if (== n 0) {0} {+ 1 (deep (- n 1))}})',
    '(print (map square {1 2 3}) (deep 100000))',
    '(print (async-reset {(+ 1 (async-shift {k} {(k (k 5))}))}))',
    '(def {VALK_EXIT_CODE} 3)',
    '',
  ].join('\n'),
};

/** Copies a built file and its map into a fresh folder with nothing else in it, and runs it there. */
function runAlone(dir: string, file: string) {
  const alone = mkdtempSync(join(tmpdir(), 'valk-alone-'));
  copyFileSync(join(dir, file), join(alone, file));
  copyFileSync(join(dir, `${file}.map`), join(alone, `${file}.map`));
  return spawnSync(process.execPath, [file], { cwd: alone, encoding: 'utf8' });
}

for (const [format, file] of [
  ['esm', 'app.mjs'],
  ['cjs', 'app.cjs'],
] as const) {
  test(`a ${format} build runs with node alone, deep recursion and continuations included`, (t) => {
    const dir = scratch(PROGRAM, 'valk-build-test-');
    const r = valk(['build', 'app.valk', '-o', join('out', file), '--format', format], dir);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, new RegExp(`built out/${file.replace('.', '\\.')} \\(\\d+\\.\\d KiB\\)`));
    const ran = runAlone(join(dir, 'out'), file);
    t.is(ran.stdout, '{1 4 9} 100000\n7\n');
    t.is(ran.status, 3);
  });
}

test('the build is minified, with a source map that reaches the .valk files', (t) => {
  const dir = scratch(PROGRAM, 'valk-build-test-');
  t.is(valk(['build', 'app.valk', '-o', 'app.mjs'], dir).code, 0);
  const map = JSON.parse(readFileSync(join(dir, 'app.mjs.map'), 'utf8')) as { sources: string[] };
  t.true(map.sources.includes('app.valk'));
  t.true(map.sources.includes('lib/square.valk'));
  const unminified = scratch(PROGRAM, 'valk-build-test-');
  t.is(valk(['build', 'app.valk', '-o', 'app.mjs', '--no-minify'], unminified).code, 0);
  t.true(statSync(join(unminified, 'app.mjs')).size > statSync(join(dir, 'app.mjs')).size);
});

test('a syntax error in a loaded file stops the build with its position', (t) => {
  const dir = scratch({ 'app.valk': '(load "bad.valk")\n', 'bad.valk': '(print 1\n' }, 'valk-build-test-');
  const r = valk(['build', 'app.valk', '-o', 'app.mjs'], dir);
  t.is(r.code, 1);
  t.regex(r.stderr, /^bad\.valk:2:1: error: .*Unexpected end of input/);
  t.false(existsSync(join(dir, 'app.mjs')));
});

test('a missing entry is one line and status 2', (t) => {
  const dir = scratch({}, 'valk-build-test-');
  const r = valk(['build', 'nope.valk', '-o', 'app.mjs'], dir);
  t.is(r.code, 2);
  t.is(r.stderr, 'valk: cannot build nope.valk: no such file\n');
});
