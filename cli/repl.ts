// `valk repl`: an interactive session (spec §1.6). Each entry's data are
// evaluated in one global environment, stopping at the first Error, and the
// last value is printed in debug form (§3.3). An entry goes on over several
// lines while the reader runs out of input inside it.
//
// On a terminal there are prompts, line editing and a history file. Otherwise
// (piped input or output) nothing but results is written to stdout, one line
// per entry that has data, so the output of `valk repl < file` can be compared
// line by line; reader errors are reported on stderr, as `valk run` does.

import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { debug } from '../runtime/printer.js';
import { parseProgram, readErrorPos, Source, type ParsedProgram } from '../runtime/reader.js';
import { formatDiagnostic, Session } from '../runtime/session.js';
import { VError, type Value } from '../runtime/values.js';
import { paint } from './style.js';

export interface ReplOptions {
  readonly prelude: boolean;
}

const HELP = `Enter Valkyria expressions; each entry's last value is shown in debug form.
An entry continues on the next line while a list or string is open (Ctrl-C drops it).
  :load FILE   load a file into the session, as (load "FILE") does
  :help        this text
  :quit        leave (Ctrl-D too)
`;

const PROMPT = 'valk> ';
const MORE = '  ... ';
const HISTORY_SIZE = 1000;

/** The history file: VALK_HISTORY if set (empty turns history off), else ~/.valk_history. */
function historyFile(): string | undefined {
  const file = process.env.VALK_HISTORY ?? join(homedir(), '.valk_history');
  return file === '' ? undefined : file;
}

/** Saved lines, newest first as readline keeps them; none if the file cannot be read yet. */
function readHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

/** Whether the reader stopped only because the text ended: more lines may complete the entry. */
function incomplete(parsed: ParsedProgram, text: string): boolean {
  if (parsed.error === undefined) return false;
  const pos = readErrorPos.get(parsed.error);
  return pos !== undefined && pos.offset >= text.length;
}

/** Runs the session until its input ends or `:quit`; resolves to the exit status (VALK_EXIT_CODE). */
export function repl(options: ReplOptions): Promise<number> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const session = new Session();
  const history = interactive ? historyFile() : undefined;
  const rl = createInterface({
    input: process.stdin,
    // Without a terminal readline must not write at all, so prompts never mix into the results.
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    history: history === undefined ? [] : readHistory(history),
    historySize: history === undefined ? 0 : HISTORY_SIZE,
    removeHistoryDuplicates: true,
    crlfDelay: Infinity,
  });
  if (history !== undefined) {
    rl.on('history', (lines: string[]) => {
      try {
        writeFileSync(history, [...lines].reverse().join('\n') + '\n');
      } catch {
        // History is a convenience: a read-only home must not end the session.
      }
    });
  }

  const show = (v: Value) => {
    const text = debug(v);
    session.out.write((v instanceof VError ? paint('red', text) : text) + '\n');
    session.out.flush();
  };

  /**
   * Evaluates an entry's forms one after another, each as the main fiber, so
   * that an entry may wait (`aio/await`, `sleep`) while callbacks run; `then`
   * once its value has been shown.
   */
  const evaluate = (parsed: ParsedProgram, then: () => void) => {
    const next = (i: number, last: Value | undefined) => {
      if (i < parsed.forms.length && !(last instanceof VError)) {
        const form = parsed.forms[i];
        if (form === parsed.error) return next(i + 1, form);
        return session.runForm(form, (v) => next(i + 1, v));
      }
      if (last !== undefined && last === parsed.error) {
        session.out.writeErr(formatDiagnostic(readErrorPos.get(parsed.error)!, parsed.error.message));
      }
      if (last !== undefined) show(last);
      then();
    };
    next(0, undefined);
  };

  let entry = '';
  let entries = 0;
  let closed = false;
  const prompt = () => {
    if (!interactive || closed) return;
    rl.setPrompt(entry === '' ? PROMPT : MORE);
    rl.prompt();
  };

  /**
   * Reads the entry typed so far; evaluates it unless it may go on (or `final`,
   * when no more input comes). `then` once it has been dealt with.
   */
  const submit = (final: boolean, then: () => void) => {
    const src = new Source(`<repl:${entries + 1}>`, entry);
    const parsed = parseProgram(src);
    if (!final && incomplete(parsed, entry)) return then();
    entry = '';
    entries++;
    evaluate(parsed, then);
  };

  /** A `:command` at the start of an entry; false when the line is Valkyria after all (keywords start with `:` too). */
  const command = (line: string): boolean => {
    const [, name, arg] = /^\s*(:\S+)\s*(.*?)\s*$/.exec(line) ?? [];
    if (name === ':quit' && arg === '') {
      quitting = true;
      rl.close();
    }
    else if (name === ':help' && arg === '') session.out.write(HELP);
    else if (name === ':load' && arg !== '') show(session.machine.execute((m) => session.load(arg, session.global, m)));
    else return false;
    session.out.flush();
    return true;
  };

  // Lines wait here while an entry is being evaluated: one that waits for events must
  // finish before the next line is read, as it would if the prompt were blocking.
  const lines: string[] = [];
  let busy = false;
  let ended = false;
  let quitting = false;
  const pump = () => {
    while (!busy && !quitting && lines.length > 0) {
      const line = lines.shift()!;
      if (entry !== '' || !command(line)) {
        entry += line + '\n';
        busy = true;
        let sync = true;
        submit(false, () => {
          busy = false;
          prompt();
          if (!sync) pump();
        });
        sync = false;
      } else prompt();
    }
    if (!busy && ended) finish();
  };

  rl.on('line', (line) => {
    if (closed) return;
    lines.push(line);
    pump();
  });

  rl.on('SIGINT', () => {
    // Ctrl-C drops the entry being typed; on an empty one it leaves, as Ctrl-D does.
    if (entry === '' && rl.line === '') return rl.close();
    entry = '';
    process.stdout.write('\n');
    // Ctrl-E then Ctrl-U: readline's own keys for emptying the line being edited.
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    prompt();
  });

  let finish = () => {};
  const done = new Promise<number>((resolve) => {
    finish = () => {
      finish = () => {};
      const end = () => {
        if (interactive) process.stdout.write('\n');
        resolve(session.end());
      };
      // Input ended inside an entry: evaluating it reports what is missing.
      if (entry !== '') submit(true, end);
      else end();
    };
    rl.on('close', () => {
      closed = true;
      ended = true;
      pump();
    });
  });

  if (interactive) process.stdout.write(paint('dim', 'valk: :help for help, :quit or Ctrl-D to leave') + '\n');
  if (options.prelude) session.runFile(session.resolveLoad('src/prelude.valk'));
  session.out.flush();
  prompt();
  return done;
}
