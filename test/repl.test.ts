// `valk repl` end to end: piped sessions (results only, one line per entry) and,
// where `script` can provide one, a session on a pseudo-terminal.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, VALK_BIN } from './fixture-files.js';
import { scratch, valk } from './scratch.js';

const repl = (input: string, args: string[] = [], cwd = ROOT) => valk(['repl', ...args], cwd, undefined, input);

test('each entry prints its last value in debug form, and definitions persist', (t) => {
  const r = repl('(+ 1 2)\n(def {x} 5) x\n"a\\nb"\n{a (b "c")}\n(\\ {y} {+ y x})\n\n; a comment\n');
  t.is(r.stderr, '');
  t.is(r.stdout, 'Num[3]\nNum[5]\n"a\\nb"\n{a (b "c")}\n(\\ {y} {+ y x})\n');
  t.is(r.code, 0);
});

test('an Error ends its entry, not the session', (t) => {
  const r = repl('(undefined-thing)\n(error "a") (print "not reached")\n(print "after") 7\n');
  t.is(r.stdout, 'Error[LEnv: Symbol `undefined-thing` is not bound]\nError[a]\nafter\nNum[7]\n');
  t.is(r.code, 0);
});

test('a reader error shows where it is, with the line and a caret, and the session goes on', (t) => {
  const r = repl('(+ 1 2.5)\n(+ 1 2)\n');
  t.is(r.stdout, 'Error[[offset: 6] Unexpected character .]\nNum[3]\n');
  t.is(r.stderr, '<repl:1>:1:7: error: [offset: 6] Unexpected character .\n    (+ 1 2.5)\n          ^\n');
});

test('an entry goes on over lines while a list or a string is open', (t) => {
  const r = repl('(+ 1\n   (* 2\n      3))\n"two\nlines"\n{a\n\n b}\n');
  t.is(r.stdout, 'Num[7]\n"two\\nlines"\n{a b}\n');
});

test('input that ends inside an entry reports what is missing', (t) => {
  const r = repl('(+ 1 1)\n(+ 1\n');
  t.is(r.stdout, 'Num[2]\nError[[offset: 5] Unexpected end of input reading expr, while looking for `)`]\n');
  t.regex(r.stderr, /^<repl:2>:2:1: error: \[offset: 5\] Unexpected end of input/);
});

test(':load evaluates a file into the session, as load does', (t) => {
  const dir = scratch({ 'lib.valk': '(def {double} (\\ {n} {* n 2}))\n(print "loaded")\n' });
  const r = repl(':load lib.valk\n(double 21)\n', [], dir);
  t.is(r.stdout, 'loaded\n()\nNum[42]\n');
});

test('--prelude loads the bundled prelude first', (t) => {
  const r = repl('(map (\\ {x} {* x 2}) {1 2 3})\n', ['--prelude']);
  t.is(r.stdout, '{Num[2] Num[4] Num[6]}\n');
});

test(':help explains, :quit ends the session, other keywords are values', (t) => {
  const r = repl(':status\n:help\n:quit\n(print "not reached")\n');
  t.regex(r.stdout, /^:status\nEnter Valkyria expressions/);
  t.regex(r.stdout, /:load FILE/);
  t.notRegex(r.stdout, /not reached/);
});

test('the exit status is VALK_EXIT_CODE, and exit does not end the session', (t) => {
  const r = repl('(exit 3)\n(+ 1 1)\n');
  t.is(r.stdout, 'Num[3]\nNum[2]\n');
  t.is(r.code, 3);
});

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the repl on a pseudo-terminal made by util-linux `script`, feeding it `input`. */
function onTerminal(input: string, env: NodeJS.ProcessEnv = {}): string {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(VALK_BIN)} repl`;
  // A terminal type that has colours, and none of the variables that force colours on or off.
  // CI is set because CI machines set it, and it must not change valk's colour policy.
  const { FORCE_COLOR: _force, NODE_DISABLE_COLORS: _disable, NO_COLOR: _no, ...rest } = process.env;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, input, encoding: 'utf8', env: { ...rest, TERM: 'xterm-256color', CI: '1', ...env }, timeout: 20_000 });
  return r.stdout;
}

test('on a terminal: prompts, colours and a history file', (t) => {
  if (!hasScript) return t.pass('no `script` command to make a pseudo-terminal');
  const history = join(scratch({}), 'history');
  const out = onTerminal('(+ 1\n 2)\n(nope)\n:quit\n', { VALK_HISTORY: history });
  t.regex(out, /valk> /);
  t.regex(out, / {2}\.\.\. /);
  t.regex(out, /Num\[3\]/);
  t.regex(out, /\x1b\[31mError\[LEnv: Symbol `nope` is not bound\]\x1b\[39m/);
  t.true(existsSync(history));
  t.is(readFileSync(history, 'utf8'), '(+ 1\n 2)\n(nope)\n:quit\n');
});

test('on a terminal, NO_COLOR turns colours off', (t) => {
  if (!hasScript) return t.pass('no `script` command to make a pseudo-terminal');
  const out = onTerminal('(nope)\n:quit\n', { VALK_HISTORY: '', NO_COLOR: '1' });
  t.regex(out, /Error\[LEnv: Symbol `nope` is not bound\]/);
  t.notRegex(out, /\x1b\[(2|31|39|22)m/);
});

test('an entry may wait for events; the next is read once it has its value', (t) => {
  const r = repl('(def {sys} (aio/await (aio/start)))\n(aio/schedule sys 30 (\\ {} {print "callback"}))\n(aio/await (aio/sleep sys 60))\n(sleep 5)\n(print "after")\n');
  t.is(r.stdout, '()\n<handle>\ncallback\n()\n()\nafter\n()\n');
});
