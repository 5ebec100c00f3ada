// The build-tool plugin and the Node module hooks, end to end: the sample
// project (test/sample-project) built for real by each bundler and run with
// node, and run by node itself through `--import valk/register`.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import valkEsbuild from '../integrations/esbuild.js';
import valkRollup from '../integrations/rollup.js';
import valkVite from '../integrations/vite.js';
import valkWebpack from '../integrations/webpack.js';
import { ROOT } from './fixture-files.js';
import { installedProject } from './scratch.js';

const SAMPLE = join(ROOT, 'test', 'sample-project');
/** What app.valk prints as a program. */
const PROGRAM_OUTPUT = 'hello, sample; squares: {1 4 9 16}; sum: 30\n';
/** What main.js prints: calls into greet.valk and stats.valk, then app.valk as a program. */
const OUTPUT = 'hello, bundler\n14\nhello, sample; squares: {1 4 9}; sum: 14\n' + PROGRAM_OUTPUT;
const BAD = '(print "ok")\n(print 1.5)\n';

/** A copy of the sample project whose node_modules/valk is this package, as an installed one would be; removed after the test. */
function project(t: ExecutionContext, extra: Record<string, string> = {}): string {
  const dir = installedProject(extra, 'valk-integration-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(SAMPLE, dir, { recursive: true });
  return dir;
}

/** The bundle prints the sample project's output and exits with its status; its map reaches the .valk files. */
function bundleRuns(t: ExecutionContext, dir: string, bundle: string): void {
  const r = node([bundle], dir);
  t.is(r.stdout, OUTPUT, r.stderr);
  t.is(r.code, 3);
  checkMap(t, dir, bundle);
}

function node(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

interface MapJSON {
  sources: string[];
  sourcesContent?: Array<string | null>;
  mappings: string;
}

/** The bundle's map reaches the .valk files, with their text, and a call in stats.valk's `report`. */
function checkMap(t: ExecutionContext, dir: string, bundle: string): void {
  const map = JSON.parse(readFileSync(join(dir, `${bundle}.map`), 'utf8')) as MapJSON;
  for (const name of ['app.valk', 'stats.valk', 'greet.valk']) {
    const i = map.sources.findIndex((s) => s.endsWith(name));
    t.true(i >= 0, `${name} in ${map.sources.join(', ')}`);
    t.is(map.sourcesContent?.[i], readFileSync(join(SAMPLE, name), 'utf8'));
  }
  const sm = new SourceMap(map as never);
  const code = readFileSync(join(dir, bundle), 'utf8').split('\n');
  const reportLine = readFileSync(join(SAMPLE, 'stats.valk'), 'utf8').split('\n').findIndex((l) => l.includes('{report xs}'));
  const hit = code.some(
    (text, line) =>
      text.length < 2000 &&
      [...text].some((_, col) => {
        const e = sm.findEntry(line, col) as { originalSource?: string; originalLine?: number };
        return e.originalSource?.endsWith('stats.valk') === true && e.originalLine === reportLine;
      }),
  );
  t.true(hit, `no mapping into stats.valk line ${reportLine + 1}`);
}

test('the package exports each form of the plugin and the hooks', async (t) => {
  for (const [name, plugin] of [['vite', valkVite], ['rollup', valkRollup], ['esbuild', valkEsbuild], ['webpack', valkWebpack]] as const) {
    const specifier = `valk/${name}`;
    t.is((await import(specifier)).default, plugin);
  }
  t.true(import.meta.resolve('valk/register').endsWith('/dist/integrations/register.js'));
});

test('esbuild bundles the sample project; the bundle runs, its map reaches the .valk files', async (t) => {
  const dir = project(t);
  const esbuild = await import('esbuild');
  await esbuild.build({
    absWorkingDir: dir,
    entryPoints: ['main.js'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: 'out/esbuild.mjs',
    sourcemap: true,
    logLevel: 'silent',
    plugins: [valkEsbuild({ root: dir })],
  });
  bundleRuns(t, dir, 'out/esbuild.mjs');
});

test('Vite (SSR library build) bundles the sample project; the bundle runs', async (t) => {
  const dir = project(t);
  const { build } = await import('vite');
  await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [valkVite()],
    ssr: { noExternal: true },
    build: { ssr: 'main.js', outDir: 'out', sourcemap: true, minify: false, rollupOptions: { output: { entryFileNames: 'vite.mjs' } } },
  });
  bundleRuns(t, dir, 'out/vite.mjs');
});

test('Rollup bundles the sample project; the bundle runs', async (t) => {
  const dir = project(t);
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const bundle = await rollup({
    input: join(dir, 'main.js'),
    plugins: [valkRollup({ root: dir }), nodeResolve({ preferBuiltins: true })],
    external: [/^node:/],
    onwarn(w, warn) {
      // The runtime's own modules import each other in a cycle that is safe at load time.
      if (w.code !== 'CIRCULAR_DEPENDENCY') warn(w);
    },
  });
  await bundle.write({ file: join(dir, 'out', 'rollup.mjs'), format: 'es', sourcemap: true });
  await bundle.close();
  bundleRuns(t, dir, 'out/rollup.mjs');
});

test('webpack bundles the sample project; the bundle runs', async (t) => {
  const dir = project(t);
  const { default: webpack } = await import('webpack');
  const compiler = webpack({
    mode: 'production',
    target: 'node20',
    context: dir,
    entry: './main.js',
    devtool: 'source-map',
    output: { path: join(dir, 'out'), filename: 'webpack.mjs', module: true, chunkFormat: 'module' },
    experiments: { outputModule: true },
    optimization: { minimize: false },
    plugins: [valkWebpack({ root: dir })],
  });
  const stats = await new Promise<import('webpack').Stats>((resolve, reject) =>
    compiler.run((err, s) => (err ? reject(err) : compiler.close(() => resolve(s!)))),
  );
  t.false(stats.hasErrors(), stats.toString('errors-only'));
  bundleRuns(t, dir, 'out/webpack.mjs');
});

test('a syntax error fails an esbuild build with file:line:column and the line', async (t) => {
  const dir = project(t, { 'bad.valk': BAD, 'bad.js': "import { main } from './bad.valk';\nmain();\n" });
  const esbuild = await import('esbuild');
  const failure = await t.throwsAsync<Error & { errors: Array<{ text: string }> }>(
    esbuild.build({ absWorkingDir: dir, entryPoints: ['bad.js'], bundle: true, platform: 'node', write: false, logLevel: 'silent', plugins: [valkEsbuild({ root: dir })] }),
  );
  t.is(failure!.errors.length, 1);
  t.is(failure!.errors[0].text, 'bad.valk:2:9: error: [offset: 21] Unexpected character .\n    (print 1.5)\n            ^\n');
});

test('a syntax error fails a Vite build with loc and frame, as its overlay shows them', async (t) => {
  const dir = project(t, { 'bad.valk': BAD, 'bad.js': "import { main } from './bad.valk';\nmain();\n" });
  const { build } = await import('vite');
  const failure = await t.throwsAsync<Error & { errors?: unknown[] }>(
    build({ root: dir, configFile: false, logLevel: 'silent', plugins: [valkVite()], build: { ssr: 'bad.js', write: false } }),
  );
  // Vite 8 (Rolldown) gathers a build's errors in `errors`; each is the plugin's error with its fields.
  const error = (failure!.errors?.[0] ?? failure) as { message: string; loc?: object; frame?: string; plugin?: string };
  t.is(error.plugin, 'valk');
  t.deepEqual(error.loc, { file: join(dir, 'bad.valk'), line: 2, column: 8 });
  t.is(error.frame, '    (print 1.5)\n            ^\n');
  t.regex(error.message, /Unexpected character \./);
});

test('the Vite dev server loads .valk modules, runs a changed one again, and reports errors with loc', async (t) => {
  const dir = project(t, { 'hello.js': "import { greet } from './greet.valk';\nexport const hello = () => greet('dev');\n", 'bad.valk': BAD });
  const { createServer } = await import('vite');
  const server = await createServer({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [valkVite()],
    // As when valk is installed rather than linked: the runtime is Node's to load, once.
    ssr: { external: ['valk'] },
    server: { middlewareMode: true },
    appType: 'custom',
  });
  try {
    const hello = async () => ((await server.ssrLoadModule('/hello.js')) as { hello: () => string }).hello();
    t.is(await hello(), 'hello, dev');
    writeFileSync(join(dir, 'greet.valk'), readFileSync(join(dir, 'greet.valk'), 'utf8').replace('hello, ', 'howdy, '));
    // The watcher invalidates greet.valk and hello.js when it sees the change.
    let now = await hello();
    for (const deadline = Date.now() + 10_000; now === 'hello, dev' && Date.now() < deadline; now = await hello()) await sleep(50);
    t.is(now, 'howdy, dev');
    const failure = await t.throwsAsync<Error & { loc?: object; frame?: string }>(server.ssrLoadModule('/bad.valk'));
    t.deepEqual(failure!.loc, { file: join(dir, 'bad.valk'), line: 2, column: 8 });
    t.is(failure!.frame, '    (print 1.5)\n            ^\n');
  } finally {
    await server.close();
  }
});

test('node --import valk/register runs a .valk entry as a program', (t) => {
  const dir = project(t);
  const r = node(['--import', 'valk/register', 'app.valk'], dir);
  t.is(r.stdout, PROGRAM_OUTPUT, r.stderr);
  t.is(r.code, 3);
});

test('a .valk entry under the hooks runs on a deep stack, as valk run runs it', (t) => {
  const deep = '(def {deep} (\\ {n} {if (== n 0) {0} {+ 1 (deep (- n 1))}}))\n(print (deep 100000))\n';
  const dir = project(t, { 'deep.valk': deep });
  const r = node(['--import', 'valk/register', 'deep.valk'], dir);
  t.is(r.stdout, '100000\n', r.stderr);
  t.is(r.code, 0);
});

test('node --import valk/register runs a JS entry that imports .valk files', (t) => {
  const dir = project(t);
  const r = node(['--import', 'valk/register', 'main.js'], dir);
  t.is(r.stdout, OUTPUT, r.stderr);
  t.is(r.code, 3);
});

test('modules loaded by the hooks carry inline source maps into the .valk source', (t) => {
  const probe = [
    "import { findSourceMap } from 'node:module';",
    "import './greet.valk';",
    "const map = findSourceMap(new URL('./greet.valk', import.meta.url).href);",
    'const lines = new Set();',
    'for (let l = 0; l < 200; l++) for (let c = 0; c < 200; c++) {',
    '  const e = map.findEntry(l, c);',
    "  if (e.originalSource?.endsWith('/greet.valk')) lines.add(e.originalLine);",
    '}',
    'console.log([...lines].join(","));',
    '',
  ].join('\n');
  const dir = project(t, { 'probe.mjs': probe });
  const r = node(['--enable-source-maps', '--import', 'valk/register', 'probe.mjs'], dir);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '1\n', 'greet.valk has one form, on its second line');
});

test('node --import valk/register reports a syntax error with file:line:column and the line', (t) => {
  const dir = project(t, { 'bad.valk': BAD });
  const r = node(['--import', 'valk/register', 'bad.valk'], dir);
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.true(r.stderr.includes(`\nbad.valk:2:9: error: [offset: 21] Unexpected character .\n    (print 1.5)\n            ^\n    at ${join(dir, 'bad.valk')}:2:9\n`), r.stderr);
});
