// `valk check` end to end: each kind of problem with its position and code
// frame, what must not be reported, and the exit statuses.

import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './fixture-files.js';
import { scratch, valk } from './scratch.js';

const check = (files: Record<string, string>, names = Object.keys(files)) => valk(['check', ...names], scratch(files, 'valk-check-test-'));

test('the bundled prelude and the examples are clean', (t) => {
  const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.valk')).map((f) => join('examples', f));
  const r = valk(['check', 'runtime/stdlib/prelude.valk', ...examples], ROOT);
  t.is(r.stdout, '');
  t.is(r.stderr, '');
  t.is(r.code, 0);
});

test('a reader error is reported as valk run reports it, and nothing runs', (t) => {
  const r = check({ 'bad.valk': '(print "ran")\n(print\n   (+ 1 2.5))\n' });
  t.is(r.stdout, 'bad.valk:3:10: error: [offset: 30] Unexpected character .\n       (+ 1 2.5))\n             ^\n');
  t.is(r.code, 1);
});

test('a global that nothing defines is reported where it is used', (t) => {
  const r = check({ 'a.valk': '(def {total} 0)\n(print total (totl))\n' });
  t.is(r.stdout, 'a.valk:2:15: error: `totl` is not bound: not a builtin, and no checked or loaded file defines it\n    (print total (totl))\n                  ^\n');
  t.is(r.code, 1);
});

test('locals, parameters, names in data and names bound anywhere in the checked files are not reported', (t) => {
  const r = check({
    'a.valk': [
      '(def {f} (\\ {x & rest} {do (= {y} (+ x 1)) (list y rest later)}))',
      '(print {not a reference} (quote also-not))',
      '(def (list (head {computed})) 5)',
      '(print computed from-b)',
      '(def {later} 1)',
      '',
    ].join('\n'),
    'b.valk': '(= {from-b} 2)\n',
  });
  t.is(r.stdout, '');
  t.is(r.code, 0);
});

test('= inside a function binds a local, so the name is still unbound outside', (t) => {
  const r = check({ 'a.valk': '(def {f} (\\ {} {(= {loc} 5) loc}))\n(print loc)\n' });
  t.regex(r.stdout, /^a\.valk:2:8: error: `loc` is not bound/);
});

test('definitions come from files loaded literally, the bundled prelude included', (t) => {
  const r = check({
    'main.valk': '(load "src/prelude.valk")\n(load "lib.valk")\n(print (map double (range 0 3)))\n',
    'lib.valk': '(fun {double n} {* n 2})\n',
  }, ['main.valk']);
  t.is(r.stdout, '');
  t.is(r.code, 0);
  const without = check({ 'main.valk': '(fun {double n} {* n 2})\n' });
  t.regex(without.stdout, /^main\.valk:1:1: error: `fun` is not bound/);
});

test('a load that cannot be followed turns unbound-name reports off', (t) => {
  const r = check({ 'a.valk': '(def {lib} "lib.valk")\n(load lib)\n(print from-lib)\n' });
  t.is(r.stdout, '');
  t.regex(r.stderr, /^valk: note: a load could not be followed/);
  t.is(r.code, 0);
});

test('calls of known functions with too many arguments', (t) => {
  const r = check({
    'a.valk': [
      '(load "src/prelude.valk")',
      '(fun {add a b} {+ a b})',
      '(def {rest} (\\ {a & more} {a}))',
      '(print (add 1 2 3) (add 1) (rest 1 2 3))',
      '(print (len {1} {2}) (+) (-))',
      '',
    ].join('\n'),
  });
  t.is(
    r.stdout,
    [
      'a.valk:4:8: error: `add` takes 2 arguments, but is given 3',
      '    (print (add 1 2 3) (add 1) (rest 1 2 3))',
      '           ^',
      'a.valk:5:8: error: `len` takes exactly 1 argument, but is given 2',
      '    (print (len {1} {2}) (+) (-))',
      '           ^',
      'a.valk:5:26: error: `-` takes at least 1 argument, but is given 0',
      '    (print (len {1} {2}) (+) (-))',
      '                             ^',
      '',
    ].join('\n'),
  );
  t.is(r.code, 1);
});

test('a function defined more than once has no known argument count', (t) => {
  const r = check({ 'a.valk': '(def {f} (\\ {a} {a}))\n(def {f} (\\ {a b} {a}))\n(print (f 1 2))\n' });
  t.is(r.stdout, '');
});

test('async-shift outside every async-reset is reported; inside a reset or a function it is not', (t) => {
  const r = check({
    'a.valk': [
      '(async-reset {(+ 1 (async-shift {k} {k 1}))})',
      '(def {f} (\\ {} {async-shift {k} {k 2}}))',
      '(print (async-shift {k} {k 3}))',
      '',
    ].join('\n'),
  });
  t.is(
    r.stdout,
    'a.valk:3:8: error: `async-shift` outside any `async-reset`: it gives the Error "async-shift: no enclosing async-reset"\n' +
      '    (print (async-shift {k} {k 3}))\n' +
      '           ^\n',
  );
  t.is(r.code, 1);
});

test('problems in several files are all reported, file by file', (t) => {
  const r = check({ 'a.valk': '(print x)\n', 'b.valk': '(if 1)\n' });
  t.regex(r.stdout, /^a\.valk:1:8: error: `x` is not bound.*\n.*\n.*\nb\.valk:1:1: error: if requires 2-3 arguments, got 1\n/);
  t.is(r.code, 1);
});

test('a file that cannot be read is one line on stderr and status 2; the others are still checked', (t) => {
  const r = check({ 'a.valk': '(print y)\n' }, ['missing.valk', 'a.valk']);
  t.is(r.stderr, 'valk: cannot check missing.valk: no such file\n');
  t.regex(r.stdout, /^a\.valk:1:8: error: `y` is not bound/);
  t.is(r.code, 2);
});
