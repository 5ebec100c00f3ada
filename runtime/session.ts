// A running program: the global environment, the evaluator, output, and the
// script-mode and `load` drivers (spec §1.1, §6.6).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installBuiltins } from './builtins/index.js';
import { attachMachine } from './calls.js';
import { Frame } from './frame.js';
import { Machine } from './machine.js';
import { Output, type Sink } from './output.js';
import { debug } from './printer.js';
import { parseProgram, readErrorPos, Source, type Pos } from './reader.js';
import { isNum, sym, VError, type BuiltinResult, type Control, type Kont, type Value } from './values.js';

/** The bundled standard library, which `src/...` load paths fall back to. */
export const STDLIB_DIR = fileURLToPath(new URL('../../runtime/stdlib/', import.meta.url));

const VALK_EXIT_CODE = sym('VALK_EXIT_CODE');
const VALK_LAST_VALUE = sym('VALK_LAST_VALUE');

/** `path:line:col: error: message`, the source line, and a caret under the column. */
export function formatDiagnostic(pos: Pos, message: string): string {
  const { line, col } = pos.src.lineCol(pos.offset);
  const text = pos.src.lineText(line);
  // Keep tabs so the caret lines up under the same column in a terminal.
  let pad = '';
  let seen = 0;
  for (let i = 0; i < text.length && seen < col - 1; i++) {
    const b = text.charCodeAt(i);
    if (b >= 0x80 && b <= 0xbf) continue;
    pad += text[i] === '\t' ? '\t' : ' ';
    seen++;
  }
  return `${pos.src.path}:${line}:${col}: error: ${message}\n    ${text}\n    ${pad}^\n`;
}

/**
 * Evaluates a file's forms in order. Script mode prints a top-level Error and
 * stops the file; `load` prints it and goes on, then binds VALK_LAST_VALUE.
 */
class ProgramK implements Kont {
  readonly driver = true;
  constructor(
    private readonly session: Session,
    private readonly forms: Value[],
    private i: number,
    private readonly env: Frame,
    private readonly isLoad: boolean,
    private last: Value | undefined,
  ) {}

  resume(m: Control, v: Value): BuiltinResult {
    if (v instanceof VError) {
      this.session.out.write(debug(v) + '\n');
      if (!this.isLoad) return null;
    } else this.last = v;
    return this.next(m);
  }

  next(m: Control): BuiltinResult {
    if (this.i >= this.forms.length) {
      if (this.isLoad && this.last !== undefined) this.env.set(VALK_LAST_VALUE, this.last);
      return null;
    }
    const form = this.forms[this.i++];
    m.push(this);
    return m.evalTail(form, this.env);
  }

  clone(): Kont {
    return new ProgramK(this.session, this.forms, this.i, this.env, this.isLoad, this.last);
  }
}

export interface SessionOptions {
  /** Directory that relative paths in `load` and `read-file` are resolved against. */
  readonly cwd?: string;
  /** Where output goes; the process's stdout and stderr by default. */
  readonly sink?: Sink;
  /** Most calls the program may make before it is stopped with an Error (for tests of generated programs). */
  readonly fuel?: number;
  /** Whether compiled code may take its fast paths (default true); false forces every generic path. */
  readonly fastPaths?: boolean;
}

export class Session {
  readonly global = new Frame(null, true);
  readonly out: Output;
  readonly machine = new Machine(this.global);
  readonly cwd: string;
  readonly fastPaths: boolean;

  constructor(options: SessionOptions = {}) {
    this.cwd = options.cwd ?? process.cwd();
    this.out = new Output(options.sink);
    if (options.fuel !== undefined) this.machine.fuel = options.fuel;
    this.fastPaths = options.fastPaths ?? true;
    installBuiltins(this, this.fastPaths);
    attachMachine(this.machine);
  }

  resolve(path: string): string {
    return resolve(this.cwd, path);
  }

  /** `load` paths: relative to the working directory, else `src/…` from the bundled library. */
  resolveLoad(path: string): string {
    const direct = this.resolve(path);
    if (isAbsolute(path) || existsSync(direct)) return direct;
    const m = /^(?:\.\/)?src\/(.+)$/.exec(path);
    if (m !== null) {
      const bundled = join(STDLIB_DIR, m[1]);
      if (existsSync(bundled)) return bundled;
    }
    return direct;
  }

  private readSource(path: string, resolved: string): Source | VError {
    try {
      if (statSync(resolved).isDirectory()) throw new Error('directory');
      return new Source(path, readFileSync(resolved).toString('latin1'));
    } catch {
      return new VError(`Could not open file (${path})`);
    }
  }

  private parse(src: Source): Value[] {
    const parsed = parseProgram(src);
    if (parsed.error !== undefined) this.reportSyntaxError(parsed.error);
    return parsed.forms;
  }

  reportSyntaxError(err: VError): void {
    const pos = readErrorPos.get(err);
    if (pos !== undefined) this.out.writeErr(formatDiagnostic(pos, err.message));
  }

  /** The `load` builtin: evaluates the file's forms in the caller's frame. */
  load(path: string, env: Frame, m: Control): BuiltinResult {
    const src = this.readSource(path, this.resolveLoad(path));
    if (src instanceof VError) {
      this.out.write(debug(src) + '\n');
      return src;
    }
    return new ProgramK(this, this.parse(src), 0, env, true, undefined).next(m);
  }

  /** Script mode for one file (spec §1.1). */
  runFile(path: string): void {
    const src = this.readSource(path, this.resolve(path));
    if (src instanceof VError) {
      this.out.write(debug(src) + '\n');
      return;
    }
    this.runSource(src);
  }

  runSource(src: Source): void {
    const program = new ProgramK(this, this.parse(src), 0, this.global, false, undefined);
    this.machine.execute((m) => program.next(m));
  }

  /** Calls the function a global holds, as a call from the top level would. */
  callGlobal(name: string, args: Value[] = []): Value {
    const fn = this.global.lookup(sym(name));
    if (fn === undefined) return new VError(`LEnv: Symbol \`${name}\` is not bound`);
    return this.machine.execute((m) => m.applyTail(fn, args, this.global));
  }

  /** The process exit status (spec §1.2). */
  exitCode(): number {
    const code = this.global.lookup(VALK_EXIT_CODE);
    if (code === undefined || !isNum(code)) return 0;
    return Number(BigInt.asUintN(8, BigInt(code)));
  }
}
