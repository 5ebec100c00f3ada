// `valk check FILE...`: problems found without running anything.
//
// The compiler's analyzer already resolves every symbol to a local, a literal
// of `fun`'s frame or a global, and recognises the binding forms it can see
// statically; this walks its IR. Anything built or bound at run time (a
// computed `def`, data that is evaluated later, a `load` whose file cannot be
// followed) makes the check say less, never more: a report should always be a
// real problem.

import { readFileSync } from 'node:fs';
import { analyze } from '../compiler/analyze.js';
import type { Expr, Fn, Loc } from '../compiler/ir.js';
import { at, drop } from '../runtime/compiled.js';
import { parseProgram, Source } from '../runtime/reader.js';
import { formatDiagnostic, Session } from '../runtime/session.js';
import { Builtin, Cons, Sym, sym, VError, type Value } from '../runtime/values.js';
import { unreadable } from './run.js';

export interface CheckOptions {
  readonly files: readonly string[];
}

/** How many arguments a builtin accepts; a missing bound is open. */
interface CountRule {
  min?: number;
  max?: number;
}

const LOAD = sym('load');
const ASYNC_SHIFT = sym('async-shift');
/** Names the runtime itself binds while a program runs (spec §5.6). */
const RUNTIME_BOUND = ['VALK_EXIT_CODE', 'VALK_LAST_VALUE'];

const COUNT_ERROR = /^Invalid argument count, Actual\[(\d+)\] (==|<=|>) Expected\[(\d+)\]$/;
/** More arguments than any builtin with a fixed count takes. */
const MANY = 16;

/**
 * Each builtin's count rule, as the builtin itself states it: every builtin
 * checks its count before doing anything else, so calling it with no arguments
 * and with too many, in a session of its own whose output goes nowhere, gives
 * its count error (spec §6) without other effects. A builtin that accepts
 * both calls has no fixed rule.
 */
function builtinRules(session: Session): Map<Sym, CountRule> {
  const rules = new Map<Sym, CountRule>();
  for (const [name, value] of session.global.ownBindings()) {
    if (!(value instanceof Builtin)) continue;
    const rule: CountRule = {};
    for (const n of [0, MANY]) {
      const r = session.callGlobal(name.name, new Array<Value>(n).fill(null));
      const m = r instanceof VError ? COUNT_ERROR.exec(r.message) : null;
      if (m === null || Number(m[1]) !== n) continue;
      const expected = Number(m[3]);
      if (m[2] === '==') rule.min = rule.max = expected;
      else if (m[2] === '<=') rule.max = expected;
      else rule.min = expected + 1;
    }
    rules.set(name, rule);
  }
  return rules;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeRule(rule: CountRule): string {
  if (rule.min === rule.max) return `exactly ${plural(rule.min!, 'argument')}`;
  if (rule.max === undefined) return `at least ${plural(rule.min!, 'argument')}`;
  if (rule.min === undefined) return `at most ${plural(rule.max, 'argument')}`;
  return `${rule.min} to ${rule.max} arguments`;
}

interface Diagnostic {
  readonly offset: number;
  readonly message: string;
}

/** What one file contributes to, and asks of, the global environment. */
interface FileFacts {
  readonly src: Source;
  readonly readError: Diagnostic | undefined;
  /** Problems the analyzer found in the forms themselves, such as `(if)` with one operand. */
  readonly malformed: Diagnostic[];
  /** Globals bound by `def`, `=` at top level or `fun`, with the lambda when the value is a literal one. */
  readonly defs: Array<{ readonly name: Sym; readonly fn: Fn | undefined }>;
  /** Symbols in data the analyzer did not read as code: data may be evaluated or bound later, so these may be globals. */
  readonly mentioned: Set<Sym>;
  readonly refs: Array<{ readonly name: Sym; readonly loc: Loc | undefined }>;
  readonly calls: Array<{ readonly name: Sym; readonly argc: number; readonly loc: Loc | undefined; readonly inFn: boolean }>;
  /** Paths of literal `(load "...")` calls; undefined for a load of a computed path. */
  readonly loads: Array<string | undefined>;
}

function symbolsIn(v: Value, into: Set<Sym>): void {
  const work = [v];
  while (work.length > 0) {
    const x = work.pop();
    if (x instanceof Sym) into.add(x);
    else if (x instanceof Cons) for (let c: Cons | null = x; c !== null; c = c.tail) work.push(c.head);
  }
}

function factsOf(path: string, text: string): FileFacts {
  const program = analyze(path, text);
  const data = parseProgram(new Source(path, text)).forms;
  const facts: FileFacts = {
    src: new Source(path, text),
    readError: program.readError,
    malformed: [],
    defs: [],
    mentioned: new Set(),
    refs: [],
    calls: [],
    loads: [],
  };
  const walk = (e: Expr | null, inFn: boolean): void => {
    if (e === null) return;
    switch (e.k) {
      case 'lit':
      case 'local': // its fallback to an outer binding is only taken before `=` binds it: too unsure to report
        return;
      case 'data':
      case 'evalData':
        symbolsIn(drop(at(data[e.ref.form], ...e.ref.path), e.ref.drop ?? 0), facts.mentioned);
        return;
      case 'global':
        facts.refs.push({ name: e.name, loc: e.loc });
        return;
      case 'err':
        if (e.loc !== undefined) facts.malformed.push({ offset: e.loc.offset, message: e.message });
        return;
      case 'call':
        if (e.fn.k === 'global') {
          facts.calls.push({ name: e.fn.name, argc: e.args.length, loc: e.loc, inFn });
          if (e.fn.name === LOAD && e.args.length === 1) {
            const a = e.args[0];
            facts.loads.push(a.k === 'lit' && typeof a.value === 'string' ? a.value : undefined);
          }
        }
        walk(e.fn, inFn);
        for (const a of e.args) walk(a, inFn);
        return;
      case 'single':
        if (e.e.k === 'global') facts.calls.push({ name: e.e.name, argc: 0, loc: e.loc, inFn });
        walk(e.e, inFn);
        return;
      case 'prim':
      case 'native':
        facts.refs.push({ name: e.name, loc: e.loc });
        for (const a of e.args) walk(a, inFn);
        return;
      case 'load':
        walk(e.call, inFn);
        return;
      case 'if':
        walk(e.cond, inFn);
        walk(e.then, inFn);
        walk(e.else, inFn);
        return;
      case 'seq':
        for (const x of e.items) walk(x, inFn);
        return;
      case 'do':
        for (const x of e.args) walk(x, inFn);
        return;
      case 'select':
        for (const [c, r] of e.clauses) {
          walk(c, inFn);
          walk(r, inFn);
        }
        return;
      case 'lambda':
        walk(e.fn.body, true);
        return;
      case 'shift':
        facts.calls.push({ name: ASYNC_SHIFT, argc: 2, loc: e.loc, inFn });
        walk(e.fn.body, true);
        return;
      case 'js':
        return;
      case 'reset':
        // A shift in the body has its reset: the body's shifts are not reported.
        walk(e.body, true);
        return;
      case 'async':
        // The body is a fiber of its own: no reset of the caller's reaches a shift in it.
        walk(e.body, false);
        return;
      case 'bind':
        e.targets.forEach((t, i) => {
          if (t.kind !== 'global') return;
          const v = e.values[i];
          const lambda = v.k === 'guarded' ? v.fast : v;
          facts.defs.push({ name: t.name, fn: lambda.k === 'lambda' ? lambda.fn : undefined });
        });
        for (const v of e.values) walk(v, inFn);
        return;
      case 'guarded':
        // The form's head is the first guard; the slow path is the same form, run as data.
        facts.refs.push({ name: e.guard[0], loc: e.loc });
        walk(e.fast, inFn);
        return;
    }
  };
  for (const f of program.forms) walk(f, false);
  return facts;
}

/** Checks the files; returns the exit status: 0 clean, 1 problems reported, 2 a file could not be read. */
export function checkFiles(options: CheckOptions): number {
  const session = new Session({ sink: () => {} });
  const rules = builtinRules(session);

  let status = 0;
  const checked: FileFacts[] = [];
  const all = new Map<string, FileFacts>();
  for (const f of options.files) {
    const why = unreadable(f);
    if (why !== undefined) {
      process.stderr.write(`valk: cannot check ${f}: ${why}\n`);
      status = 2;
      continue;
    }
    const facts = factsOf(f, readFileSync(f).toString('latin1'));
    checked.push(facts);
    all.set(session.resolve(f), facts);
  }

  // Follow literal loads, as `valk run` resolves them, to learn what they define.
  let followed = true;
  const pending = [...all.values()];
  for (let facts = pending.pop(); facts !== undefined; facts = pending.pop()) {
    for (const path of facts.loads) {
      if (path === undefined) {
        followed = false;
        continue;
      }
      const resolved = session.resolveLoad(path);
      if (all.has(resolved)) continue;
      let text: string;
      try {
        text = readFileSync(resolved).toString('latin1');
      } catch {
        followed = false;
        continue;
      }
      const loaded = factsOf(path, text);
      all.set(resolved, loaded);
      pending.push(loaded);
    }
  }

  if (!followed) process.stderr.write('valk: note: a load could not be followed, so unbound names and argument counts are not checked\n');

  // How many places bind each global, and the lambda when the one binding is a literal one.
  const bindings = new Map<Sym, number>();
  const lambdas = new Map<Sym, Fn>();
  const bind = (name: Sym, fn?: Fn) => {
    bindings.set(name, (bindings.get(name) ?? 0) + 1);
    if (fn !== undefined) lambdas.set(name, fn);
  };
  for (const name of rules.keys()) bind(name);
  for (const name of RUNTIME_BOUND) bind(sym(name));
  const mentioned = new Set<Sym>();
  for (const facts of all.values()) {
    for (const d of facts.defs) bind(d.name, d.fn);
    for (const name of facts.mentioned) mentioned.add(name);
  }
  // A name in data could be bound by a computed `def`, so it is never reported as unbound;
  // rebinding a function that way is rare enough not to hide its known argument count.
  const bound = (name: Sym) => bindings.has(name) || mentioned.has(name);
  /** A global that holds one known value wherever it is used. */
  const only = (name: Sym) => followed && bindings.get(name) === 1;

  let reported = false;
  for (const facts of checked) {
    const found: Diagnostic[] = [...facts.malformed];
    if (facts.readError !== undefined) found.push(facts.readError);
    if (followed) {
      for (const r of facts.refs) {
        if (!bound(r.name) && r.loc !== undefined) {
          found.push({ offset: r.loc.offset, message: `\`${r.name.name}\` is not bound: not a builtin, and no checked or loaded file defines it` });
        }
      }
    }
    for (const c of facts.calls) {
      if (c.loc === undefined || !only(c.name)) continue;
      const rule = rules.get(c.name);
      const fn = lambdas.get(c.name);
      if (rule !== undefined && ((rule.min !== undefined && c.argc < rule.min) || (rule.max !== undefined && c.argc > rule.max))) {
        found.push({ offset: c.loc.offset, message: `\`${c.name.name}\` takes ${describeRule(rule)}, but is given ${c.argc}` });
      }
      if (fn !== undefined && fn.rest === null && c.argc > fn.params.length) {
        found.push({ offset: c.loc.offset, message: `\`${c.name.name}\` takes ${plural(fn.params.length, 'argument')}, but is given ${c.argc}` });
      }
      if (c.name === ASYNC_SHIFT && rule !== undefined && !c.inFn) {
        found.push({ offset: c.loc.offset, message: '`async-shift` outside any `async-reset`: it gives the Error "async-shift: no enclosing async-reset"' });
      }
    }
    found.sort((a, b) => a.offset - b.offset);
    // Source lines are bytes (one char each), as `valk run` writes them.
    for (const d of found) process.stdout.write(Buffer.from(formatDiagnostic({ src: facts.src, offset: d.offset }, d.message), 'latin1'));
    reported ||= found.length > 0;
  }
  return status !== 0 ? status : reported ? 1 : 0;
}
