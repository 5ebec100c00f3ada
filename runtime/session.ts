// A running program: the global environment, the evaluator, output, and the
// script-mode and `load` drivers (spec §1.1, §6.6).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installBuiltins } from './builtins/index.js';
import { isStandardPrelude } from './compiled.js';
import { attachHost, calls, type Host } from './calls.js';
import { defineStandard, Frame } from './frame.js';
import { Machine } from './machine.js';
import { reportUnhandled } from './aio/handle.js';
import { enterCode, runCps } from './cps.js';
import { mayWait, nesting, spawn } from './fibers.js';
import { Output, type Sink } from './output.js';
import { debug } from './printer.js';
import { parseProgram, readErrorPos, Source, type ParsedProgram, type Pos } from './reader.js';
import { isNum, sym, VError, type BuiltinResult, type Control, type Kont, type Sym, type Value } from './values.js';

/**
 * The bundled standard library, which `src/...` load paths fall back to; undefined
 * when the runtime runs from a bundle (`valk build`), where literal loads are imports.
 */
export const STDLIB_DIR = stdlibDir();

function stdlibDir(): string | undefined {
  try {
    return fileURLToPath(new URL('../../runtime/stdlib/', import.meta.url));
  } catch {
    return undefined; // a CommonJS bundle has no import.meta.url
  }
}

const VALK_EXIT_CODE = sym('VALK_EXIT_CODE');
/** Prelude names whose meaning compiled code builds in (behind a guard that they still hold it). */
const PRELUDE_STANDARD: ReadonlySet<Sym> = new Set(['fun', 'nil', 'true', 'false', 'map', 'filter', 'foldl'].map(sym));
const PRELUDE_PATH = STDLIB_DIR === undefined ? undefined : join(STDLIB_DIR, 'prelude.valk');
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
  /** The main program's top level is the main fiber; a loaded file's forms run in the loader's. */
  get fiber(): boolean {
    return !this.isLoad;
  }
  constructor(
    private readonly session: Session,
    private readonly file: ParsedFile,
    private i: number,
    private readonly env: Frame,
    private readonly isLoad: boolean,
    private last: Value | undefined,
  ) {}

  resume(m: Control, v: Value): BuiltinResult {
    if (v instanceof VError) {
      this.session.reportTopLevel(this.file, this.i - 1, v);
      if (!this.isLoad) return null;
    } else this.last = v;
    return this.next(m);
  }

  next(m: Control): BuiltinResult {
    if (this.i >= this.file.parsed.forms.length) {
      if (this.isLoad && this.last !== undefined) this.env.set(VALK_LAST_VALUE, this.last);
      return null;
    }
    const form = this.file.parsed.forms[this.i++];
    m.push(this);
    return m.evalTail(form, this.env);
  }

  clone(): Kont {
    return new ProgramK(this.session, this.file, this.i, this.env, this.isLoad, this.last);
  }
}

/**
 * A compiled top-level form: its direct code, and, when it calls anything, its
 * continuation-passing code `cps(k, owed)` (runtime/cps.ts) for a fiber that may suspend.
 */
export type TopForm = (() => Value) & {
  cps?: (k: (v: Value) => Value, owed: number) => Value;
  /** A literal `load`: its code runs the continuation-passing way even before code that may wait has been read. */
  loads?: boolean;
};

/**
 * A loaded file's compiled forms, run in the global frame: an Error is printed
 * and the file goes on, and VALK_LAST_VALUE is bound at the end (spec §6.6).
 * When `suspendable` (code that may wait has been read, and the evaluator
 * runs the load) a form with continuation-passing code runs as such, the rest
 * of the load its continuation (runtime/cps.ts, enterCode), so that a wait at
 * the file's top level suspends the fiber.
 */
class CompiledLoadK implements Kont {
  constructor(
    private readonly session: Session,
    private readonly forms: TopForm[],
    private readonly file: ParsedFile | undefined,
    private readonly suspendable: boolean,
    private i = 0,
    private last: Value | undefined = undefined,
  ) {}

  resume(m: Control, v: Value): BuiltinResult {
    this.done(v);
    return this.next(m);
  }

  next(m: Control): BuiltinResult {
    while (this.i < this.forms.length) {
      const form = this.forms[this.i++];
      if (this.suspendable && form.cps !== undefined) {
        const machine = m as Machine;
        machine.push(this);
        const cps = form.cps;
        const r = enterCode(machine, (k) => cps(k, -1));
        if (r !== undefined) return r;
        machine.stack.pop();
      }
      this.done(this.session.runDirect(form));
    }
    if (this.last !== undefined) this.session.global.set(VALK_LAST_VALUE, this.last);
    return null;
  }

  private done(v: Value): void {
    if (v instanceof VError) this.session.reportTopLevel(this.file, this.i - 1, v);
    else this.last = v;
  }

  clone(): Kont {
    return new CompiledLoadK(this.session, this.forms, this.file, this.suspendable, this.i, this.last);
  }
}

/** A compiled file, ready to run against a global frame: one thunk per top-level form. */
export type Instantiate = (global: Frame) => TopForm[];

/**
 * Compiles a file for running (the compile-on-demand path, supplied by whoever
 * runs programs compiled; the runtime itself never imports the compiler).
 */
export type Loader = (src: Source, resolvedPath: string) => Instantiate;

/** A file's text with its top-level forms, for running and for reporting where an Error came from. */
interface ParsedFile {
  readonly src: Source;
  readonly parsed: ParsedProgram;
}

/** Ends the loading of the bundled prelude (the load's value passes through). */
class StandardK implements Kont {
  resume(_m: Control, v: Value): Value {
    defineStandard(undefined);
    return v;
  }
  clone(): Kont {
    return this;
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
  /** Run files and `load`s compiled, through this loader; without one, everything is evaluated. */
  readonly loader?: Loader;
}

export class Session implements Host {
  readonly global = new Frame(null, true);
  readonly out: Output;
  readonly machine = new Machine(this.global);
  readonly cwd: string;
  readonly fastPaths: boolean;
  private readonly loader: Loader | undefined;

  constructor(options: SessionOptions = {}) {
    this.cwd = options.cwd ?? process.cwd();
    this.out = new Output(options.sink);
    if (options.fuel !== undefined) this.machine.fuel = options.fuel;
    this.fastPaths = options.fastPaths ?? true;
    this.loader = options.loader;
    installBuiltins(this, this.fastPaths);
    attachHost(this);
  }

  resolve(path: string): string {
    return resolve(this.cwd, path);
  }

  /** `load` paths: relative to the working directory, else `src/…` from the bundled library. */
  resolveLoad(path: string): string {
    const direct = this.resolve(path);
    if (isAbsolute(path) || existsSync(direct)) return direct;
    const m = /^(?:\.\/)?src\/(.+)$/.exec(path);
    if (m !== null && STDLIB_DIR !== undefined) {
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

  /** Parses a file, reporting a syntax error on stderr at once (the Error itself is its last form). */
  private parse(src: Source): ParsedFile {
    const parsed = parseProgram(src);
    if (parsed.error !== undefined) {
      const pos = readErrorPos.get(parsed.error);
      if (pos !== undefined) this.out.writeErr(formatDiagnostic(pos, parsed.error.message));
    }
    return { src, parsed };
  }

  /**
   * A top-level form gave an Error: its debug form on stdout (spec §1.1, §6.6), and
   * where it came from on stderr (a syntax error was reported when the file was read).
   */
  reportTopLevel(file: ParsedFile | undefined, index: number, err: VError): void {
    this.out.write(debug(err) + '\n');
    const { parsed } = file ?? {};
    if (file === undefined || parsed === undefined || (parsed.error !== undefined && index === parsed.forms.length - 1)) return;
    const offset = file.parsed.starts[index];
    if (offset !== undefined) this.out.writeErr(formatDiagnostic({ src: file.src, offset }, err.message));
  }

  /** The `load` builtin: evaluates the file's forms in the caller's frame. */
  load(path: string, env: Frame, m: Control): BuiltinResult {
    const resolved = this.resolveLoad(path);
    // Once the bundled prelude has run, its functions are the standard ones.
    if (env === this.global && this.isPrelude(resolved)) {
      defineStandard(PRELUDE_STANDARD);
      m.push(new StandardK());
    }
    return this.loadInto(path, resolved, env, m);
  }

  private loadInto(path: string, resolved: string, env: Frame, m: Control): BuiltinResult {
    const src = this.readSource(path, resolved);
    if (src instanceof VError) {
      this.out.write(debug(src) + '\n');
      return src;
    }
    const file = this.parse(src);
    // Compiled code keeps its own frames in JS; a file loaded into a call frame is evaluated instead.
    const compiled = this.loader !== undefined && env === this.global ? this.compileFile(file, resolved) : undefined;
    if (compiled !== undefined) return new CompiledLoadK(this, compiled(this.global), file, mayWait()).next(m);
    return new ProgramK(this, file, 0, env, true, undefined).next(m);
  }

  /**
   * Script mode for one file (spec §1.1), as the main fiber: `then` runs when
   * the file is done, which is later when the program waits for events.
   */
  runFile(path: string, then: () => void = () => {}): void {
    const resolved = this.resolve(path);
    // The bundled prelude given as a file (`valk run --prelude`) defines the standard functions, as its `load` does.
    if (this.isPrelude(resolved)) {
      defineStandard(PRELUDE_STANDARD);
      const after = then;
      then = () => {
        defineStandard(undefined);
        after();
      };
    }
    const src = this.readSource(path, resolved);
    if (src instanceof VError) {
      this.out.write(debug(src) + '\n');
      return then();
    }
    const file = this.parse(src);
    const compiled = this.loader !== undefined ? this.compileFile(file, resolved) : undefined;
    if (compiled !== undefined) spawn(() => this.runMainForms(compiled, file), then);
    else this.runProgramK(new ProgramK(this, file, 0, this.global, false, undefined), then);
  }

  /** Whether the file at resolved is the bundled prelude, whose functions are then the standard ones. */
  private isPrelude(resolved: string): boolean {
    return resolved === PRELUDE_PATH && this.fastPaths;
  }

  /** Script mode over several files in order; resolves once the last has ended. */
  runFiles(paths: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      const next = (i: number) => (i < paths.length ? this.runFile(paths[i], () => next(i + 1)) : resolve());
      next(0);
    });
  }

  private runProgramK(program: ProgramK, then: () => void): void {
    spawn(() => this.machine.execute((m) => program.next(m), true), then);
  }

  /** The compiled file, or undefined when the compiler failed on it (then it is evaluated). */
  private compileFile(file: ParsedFile, resolved: string): Instantiate | undefined {
    try {
      return this.loader!(file.src, resolved);
    } catch (e) {
      this.out.writeErr(`valk: internal compiler error in ${file.src.path} (${(e as Error).message}); evaluating it instead\n`);
      return undefined;
    }
  }

  /** A module compiled ahead of time, loaded by a literal `(load PATH)` of compiled code. */
  runModule(instantiate: Instantiate): void {
    const prelude = isStandardPrelude(instantiate) && this.fastPaths;
    if (prelude) defineStandard(PRELUDE_STANDARD);
    // Called from compiled code, not by the evaluator: the forms run as direct code.
    new CompiledLoadK(this, instantiate(this.global), undefined, false).next(this.machine);
    if (prelude) defineStandard(undefined);
  }

  /** Runs a module compiled ahead of time as the program (script mode); `then` once it has ended. */
  runMain(instantiate: Instantiate, then: () => void): void {
    spawn(() => this.runMainForms(instantiate, undefined), then);
  }

  /**
   * The main program's compiled forms, in the main fiber: script mode stops at
   * an Error value (spec §1.1). Once code that may wait has been read, a form
   * runs as continuation-passing code, whose continuation is the rest of the
   * program, so that the fiber can suspend anywhere in it.
   */
  private runMainForms(instantiate: Instantiate, file: ParsedFile | undefined): Value {
    const forms = instantiate(this.global);
    let at = 0;
    /** Hands a form's value on; false when the file stops there. */
    const done = (v: Value): boolean => {
      if (!(v instanceof VError)) return true;
      this.reportTopLevel(file, at, v);
      return false;
    };
    const from = (i: number): Value => {
      for (; i < forms.length; i++) {
        at = i;
        const cps = forms[i].cps;
        if (cps !== undefined && (mayWait() || forms[i].loads === true)) return cps((v) => (done(v) ? from(at + 1) : null), -1);
        if (!done(this.runDirect(forms[i]))) return null;
      }
      return null;
    };
    try {
      return runCps(() => from(0), 'fiber', true);
    } catch (e) {
      done(this.hostFailure(e));
      return null;
    }
  }

  /** A form's direct code, which keeps whoever runs it on the JS stack: no fiber suspends inside. */
  runDirect(form: TopForm): Value {
    nesting.opaque++;
    try {
      return form();
    } catch (e) {
      return this.hostFailure(e);
    } finally {
      nesting.opaque--;
    }
  }

  /** Compiled code throws only on host failures, such as exhausting the JS stack. */
  private hostFailure(e: unknown): VError {
    calls.depth = 0;
    calls.owed = 0;
    return new VError(e instanceof RangeError ? 'Stack overflow: too many nested calls' : `Internal error: ${(e as Error).message}`);
  }

  /** Script mode for text that is not a file (always evaluated), as the main fiber. */
  runSource(src: Source, then: () => void = () => {}): void {
    this.runProgramK(new ProgramK(this, this.parse(src), 0, this.global, false, undefined), then);
  }

  /** Evaluates one datum in the global frame as the main fiber (the repl's entries); `then` gets its value. */
  runForm(form: Value, then: (v: Value) => void): void {
    spawn(() => this.machine.execute((m) => m.evalTail(form, this.global), true), then);
  }

  /** Calls the function a global holds, as a call from the top level would. */
  callGlobal(name: string, args: Value[] = []): Value {
    const fn = this.global.lookup(sym(name));
    if (fn === undefined) return new VError(`LEnv: Symbol \`${name}\` is not bound`);
    return this.machine.execute((m) => m.applyTail(fn, args, this.global));
  }

  /** The program has ended: everything written out, failures nobody handled reported; gives the exit status. */
  end(): number {
    reportUnhandled((text) => this.out.writeErr(text));
    this.out.flush();
    return this.exitCode();
  }

  /** The process exit status (spec §1.2). */
  exitCode(): number {
    const code = this.global.lookup(VALK_EXIT_CODE);
    if (code === undefined || !isNum(code)) return 0;
    return Number(BigInt.asUintN(8, BigInt(code)));
  }
}
