// `valk compile --watch`: recompiles what changed, reports errors and keeps going.

import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VALK_BIN } from './fixture-files.js';
import { scratch } from './scratch.js';

test('a change is recompiled, a syntax error reported, and watching goes on', async (t) => {
  const dir = scratch({ 'src/a.valk': '(print 1)\n', 'src/b.valk': '(load "a.valk")\n' }, 'valk-watch-');
  const child = spawn(process.execPath, [VALK_BIN, 'compile', 'src', '-o', 'out', '--watch'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr so far:\n${stderr}`)), 60_000);
      const check = () => {
        if (pattern.test(stderr)) {
          clearTimeout(timer);
          child.stderr.off('data', check);
          resolve();
        }
      };
      child.stderr.on('data', check);
      check();
    });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  try {
    await waitFor(/compiled src\/a\.valk, src\/b\.valk \(\d+ ms\); watching for changes\n/);
    writeFileSync(join(dir, 'src/a.valk'), '(print 2)\n');
    await waitFor(/compiled src\/a\.valk \(\d+ ms\); watching for changes\n/);
    t.regex(readFileSync(join(dir, 'out/a.js'), 'utf8'), /\(print 2\)/);
    writeFileSync(join(dir, 'src/b.valk'), '(print 3\n');
    await waitFor(/src\/b\.valk:2:1: error: .*\n[^]*compiled with errors src\/b\.valk/);
    writeFileSync(join(dir, 'src/b.valk'), '(print 4)\n');
    await waitFor(/compiled src\/b\.valk \(\d+ ms\); watching for changes\n$/);
    t.pass();
  } finally {
    child.kill();
  }
});
