// Output, errors, predicates, reading and loading (spec §6.5, §6.6).

import { readFileSync } from 'node:fs';
import { display } from '../printer.js';
import { readOne, Source } from '../reader.js';
import type { Session } from '../session.js';
import { Cons, isNum, Ref, VError, type Value } from '../values.js';
import { numToString } from '../numbers.js';
import { countError, typeError } from './errors.js';
import type { Define } from './index.js';

/** Renders a printf format (spec §6.5); on a bad directive, what was rendered so far and the Error. */
export function formatPrintf(fmt: string, args: Value[]): { text: string; error?: VError } {
  let text = '';
  let next = 0;
  const take = (): Value | undefined => (next < args.length ? args[next++] : undefined);
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      text += c;
      continue;
    }
    if (i + 1 >= fmt.length) {
      text += '%';
      break;
    }
    const d = fmt[++i];
    if (d === '%') text += '%';
    else if (d === 's') {
      const a = take();
      if (a === undefined) return { text, error: new VError('printf: not enough arguments for format string') };
      if (typeof a !== 'string') return { text, error: new VError('printf: %s requires string argument') };
      text += a;
    } else if (d === 'd' || d === 'l') {
      // `%l` consumes a Number whatever follows; only `%ld` also consumes the `d`.
      if (d === 'l' && fmt[i + 1] === 'd') i++;
      const a = take();
      if (a === undefined) return { text, error: new VError('printf: not enough arguments for format string') };
      if (!isNum(a)) return { text, error: new VError('printf: %d/%ld requires number argument') };
      text += numToString(a);
    } else text += '%' + d;
  }
  return { text };
}

export function install(define: Define, session: Session): void {
  const out = session.out;

  define('print', (args) => {
    let line = '';
    for (let i = 0; i < args.length; i++) line += (i > 0 ? ' ' : '') + display(args[i]);
    out.write(line + '\n');
    out.flush();
    return null;
  });

  const printf = (args: Value[]): Value => {
    if (args.length < 1) return countError(args.length, '>', 0);
    const fmt = args[0];
    if (typeof fmt !== 'string') return typeError(fmt, ['String']);
    const { text, error } = formatPrintf(fmt, args.slice(1));
    out.write(text);
    return error ?? null;
  };
  define('printf', printf);
  define('println', (args) => {
    const r = printf(args);
    if (r instanceof VError) return r;
    out.write('\n');
    out.flush();
    return null;
  });

  define('error', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const msg = args[0];
    if (typeof msg !== 'string') return typeError(msg, ['String']);
    // The reference formats the message with printf: only `%%` is well defined.
    return new VError(msg.replace(/%%/g, '%'));
  });

  const predicate = (test: (v: Value) => boolean) => (args: Value[]) =>
    args.length !== 1 ? countError(args.length, '==', 1) : test(args[0]) ? 1 : 0;
  define('error?', predicate((v) => v instanceof VError));
  define('list?', predicate((v) => v === null || v instanceof Cons));
  define('ref?', predicate((v) => v instanceof Ref));

  define('read', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const s = args[0];
    if (typeof s !== 'string') return typeError(s, ['String']);
    return readOne(new Source('<read>', s));
  });

  define('read-file', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const path = args[0];
    if (typeof path !== 'string') return typeError(path, ['String']);
    try {
      const text = readFileSync(session.resolve(path)).toString('latin1');
      // Content after an embedded NUL is lost, as in the reference's C strings.
      const nul = text.indexOf('\0');
      return nul < 0 ? text : text.slice(0, nul);
    } catch {
      return new VError(`Could not open file (${path})`);
    }
  });

  define('load', (args, env, m) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const path = args[0];
    if (typeof path !== 'string') return typeError(path, ['String']);
    return session.load(path, env, m);
  });

}
