// The `valk` command end to end: arguments, file errors, diagnostics, exit status.

import test from 'ava';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, valk } from './scratch.js';

test('--help lists the commands', (t) => {
  const r = valk(['--help'], process.cwd());
  t.is(r.code, 0);
  t.regex(r.stdout, /valk run <files\.\.>/);
});

test('--version prints the package version', (t) => {
  const r = valk(['--version'], process.cwd());
  t.is(r.code, 0);
  t.regex(r.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('an unknown command is a usage error with status 2', (t) => {
  const r = valk(['frobnicate'], process.cwd());
  t.is(r.code, 2);
  t.regex(r.stderr, /^valk: /);
});

test('a missing file is one line on stderr and status 2, and nothing runs', (t) => {
  const dir = scratch({ 'a.valk': '(print "ran")\n' });
  const r = valk(['run', 'a.valk', 'missing.valk'], dir);
  t.is(r.code, 2);
  t.is(r.stdout, '');
  t.is(r.stderr, 'valk: cannot run missing.valk: no such file\n');
});

test('a directory is refused with status 2', (t) => {
  const dir = scratch({});
  const r = valk(['run', '.'], dir);
  t.is(r.code, 2);
  t.is(r.stderr, 'valk: cannot run .: is a directory\n');
});

test('an unreadable file is refused with status 2', (t) => {
  if (process.getuid?.() === 0) return t.pass('root can read any file');
  const dir = scratch({ 'secret.valk': '(print 1)\n' });
  chmodSync(join(dir, 'secret.valk'), 0o000);
  const r = valk(['run', 'secret.valk'], dir);
  t.is(r.code, 2);
  t.regex(r.stderr, /^valk: cannot run secret\.valk: permission denied\n$/);
});

test('a syntax error is reported with file:line:column and a caret, and earlier forms still run', (t) => {
  const dir = scratch({ 'bad.valk': '(print "before")\n(print\n   (+ 1 2.5))\n(print "after")\n' });
  const r = valk(['run', 'bad.valk'], dir);
  t.is(r.code, 0);
  t.is(r.stdout, 'before\nError[[offset: 33] Unexpected character .]\n');
  t.is(r.stderr, 'bad.valk:3:10: error: [offset: 33] Unexpected character .\n       (+ 1 2.5))\n             ^\n');
});

test('files share one global environment; an error stops only its own file', (t) => {
  const dir = scratch({
    'a.valk': '(def {x} 41)\n(undefined-thing)\n(print "not reached")\n',
    'b.valk': '(print (+ x 1))\n',
  });
  const r = valk(['run', 'a.valk', 'b.valk'], dir);
  t.is(r.stdout, 'Error[LEnv: Symbol `undefined-thing` is not bound]\n42\n');
  t.is(r.code, 0);
});

test('the exit status is VALK_EXIT_CODE, and the last exit wins', (t) => {
  const dir = scratch({ 'e.valk': '(exit 3)\n(print "still running")\n(shutdown 7)\n' });
  const r = valk(['run', 'e.valk'], dir);
  t.is(r.stdout, 'still running\n');
  t.is(r.code, 7);
});

test('--prelude loads the bundled prelude first', (t) => {
  const dir = scratch({ 'p.valk': '(print (map (\\ {x} {* x x}) {1 2 3}))\n' });
  t.is(valk(['run', '--prelude', 'p.valk'], dir).stdout, '{1 4 9}\n');
  t.is(valk(['run', 'p.valk'], dir).stdout, 'Error: LEnv: Symbol `map` is not bound\n');
});

test('stdout is written as the program\'s bytes', (t) => {
  const dir = scratch({ 'u.valk': '(print "héllo ✓" (len "é"))\n' });
  const r = valk(['run', 'u.valk'], dir);
  t.is(r.stdout, 'héllo ✓ 2\n');
});
