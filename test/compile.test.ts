// `valk compile` end to end: ES modules that run, imports for literal loads,
// and source maps that point back into the .valk source.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compilingLoader } from '../cli/loader.js';
import { compile } from '../compiler/index.js';
import { builtinKinds, EFFECT_FREE } from '../runtime/builtins/index.js';
import { Session } from '../runtime/session.js';
import { Builtin, sym } from '../runtime/values.js';
import { VALK_BIN } from './fixture-files.js';
import { installedProject, scratch } from './scratch.js';

function node(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

const PROGRAM = [
  '(load "src/prelude.valk")',
  '(load "lib/greet.valk")',
  '(fun {square x} {* x x})',
  '(print (map square {1 2 3}) (greet "valk"))',
  '(exit 3)',
  '',
].join('\n');

test('a compiled tree runs as ES modules, literal loads imported', (t) => {
  const dir = installedProject({ 'src/app.valk': PROGRAM, 'src/lib/greet.valk': '(fun {greet who} {str "hello, " who})\n' }, 'valk-compile-');
  const c = node([VALK_BIN, 'compile', 'src', '-o', 'out'], dir);
  t.is(c.code, 0, c.stderr);
  const app = readFileSync(join(dir, 'out', 'app.js'), 'utf8');
  t.regex(app, /^import \* as R from "valk\/runtime";$/m);
  t.regex(app, /^import m\d+ from "valk\/stdlib\/prelude\.js";$/m);
  t.regex(app, /^import m\d+ from "\.\/lib\/greet\.js";$/m);
  t.regex(app, /\/\/# sourceMappingURL=app\.js\.map\n$/);
  const r = node(['--input-type=module', '-e', "import { main } from './out/app.js'; main();"], dir);
  t.is(r.stdout, '{1 4 9} hello, valk\n');
  t.is(r.code, 3);
});

test('a syntax error is reported with its location, and the module still reproduces it', (t) => {
  const dir = installedProject({ 'bad.valk': '(print "before")\n(print 1.5)\n' }, 'valk-compile-');
  const c = node([VALK_BIN, 'compile', 'bad.valk', '-o', 'out'], dir);
  t.is(c.code, 1);
  t.regex(c.stderr, /^bad\.valk:2:9: error: \[offset: 25\] Unexpected character \.\n/);
  const r = node(['--input-type=module', '-e', "import { main } from './out/bad.js'; main();"], dir);
  // The error is inside the second list, so that whole form is the Error (spec §2.9).
  t.is(r.stdout, 'before\nError[[offset: 25] Unexpected character .]\n');
});

/** Where a datum can start (spec §2): the places mappings may point to. */
const DATUM_START = /[-A-Za-z0-9_+*\\/=<>!&?:({'`,"]/;

test('every source map mapping points at the start of a datum in the .valk source', (t) => {
  const text = PROGRAM + '(def {f} (\\ {x & r} {do (= {y} (+ x 1)) (if (> y 2) {y} {(list y r)})}))\n(print `{a ,(f 5) ,@(list 1 2)})\n';
  const out = compile('prog.valk', text, { format: 'esm', runtime: 'valk/runtime', outFile: 'prog.js' });
  const map = new SourceMap(out.map as never);
  const sourceLines = text.split('\n');
  const codeLines = out.code.split('\n');
  let checked = 0;
  for (let line = 0; line < codeLines.length; line++) {
    for (let col = 0; col < codeLines[line].length; col++) {
      const e = map.findEntry(line, col) as { generatedLine?: number; generatedColumn?: number; originalLine?: number; originalColumn?: number };
      if (e.originalLine === undefined || e.generatedLine !== line || e.generatedColumn !== col) continue;
      const ch = sourceLines[e.originalLine]?.[e.originalColumn!];
      t.truthy(ch !== undefined && DATUM_START.test(ch), `generated ${line + 1}:${col} maps to ${e.originalLine + 1}:${e.originalColumn} (${JSON.stringify(ch)})`);
      checked++;
    }
  }
  t.true(checked > 50, `only ${checked} mappings`);
});

test('a host failure inside compiled code has a stack trace in .valk lines and columns', async (t) => {
  const dir = installedProject({}, 'valk-compile-');
  const text = '(def {outer} (\\ {x} {+ 0 (inner x)}))\n(def {inner} (\\ {x}\n  {+ 1 (boom x)}))\n(outer 2)\n';
  const out = compile(join(dir, 'trace.valk'), text, { format: 'esm', runtime: 'valk/runtime', outFile: 'trace.js' });
  writeFileSync(join(dir, 'trace.js'), `${out.code}\n//# sourceMappingURL=trace.js.map\n`);
  writeFileSync(join(dir, 'trace.js.map'), JSON.stringify(out.map));
  process.setSourceMapsEnabled(true);
  const mod = (await import(pathToFileURL(join(dir, 'trace.js')).href)) as { default: (g: unknown) => Array<() => unknown> };
  const session = new Session({ sink: () => {} });
  // A builtin standing for any host failure (a JS library throwing, say).
  session.global.set(sym('boom'), new Builtin('boom', () => {
    throw new Error('host failure');
  }));
  const forms = mod.default(session.global);
  forms[0]();
  forms[1]();
  const err = t.throws(() => forms[2]());
  const frames = err!.stack!.split('\n').filter((l) => l.includes('trace.valk'));
  t.true(frames.length >= 2, err!.stack);
  t.regex(frames[0], /trace\.valk:3:\d+\)?$/, 'the failing call, in inner');
  t.regex(frames[1], /trace\.valk:1:\d+\)?$/, 'its caller, outer');
});

test('the builtins fast bodies call as without effects are plain builtins', (t) => {
  // A name misspelt there would silently never be called from a fast body.
  const kinds = builtinKinds();
  for (const name of EFFECT_FREE) t.is(kinds.get(name), 'plain', name);
});

test('the bundled prelude run as a file (valk run --prelude) defines the standard functions, as its load does', async (t) => {
  // Fast bodies run only while every standard name holds its standard value.
  const dir = scratch({ 'loads.valk': '(load "src/prelude.valk")\n' }, 'valk-compile-');
  for (const file of ['src/prelude.valk', 'loads.valk']) {
    const session = new Session({ cwd: dir, sink: () => {}, loader: compilingLoader() });
    await session.runFiles([session.resolveLoad(file)]);
    const fun = session.global.cell(sym('fun'));
    t.true(fun.v !== undefined && fun.std === fun.v, file);
  }
});
