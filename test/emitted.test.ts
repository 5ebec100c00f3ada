// The JavaScript the compiler emits, one small program per feature, kept as
// ava snapshots (test/snapshots/): a change to the emitted code shows up in
// review as a diff of the report (`.md`), and is accepted with
// `npx ava dist/test/emitted.test.js --update-snapshots`. What the code does
// is the fixtures' business; this is what it looks like.

import test from 'ava';
import { compile } from '../compiler/index.js';

const PRELUDE = '(load "src/prelude.valk")\n';

const FEATURES: Record<string, string> = {
  'inline arithmetic and comparison': '(def {f} (\\ {a b} {if (< a b) {+ (* a b) (- a 1)} {/ a b}}))',
  'a self call in tail position is a loop': PRELUDE + '(fun {count n acc} {if (== n 0) {acc} {count (- n 1) (+ acc 1)}})',
  'direct calls and a trampolined tail call': PRELUDE + '(fun {twice x} {* 2 x})\n(fun {go x} {twice (twice x)})',
  'a closure over a local': '(def {adder} (\\ {n} {\\ {x} {+ x n}}))',
  'quoted and quasiquoted data': '(def {q} {a {b 1} "s"})\n(def {qq} (\\ {x} {quasiquote {a (unquote x) b}}))',
  'def and = with computed names reify the frame': '(def {f} (\\ {name v} {do (= (list name) v) (eval (list (quote +) 1 name))}))',
  'select and case': PRELUDE + '(fun {sign n} {select {(< n 0) -1} {(== n 0) 0} {otherwise 1}})',
  'let': PRELUDE + '(fun {hyp a b} {let {do (= {s} (+ (* a a) (* b b))) s}})',
  'a literal load imports the module': PRELUDE + '(load "lib.valk")\n(print (helper 1))',
  'reset and shift': '(def {f} (\\ {x} {async-reset {+ x (async-shift {k} {k (k 1)})}}))',
  'a loop of awaits in continuation-passing code': PRELUDE + '(fun {sum-awaits n acc} {if (== n 0) {acc} {sum-awaits (- n 1) (+ acc (aio/await (aio/pure n)))}})',
  "the prelude's map, filter and foldl built in": PRELUDE + '(fun {squares l} {foldl + 0 (filter (\\ {x} {== 0 (- x (* 2 (/ x 2)))}) (map (\\ {x} {* x x}) l))})',
  "fast bodies with the prelude's constants and a walk with a global's fast body": PRELUDE + '(fun {empty? l} {if (== l nil) {true} {false}})\n(fun {count-empty ls} {len (filter empty? ls)})',
  'names and strings that mean something to JavaScript': '(def {__proto__} "*/ `${x}` \u2028 </script>")\n(def {constructor} (\\ {toString} {list __proto__ toString}))',
};

const LOADS: Record<string, string> = { 'src/prelude.valk': 'valk/stdlib/prelude.js', 'lib.valk': './lib.js' };

for (const [feature, source] of Object.entries(FEATURES)) {
  test(feature, (t) => {
    const out = compile('feature.valk', source, { format: 'esm', runtime: 'valk/runtime', outFile: 'feature.js', resolveLoad: (path) => LOADS[path] });
    t.is(out.readError, undefined);
    t.snapshot(out.code);
  });
}
