// `valk test`: test files found in folders, run one by one, reported per file with a summary.

import test from 'ava';
import { scratch, valk } from './scratch.js';

const suite = (name: string, cases: string) =>
  `(load "src/prelude.valk")\n(load "src/modules/test.valk")\n(def {tests} (list ${cases}))\n(test/run tests {:suite-name "${name}"})\n`;

const FILES = {
  'math_test.valk': suite('math', '(test "adds" {== 3 (+ 1 2)}) (test "lists" {== {1 2} (list 1 2)})'),
  'sub/test_broken.valk': suite('broken', '(test "right" {== 3 (+ 1 2)}) (test "wrong" {== 4 (+ 1 2)})'),
  'helper.valk': '(print "not a test file")\n',
};

test('a folder: every test file, failures with their output, a summary and status 1', (t) => {
  const dir = scratch(FILES, 'valk-test-cmd-');
  const r = valk(['test'], dir, { ...process.env, NO_COLOR: '1' });
  t.is(r.code, 1);
  t.regex(r.stdout, /^PASS math_test\.valk {2}\(2 passed; \d+ ms\)\n/);
  t.regex(r.stdout, /\nFAIL sub\/test_broken\.valk {2}\(1 passed, 1 failed; \d+ ms; exit 1\)\n {4}🧪 \[2\/2\] broken\n/);
  t.regex(r.stdout, /\n1 of 2 files passed; tests: 3 passed, 1 failed \(\d+ ms\)\n$/);
  t.notRegex(r.stdout, /not a test file/);
  t.notRegex(r.stdout, /\x1b\[/, 'no colours when NO_COLOR is set or output is not a terminal');
});

test('files named on the command line; passing output only with --verbose', (t) => {
  const dir = scratch(FILES, 'valk-test-cmd-');
  const quiet = valk(['test', 'math_test.valk'], dir);
  t.is(quiet.code, 0);
  t.notRegex(quiet.stdout, /✅/);
  const verbose = valk(['test', '--verbose', 'math_test.valk'], dir);
  t.is(verbose.code, 0);
  t.regex(verbose.stdout, / {4}✅ adds\.+ {2}PASS : in \d+\(µs\)\n/);
});

test('no test files, or a missing path, is status 2', (t) => {
  const dir = scratch({ 'helper.valk': '(print 1)\n' }, 'valk-test-cmd-');
  const none = valk(['test'], dir);
  t.is(none.code, 2);
  t.regex(none.stderr, /no test files found/);
  const missing = valk(['test', 'nope'], dir);
  t.is(missing.code, 2);
  t.is(missing.stderr, 'valk: cannot test nope: no such file or directory\n');
});
