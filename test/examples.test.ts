// The programs in examples/ run as the README says, compiled and evaluated,
// with real sockets on 127.0.0.1 and real files.

import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT, VALK_BIN } from './fixture-files.js';
import { valk } from './scratch.js';

for (const mode of [[], ['--interpret']]) {
  const label = mode.length === 0 ? 'compiled' : 'evaluated';

  test(`echo-server: three clients at once get their lines back (${label})`, (t) => {
    const r = valk(['run', ...mode, 'examples/echo-server.valk'], ROOT);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^echo server listening on port \d+\nechoed: hello from ann\nechoed: hello from bob\nechoed: hello from cy\nserver closed\n$/);
  });

  test(`fetch-parallel: four requests at once, the slowest timing out (${label})`, (t) => {
    const r = valk(['run', ...mode, 'examples/fetch-parallel.valk'], ROOT);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    t.deepEqual(
      lines.map((l) => l.replace(/^http:\/\/127\.0\.0\.1:\d+/, '')),
      [
        '/quote/4 -> no answer (Error: :timeout)',
        '/quote/1 -> Simple is better than complex.',
        '/quote/3 -> Code is data.',
        '/quote/2 -> Errors are values.',
        'all four in about 1 s: at once',
      ],
    );
  });

  test(`file-pipeline: reads, summaries written and read back, a missing file's Error (${label})`, (t) => {
    const r = valk(['run', ...mode, 'examples/file-pipeline.valk'], ROOT);
    t.is(r.code, 0, r.stderr);
    t.is(
      r.stdout,
      [
        'letters report',
        'a-ada.txt: 2 lines, 17 words, 105 bytes',
        'b-grace.txt: 2 lines, 28 words, 149 bytes',
        'c-alan.txt: 2 lines, 19 words, 91 bytes',
        '',
        'examples/data/letters.report holds 137 bytes',
        'Error: file/read: no such file (examples/data/letters/missing.txt)',
        '',
      ].join('\n'),
    );
  });
}

test('http-server: serves routes and many requests at once until /shutdown', async (t) => {
  const child = spawn(process.execPath, [VALK_BIN, 'run', 'examples/http-server.valk'], { cwd: ROOT, env: { ...process.env, PORT: '0' } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = once(child, 'exit');
  while (!/listening on (\S+)/.test(out)) await new Promise((r) => setTimeout(r, 20));
  const base = /listening on (\S+)/.exec(out)![1];
  t.is(await (await fetch(`${base}hello/ann`)).text(), 'hello, ann\n');
  const started = Date.now();
  const slow = await Promise.all(Array.from({ length: 50 }, () => fetch(`${base}slow`).then((r) => r.text())));
  t.true(slow.every((s) => s === 'done waiting\n'));
  // Fifty one-second waits at once end in about a second, not fifty.
  t.true(Date.now() - started < 10_000);
  t.is((await fetch(`${base}nowhere`)).status, 404);
  t.is(await (await fetch(`${base}shutdown`)).text(), 'bye\n');
  const [code] = await exited;
  t.is(code, 0);
  t.regex(out, /stopped\n$/);
});
