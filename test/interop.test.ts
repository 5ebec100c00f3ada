// JavaScript interop: compiled modules used from JavaScript through their
// named exports, the generated .d.ts checked by tsc, and the conversions
// themselves. (Valkyria calling JavaScript is covered by fixtures/interop.)

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJs, toValk, ValkError } from '../runtime/interop.js';
import { debug } from '../runtime/printer.js';
import { Session } from '../runtime/session.js';
import { ROOT, VALK_BIN } from './fixture-files.js';
import { installedProject } from './scratch.js';

function run(command: string, args: string[], cwd: string) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

const LIBRARY = `
(load "src/prelude.valk")
(load "util.valk")
(print "library loaded")
(fun {square x} {* x x})
(def {safe?} (\\ {x} {> x 0}))
(def {list->array} (\\ {l & more} {join l more}))
(fun {greet who} {str "héllo, " who "!"})
(fun {fail msg} {error msg})
(fun {keys pl} {plist/keys pl})
(fun {point x y} {list :x x :y y})
(fun {adder n} {\\ {x} {+ x n}})
(def {answer} 42)
(def {counter} 0)
(fun {bump} {def {counter} (+ counter 1)})
(fun {redefine} {def {square} (\\ {x} {* x x x})})
(fun {main} {print "never exported"})
`;

const UTIL = `
(print "util loaded")
(fun {twice f x} {f (f x)})
`;

const CALLER = `
import * as lib from './out/lib.js';
import { twice } from './out/util.js';
import { ValkError } from 'valk/runtime';
const show = (label, v) => console.log(label, JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x + 'n' : x)));
console.log('imported');
show('square', lib.square(12));
show('square big', lib.square(3000000000));
show('safe?', [lib['safe?'](5), lib.safeP(-5)]);
show('listToArray', lib.listToArray([1, 'two', [3]], { four: 4 }, true, null));
show('greet', lib.greet('wörld ✓'));
show('keys', lib.keys({ a: 1, 'b-c': 2, é: 3 }));
show('point', lib.point(1, -2));
show('adder', lib.adder(10)(5));
show('twice', twice(lib.adder(3), 1));
show('twice js', twice((s) => s + '!', 'hey'));
show('answer', lib.answer());
lib.bump(); lib.bump();
show('counter', lib.counter());
lib.redefine();
show('late bound', lib.square(2));
try { lib.fail('nö good'); } catch (e) { show('fail', [e instanceof ValkError, e instanceof Error, e.name, e.message]); }
try { lib.square('x'); } catch (e) { show('type', [e instanceof ValkError, e.message]); }
try { lib.square(1.5); } catch (e) { show('float', [e.constructor.name, e.message]); }
try { lib.square(2n ** 64n); } catch (e) { show('bigint', [e.constructor.name, e.message]); }
show('module', [typeof lib.main, typeof lib.default]);
`;

const TSCONFIG = JSON.stringify({
  compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'] },
  files: ['consumer.ts'],
});

const CONSUMER = `
import instantiate, { square, "safe?" as isSafe, safeP, listToArray, answer, adder, main } from './out/lib.js';
import { ValkError, type Instantiate, type ValkValue } from 'valk/runtime';

const n: ValkValue = square(3);
const flags: ValkValue[] = [isSafe(1), safeP(2)];
const list = listToArray([1, 2], 'x', { y: 3 });
const a = answer();
const add = adder(1) as (x: number) => number;
const inst: Instantiate = instantiate;
const run: () => void = main;
export const all = [n, flags, list, a, add(2), inst, run, ValkError];
`;

/** One project for the tests below, compiled once. */
let project_: string | undefined;
function compiled(): string {
  if (project_ !== undefined) return project_;
  const files = { 'src/lib.valk': LIBRARY, 'src/util.valk': UTIL, 'caller.mjs': CALLER, 'consumer.ts': CONSUMER, 'tsconfig.json': TSCONFIG };
  const dir = installedProject({ ...files, 'package.json': '{"type":"module"}' }, 'valk-interop-');
  const c = run(process.execPath, [VALK_BIN, 'compile', 'src', '-o', 'out'], dir);
  if (c.code !== 0) throw new Error(`valk compile failed: ${c.stderr}`);
  return (project_ = dir);
}

test('a compiled library called from JavaScript: conversions, errors, late binding, one run', (t) => {
  const dir = compiled();
  const r = run(process.execPath, ['caller.mjs'], dir);
  t.is(r.stderr, '');
  t.is(
    r.stdout,
    [
      // Importing runs nothing; the first call runs the library (and util, through its load) once.
      'imported',
      'util loaded',
      'library loaded',
      'square 144',
      'square big "9000000000000000000n"',
      'safe? [1,0]',
      'listToArray [1,"two",[3],{"four":4},1,[]]',
      'greet "héllo, wörld ✓!"',
      'keys [":a",":b-c",":é"]',
      'point {"x":1,"y":-2}',
      'adder 15',
      'twice 7',
      'twice js "hey!!"',
      'answer 42',
      'counter 2',
      'late bound 8',
      'fail [true,true,"ValkError","nö good"]',
      'type [true,"This function only supports Numbers : String"]',
      'float ["TypeError","1.5 is not an integer: Valkyria numbers are integers"]',
      'bigint ["RangeError","18446744073709551616 is outside the signed 64-bit range of Valkyria numbers"]',
      'module ["function","function"]',
      '',
    ].join('\n'),
  );
});

test('the generated .d.ts types a TypeScript consumer, and catches a wrong arity', (t) => {
  const dir = compiled();
  const dts = readFileSync(join(dir, 'out', 'lib.d.ts'), 'utf8');
  t.regex(dts, /^import type \{ Instantiate, ValkValue \} from "valk\/runtime";$/m);
  t.regex(dts, /declare function e\d+_listarray\(l: ValkValue, \.\.\.more: ValkValue\[\]\): ValkValue;/);
  t.regex(dts, /as "safe\?", e\d+_safe as safeP/);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const ok = run(process.execPath, [tsc, '-p', '.'], dir);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  writeFileSync(join(dir, 'consumer.ts'), `${CONSUMER}\nsquare(1, 2);\n`);
  const bad = run(process.execPath, [tsc, '-p', '.'], dir);
  t.not(bad.code, 0);
  t.regex(bad.stdout, /consumer\.ts.*Expected 1 arguments?, but got 2/);
});

test('JS to Valkyria and back', (t) => {
  // Functions are made in the running program.
  new Session({ sink: () => {} });
  const roundTrip = (x: unknown) => toJs(toValk(x));
  t.is(roundTrip('naïve ✓ 𝄞'), 'naïve ✓ 𝄞');
  t.is(toValk('é'), '\xc3\xa9');
  t.is(toValk(-0), 0);
  t.is(toValk(2 ** 53), 9007199254740992n);
  t.is(toValk(-(2n ** 63n)), -(2n ** 63n));
  t.is(toValk(12n), 12);
  t.is(toValk(true), 1);
  t.is(toValk(undefined), null);
  t.deepEqual(roundTrip([1, [2, []], 'x']), [1, [2, []], 'x']);
  t.deepEqual(roundTrip({ a: 1, b: { c: [2] } }), { a: 1, b: { c: [2] } });
  t.is(debug(toValk({ a: 1, b: 'x' })), '{:a Num[1] :b "x"}');
  // __proto__ is an ordinary key both ways.
  t.deepEqual(Object.keys(roundTrip(JSON.parse('{"__proto__": 1}')) as object), ['__proto__']);
  t.throws(() => toValk(NaN), { instanceOf: TypeError });
  t.throws(() => toValk(1e300), { instanceOf: RangeError });
  t.throws(() => toValk(2n ** 63n), { instanceOf: RangeError });
  t.throws(() => toValk('a\0b'), { instanceOf: TypeError });
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  t.throws(() => toValk(cyclic), { instanceOf: TypeError });
  // Valkyria calling JS keeps what has no Valkyria form as a JS value.
  t.is(debug(toValk(1.5, 'wrap')).slice(0, 13), 'Reference[js:');
  t.is(toJs(toValk(1.5, 'wrap')), 1.5);
  // Host objects pass through unchanged; functions keep their identity.
  const m = new Map();
  t.is(roundTrip(m), m);
  const f = (x: number) => x + 1;
  t.is(roundTrip(f), f);
  t.is(toValk(f), toValk(f));
  // A Valkyria function as a JS function, and its Error as a thrown ValkError.
  const err = toJs(toValk(new ValkError('boom')));
  t.true(err instanceof ValkError);
  t.is((err as Error).message, 'boom');
  // Keyword-value lists are objects; other lists, and keywords alone, are arrays and names.
  t.deepEqual(toJs(toValk([':a', 1])), [':a', 1]);
});
