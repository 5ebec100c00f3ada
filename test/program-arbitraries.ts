// Random well-formed, terminating Valkyria programs for the differential test
// (compiled vs compiled without fast paths vs evaluated).
//
// fast-check supplies a list of choices; the generator reads them one by one
// (an exhausted list reads as 0, and choice 0 is always the simplest option),
// so fast-check's shrinking of the list shrinks the program.
//
// Termination by construction (compiled code does not count calls against the
// session's budget, so a looping program would hang):
// * Values are typed: data, or functions with a signature. Data never holds a
//   user function (only builtins that are safe to call, reached through
//   `eval`/`do` of data); functions flow only where a signature expects them,
//   and function parameters are first order (their own parameters are data),
//   so no function is ever applied to itself.
// * The global functions f1..f4 have levels 1..4: code of level L (f_L's
//   definition, and everything nested in it) names only f_k with k < L. Top
//   level is level 5. They are defined only at top level, always with code
//   of their own level.
// * Locals holding functions (`=` in a body) get program-wide fresh names
//   (g1, g2, ...), bound once, and a function bound to one may only name the
//   ones bound before it, so late binding through frames (spec §5.4) cannot
//   close a cycle.
// * Symbols inside data are inert (unbound names, data variables, keywords,
//   safe builtins), so `eval`/`do` of computed data never reaches `eval`,
//   `=`, `def`, `\` or a user function.
// * The one kind of recursion is a walker: a function calling itself (by its
//   global or fresh local name) on the tail of its first parameter, once per
//   round, until that is not a non-empty list. It ends whatever it is given,
//   even with head, tail or len rebound to one another.
// * Data only grows at top level (a handful of forms) and along a bounded
//   call chain: lambdas may `def` only the sink globals out1/out2, which only
//   top-level code reads. `range` only sees small literal bounds.
// * Builtins used as functions (head, +, ...) and values that are not
//   functions at all (an Error, a Number) in function positions only give
//   Errors sooner.
//
// Three flavours: plain names, names that mean something to JavaScript or
// look like the compiler's generated identifiers, and programs that load the
// prelude (fun, map, filter, foldl). The end of the file has a syntactic
// minimiser for failing programs.

import fc from 'fast-check';

// ---------------------------------------------------------------- types

/** A function signature: parameters (data, or a first-order function), an optional `& r`, and the result. */
export interface Sig {
  readonly params: readonly Ty[];
  readonly rest: boolean;
  readonly ret: Ty;
}
export type Ty = 'd' | Sig;

const F = (params: Ty[], rest = false, ret: Ty = 'd'): Sig => ({ params, rest, ret });
const F0 = F([]);
const F1 = F(['d']);
const F2 = F(['d', 'd']);
const F3 = F(['d', 'd', 'd']);
const F1R = F(['d'], true);
const F0R = F([], true);
/** First-order signatures: the types function parameters may have. */
const FIRST_ORDER: readonly Sig[] = [F1, F2, F0, F1R, F3, F0R];
/** Signatures of the global functions f1..f4 (higher order and curried ones included). */
const GLOBAL_SIGS: readonly Sig[] = [F1, F2, F3, F0, F1R, F0R, F([F1, 'd']), F(['d', F2]), F(['d'], false, F1), F([F0]), F(['d', F0]), F(['d', 'd', F0])];
/** Signatures for the global functions, weighted toward walking a list while handing a closure along. */
const GLOBAL_FN_SIGS: readonly Sig[] = [...GLOBAL_SIGS, F(['d', F0]), F(['d', F0]), F(['d', 'd', F0]), F(['d', F1])];

function sameTy(a: Ty, b: Ty): boolean {
  if (a === 'd' || b === 'd') return a === b;
  return a.rest === b.rest && a.params.length === b.params.length && a.params.every((p, i) => sameTy(p, b.params[i])) && sameTy(a.ret, b.ret);
}

/** What calling a function of this signature with no arguments gives: its result, or an equivalent partial. */
function zeroCall(s: Sig): Ty {
  return s.params.length === 0 ? s.ret : s;
}

// ---------------------------------------------------------------- choices

class Choices {
  private i = 0;
  constructor(private readonly xs: readonly number[]) {}
  /** 0 ≤ result < n; 0 once the choices run out. */
  pick(n: number): number {
    if (n <= 1) return 0;
    return this.i < this.xs.length ? this.xs[this.i++] % n : 0;
  }
  /** True with probability about pct/100, false when the choices run out. */
  chance(pct: number): boolean {
    return this.i < this.xs.length && this.xs[this.i++] % 100 < pct;
  }
  from<T>(items: readonly T[]): T {
    return items[this.pick(items.length)];
  }
  /** Picks among weighted options; options whose weight is 0 are unavailable. The first available is the fallback. */
  weighted<T>(options: ReadonlyArray<readonly [number, () => T]>): T {
    const live = options.filter(([w]) => w > 0);
    const total = live.reduce((s, [w]) => s + w, 0);
    let r = this.pick(total);
    for (const [w, f] of live) {
      if (r < w) return f();
      r -= w;
    }
    return live[0][1]();
  }
}

// ---------------------------------------------------------------- contexts

interface FnName {
  readonly name: string;
  readonly sig: Sig;
}

/** A frame the code runs in, and what it may name. */
interface Ctx {
  /** Global functions f_k with k < level may be named. */
  readonly level: number;
  readonly top: boolean;
  /** Readable data names. */
  readonly data: readonly string[];
  /** Callable names in scope (globals of lower level, local function names, function parameters). Grows as `=` binds. */
  readonly fns: FnName[];
  /** The data parameters of the innermost lambda. */
  readonly params?: readonly string[];
}

/** The names a program uses, by role. Every role is fixed program-wide: data names never hold user functions. */
export interface Names {
  readonly dataGlobals: readonly string[];
  /** Globals that lambdas may def but only top-level code reads. */
  readonly sinks: readonly string[];
  readonly dataParams: readonly string[];
  readonly fnParams: readonly string[];
  readonly dataLocals: readonly string[];
  readonly rest: string;
  /** Extra inert symbols for data (unbound names or data names). */
  readonly inert: readonly string[];
  /** The global function of level k (1..4). */
  readonly globalFn: readonly string[];
  /** Prefix of the fresh local function names. */
  readonly localFn: string;
}

export const PLAIN_NAMES: Names = {
  dataGlobals: ['a', 'b', 'c'],
  sinks: ['out1', 'out2'],
  dataParams: ['x', 'y', 'n', 'm'],
  fnParams: ['p', 'q'],
  dataLocals: ['w', 'v'],
  rest: 'r',
  inert: ['foo', 'bar', 'baz', 'a', 'b', 'x', 'w', ':k', ':ok', ':false'],
  globalFn: ['f1', 'f2', 'f3', 'f4'],
  localFn: 'g',
};

/** Names that mean something to JavaScript or look like the compiler's generated identifiers. */
export const HOSTILE_NAMES: Names = {
  dataGlobals: ['__proto__', 'constructor', 'toString'],
  sinks: ['*/', '</script>'],
  dataParams: ['this', 'arguments', 's1_x', 'undefined'],
  fnParams: ['new', 'function'],
  dataLocals: ['x_1', 'valueOf'],
  rest: 'NaN',
  inert: ['hasOwnProperty', 'prototype', '__proto__', 'this', 'x_1', ':__proto__', ':constructor', '//'],
  globalFn: ['return', 'yield', 'await', 'let'],
  localFn: 't',
};

/** Builtins that data may reach (through eval or do of computed lists): calling them always ends. */
const SAFE_BUILTINS = ['+', '-', '*', 'list', 'len', 'head', 'tail', 'join', 'error?', 'print', 'cons', '=='];
/** Builtins callable as functions of a signature (they end whatever they are given, so types need not match exactly). */
const BUILTIN_FNS: readonly FnName[] = [
  { name: 'head', sig: F1 },
  { name: 'len', sig: F1 },
  { name: 'error?', sig: F1 },
  { name: 'list', sig: F0R },
  { name: '+', sig: F2 },
  { name: '-', sig: F1R },
  { name: 'cons', sig: F2 },
  { name: 'join', sig: F1R },
];
/** The prelude's list walkers (which the compiler builds in). */
const PRELUDE_FNS: readonly FnName[] = [
  { name: 'map', sig: F([F1, 'd']) },
  { name: 'filter', sig: F([F1, 'd']) },
  { name: 'foldl', sig: F([F2, 'd', 'd']) },
];

/** Builtins a program may swap for one another (same kind of work, so termination is unaffected). */
// (Not list, cons or join: with those, `(def {f2} (head {f1}))` could put a function's name into data.)
const SWAPPABLE = ['+', '-', '*', '/', '==', '<', 'head', 'tail', 'len'];

const NUMBERS = [
  '0', '1', '-1', '2', '3', '7', '-7', '10', '42', '-100', '0099',
  '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740992', '-9007199254740993', '18014398509481984',
  '4611686018427387904', '-4611686018427387904', '9223372036854775807', '-9223372036854775808', '-9223372036854775807',
  '3037000499', '3037000500', '4294967296', '-4294967296', '4294967295', '1000000007', '123456789012345',
];
const SMALL = ['0', '1', '2', '3', '-1', '5'];
const STRINGS = [
  '"</script>"', '"*/ /* //"', '"`${x}`"', '"\xe2\x80\xa8\xe2\x80\xa9"',
  '""', '"a"', '"hi there"', '"%d"', '"%s"', '"50%%"', '"100%"', '"\xc3\xa9t\xc3\xa9"', '"tab\\there"', '"q\\"uote"',
  '"back\\\\slash"', '"two\\nlines"', '"0"', '"x"', '"\xe2\x9c\x93 ok"', '"\\a\\b\\f\\v\\r\\\'"',
];
const FORMAT_PIECES = ['%d', '%s', '%%', '%ld', '%x', '%l', 'x=', ' ', '|', '\\n', 'ok', '%5d', '\xc3\xa9'];

// ---------------------------------------------------------------- the generator

class Gen {
  private nextLocalFn = 1;
  /** Global functions (by level) last defined as list walkers. */
  private readonly walkers = new Set<number>();
  readonly sigs: Sig[];

  constructor(
    private readonly c: Choices,
    private readonly n: Names,
    private readonly prelude: boolean,
  ) {
    this.sigs = [1, 2, 3, 4].map(() => c.from(GLOBAL_FN_SIGS));
  }

  private inert(): string {
    return this.c.chance(70) ? this.c.from(this.n.inert) : this.c.from(SAFE_BUILTINS);
  }

  private fnName(k: number): string {
    return this.n.globalFn[k - 1];
  }

  // ---- data literals ----

  number(): string {
    return this.c.chance(60) ? this.c.from(SMALL) : this.c.from(NUMBERS);
  }

  /** An inert datum, as written inside a quoted list. */
  datum(depth: number): string {
    return this.c.weighted<string>([
      [4, () => this.number()],
      [3, () => this.inert()],
      [2, () => this.c.from(STRINGS)],
      [depth > 0 ? 2 : 0, () => this.qlist(depth - 1)],
      [depth > 0 ? 1 : 0, () => `(${this.items(depth - 1, 1)})`],
      [1, () => this.c.from(['{}', '()'])],
    ]);
  }

  items(depth: number, min = 0): string {
    const n = min + this.c.pick(4);
    return Array.from({ length: n }, () => this.datum(depth)).join(' ');
  }

  qlist(depth: number): string {
    return `{${this.items(depth)}}`;
  }

  // ---- names ----

  private fnsOf(ctx: Ctx, sig: Sig): FnName[] {
    return ctx.fns.filter((f) => sameTy(f.sig, sig));
  }

  private dataName(ctx: Ctx): string {
    return this.c.from(ctx.data);
  }

  /** Usually one of the innermost lambda's own parameters. */
  private paramName(ctx: Ctx): string {
    return ctx.params !== undefined && ctx.params.length > 0 && this.c.chance(75) ? this.c.from(ctx.params) : this.dataName(ctx);
  }

  // ---- expressions ----

  /** A data-typed expression. */
  data(ctx: Ctx, depth: number): string {
    if (depth <= 0) {
      return this.c.weighted<string>([
        [3, () => this.number()],
        [3, () => this.dataName(ctx)],
        [1, () => this.c.from(STRINGS)],
        [1, () => this.qlist(1)],
      ]);
    }
    const d = depth - 1;
    const sub = () => this.data(ctx, d);
    const args = (min: number, max: number, of = sub) => Array.from({ length: min + this.c.pick(max - min + 1) }, of).join(' ');
    const num = () => this.numeric(ctx, d);
    const list = () => this.listy(ctx, d);
    return this.c.weighted<string>([
      [6, () => this.number()],
      [6, () => this.dataName(ctx)],
      [2, () => this.c.from(STRINGS)],
      [3, () => this.qlist(2)],
      [1, () => `'${this.datum(1)}`],
      // arithmetic and comparison
      [8, () => `(${this.c.from(['+', '-', '*', '/'])} ${args(1, 3, num)})`],
      [2, () => `(${this.c.from(['+', '*', '-', '/'])})`],
      [3, () => `(${this.c.from(['<', '>', '<=', '>=', '==', '!=', 'ord'])} ${num()} ${num()})`],
      [1, () => `(${this.c.from(['==', '!='])} ${sub()} ${sub()})`],
      // lists
      [3, () => `(list ${args(0, 3)})`],
      [3, () => `(${this.c.from(['head', 'tail', 'init'])} ${list()})`],
      [2, () => `(join ${list()} ${args(0, 2, this.c.chance(70) ? list : sub)})`],
      [2, () => `(cons ${sub()} ${list()})`],
      [2, () => `(len ${list()})`],
      [1, () => `(range ${this.c.from(SMALL)} ${this.c.from(SMALL.concat(['4', '6']))})`],
      [1, () => `(str ${args(0, 2)})`],
      // errors
      [2, () => `(error ${this.c.from(STRINGS)})`],
      [2, () => `(${this.c.from(['error?', 'list?'])} ${this.any(ctx, d)})`],
      [1, () => `(${this.c.from(['head', 'tail'])} {})`],
      [1, () => `(+ 1 ${this.c.from(STRINGS)})`],
      // control
      [4, () => this.ifExpr(ctx, d, 'd')],
      [2, () => this.selectExpr(ctx, d, 'd')],
      [3, () => `(do ${Array.from({ length: 1 + this.c.pick(3) }, () => this.stmtOrData(ctx, d)).join(' ')})`],
      // code as data
      [3, () => this.evalLiteral(ctx, d, 'd')],
      [2, () => this.evalComputed(ctx, d)],
      [2, () => `(quote ${this.datum(2)})`],
      [2, () => this.quasi(ctx, d)],
      // calls
      [10, () => this.call(ctx, d, 'd')],
      [3, () => this.errorHead(ctx, d)],
      [2, () => this.single(ctx, d)],
      [2, () => `(print ${args(0, 2)})`],
      [1, () => '(stack-depth)'],
    ]);
  }

  /** Data that is usually a Number. */
  numeric(ctx: Ctx, depth: number): string {
    if (this.c.chance(25)) return this.data(ctx, depth);
    return this.c.weighted<string>([
      [4, () => this.number()],
      [3, () => this.dataName(ctx)],
      [depth > 0 ? 3 : 0, () => `(${this.c.from(['+', '-', '*', '/'])} ${this.numeric(ctx, depth - 1)} ${this.numeric(ctx, depth - 1)})`],
      [depth > 0 ? 1 : 0, () => `(- ${this.numeric(ctx, depth - 1)})`],
      [depth > 0 ? 1 : 0, () => `(len ${this.listy(ctx, depth - 1)})`],
      [depth > 0 ? 1 : 0, () => `(head ${this.listy(ctx, depth - 1)})`],
      [depth > 0 ? 2 : 0, () => this.call(ctx, depth - 1, 'd')],
    ]);
  }

  /** Data that is usually a list. */
  listy(ctx: Ctx, depth: number): string {
    if (this.c.chance(25)) return this.data(ctx, depth);
    return this.c.weighted<string>([
      [4, () => this.qlist(1)],
      [2, () => this.dataName(ctx)],
      [depth > 0 ? 3 : 0, () => `(list ${Array.from({ length: this.c.pick(4) }, () => this.numeric(ctx, depth - 1)).join(' ')})`],
      [depth > 0 ? 1 : 0, () => `(tail ${this.listy(ctx, depth - 1)})`],
      [depth > 0 ? 1 : 0, () => `(join ${this.listy(ctx, depth - 1)} ${this.listy(ctx, depth - 1)})`],
      [depth > 0 ? 1 : 0, () => `(cons ${this.numeric(ctx, depth - 1)} ${this.listy(ctx, depth - 1)})`],
      [1, () => `(range ${this.c.from(SMALL)} ${this.c.from(['3', '4', '6'])})`],
      [1, () => `'${this.datum(1)}`],
    ]);
  }

  /** Anything, for positions that only look at a value (print, ==, error?). */
  any(ctx: Ctx, depth: number): string {
    if (this.c.chance(80)) return this.data(ctx, depth);
    return this.fnExpr(ctx, this.c.from(GLOBAL_SIGS), depth);
  }

  ifExpr(ctx: Ctx, depth: number, want: Ty): string {
    const cond = this.data(ctx, depth);
    const branch = () =>
      this.c.chance(65) ? `{${this.asElements(ctx, depth, want)}}` : this.expr(ctx, depth, want);
    if (this.c.chance(20)) return `(if ${cond} ${branch()})`;
    return `(if ${cond} ${branch()} ${branch()})`;
  }

  selectExpr(ctx: Ctx, depth: number, want: Ty): string {
    const n = 1 + this.c.pick(3);
    const clauses: string[] = [];
    for (let i = 0; i < n; i++) {
      const cond = this.c.chance(30) ? this.c.from(['1', '0']) : `(${this.c.from(['<', '>', '=='])} ${this.data(ctx, depth)} ${this.c.from(SMALL)})`;
      const result = this.c.chance(60) ? `{${this.asElements(ctx, depth, want)}}` : this.expr(ctx, depth, want);
      clauses.push(`{${cond} ${result}}`);
    }
    if (this.c.chance(60)) clauses.push(`{1 ${this.expr(ctx, depth, want)}}`);
    return `(select ${clauses.join(' ')})`;
  }

  expr(ctx: Ctx, depth: number, want: Ty): string {
    return want === 'd' ? this.data(ctx, depth) : this.fnExpr(ctx, want, depth);
  }

  /**
   * An expression written as the elements of an S-expression, for `{...}` code
   * (branches, eval, bodies): `+ 1 2` for `(+ 1 2)`; one element is the
   * single-element rule, so `x` means `(x)`.
   */
  asElements(ctx: Ctx, depth: number, want: Ty): string {
    if (want !== 'd') {
      const names = ctx.fns.filter((f) => f.sig.params.length > 0 && sameTy(f.sig, want)).map((f) => f.name);
      return this.c.weighted<string>([
        // A call of the lambda builtin: `\ {x} {...}`.
        [2, () => this.lambdaLiteral(ctx, want, depth).slice(1, -1)],
        [depth > 0 ? 2 : 0, () => this.callElements(ctx, depth - 1, want) ?? this.lambdaLiteral(ctx, want, 0).slice(1, -1)],
        // The single-element rule on a function with parameters gives an equivalent function.
        [names.length > 0 ? 2 : 0, () => this.c.from(names)],
      ]);
    }
    return this.c.weighted<string>([
      [2, () => this.singleElement(ctx)],
      [depth > 0 ? 3 : 0, () => this.callElements(ctx, depth - 1, want) ?? this.singleElement(ctx)],
      // One parenthesised expression: `{(f 1)}` runs `((f 1))`, the single-element rule on its value.
      [depth > 0 ? 1 : 0, () => `(${this.callElements(ctx, depth - 1, 'd') ?? this.c.from(SMALL)})`],
    ]);
  }

  /** One element whose single-element meaning is data. */
  singleElement(ctx: Ctx): string {
    const names = ctx.fns.filter((f) => sameTy(zeroCall(f.sig), 'd')).map((f) => f.name);
    return this.c.weighted<string>([
      [2, () => this.number()],
      [3, () => this.dataName(ctx)],
      [names.length > 0 ? 3 : 0, () => this.c.from(names)],
      [1, () => this.c.from(STRINGS)],
      [1, () => this.c.from(['+', '*', 'list', '-'])],
    ]);
  }

  /** `(x)` / `(f)`: the single-element rule as an S-expression. */
  single(ctx: Ctx, depth: number): string {
    if (this.c.chance(40)) return `(${this.data(ctx, depth)})`;
    return `(${this.singleElement(ctx)})`;
  }

  evalLiteral(ctx: Ctx, depth: number, want: Ty): string {
    return `(eval {${this.asElements(ctx, depth, want)}})`;
  }

  /** eval of a list built at run time: only safe builtins and data in it. */
  evalComputed(ctx: Ctx, depth: number): string {
    const d = () => this.data(ctx, depth);
    return this.c.weighted<string>([
      [3, () => `(eval (list (quote ${this.c.from(SAFE_BUILTINS)}) ${d()} ${d()}))`],
      [2, () => `(eval (join {${this.c.from(['+', '-', 'list', 'len'])} 1} (list ${d()})))`],
      [2, () => `(eval (cons (quote ${this.c.from(['list', '+', 'head'])}) ${this.qlist(1)}))`],
      [2, () => `(eval ${d()})`],
      [1, () => `(eval (head {${this.inert()}}))`],
      [1, () => `(eval (quote ${this.datum(2)}))`],
    ]);
  }

  quasi(ctx: Ctx, depth: number): string {
    const tmpl = (dd: number): string =>
      this.c.weighted<string>([
        [3, () => this.datum(0)],
        [3, () => `,${this.data(ctx, depth)}`],
        [dd > 0 ? 3 : 0, () => {
          const n = this.c.pick(4);
          const els = Array.from({ length: n }, () => (this.c.chance(25) ? `,@${this.data(ctx, depth)}` : tmpl(dd - 1)));
          return this.c.chance(50) ? `{${els.join(' ')}}` : `(${els.join(' ') || '1'})`;
        }],
        [dd > 0 ? 1 : 0, () => `\`{${this.datum(0)} ,${this.data(ctx, 0)}}`],
      ]);
    if (this.c.chance(5)) return `\`,@${this.data(ctx, 0)}`;
    return `\`${tmpl(2)}`;
  }

  /** A call whose value is unaffected by the callee: the head is an Error or not a function. */
  errorHead(ctx: Ctx, depth: number): string {
    const head = this.c.weighted<string>([
      [3, () => `(error ${this.c.from(STRINGS)})`],
      [2, () => this.dataName(ctx)],
      [1, () => this.number()],
      [1, () => `(head {})`],
      [1, () => `(+ 1 "s")`],
      [1, () => `(nope ${this.number()})`],
    ]);
    const args = Array.from({ length: this.c.pick(3) }, () => (this.c.chance(40) ? `(print ${this.c.from(STRINGS)})` : this.data(ctx, depth)));
    return `(${[head, ...args].join(' ')})`;
  }

  // ---- calls ----

  /** Something callable and its signature. */
  callable(ctx: Ctx, depth: number): { text: string; sig: Sig } {
    return this.c.weighted<{ text: string; sig: Sig }>([
      [ctx.fns.length > 0 ? 6 : 0, () => {
        const f = this.c.from(ctx.fns);
        return { text: f.name, sig: f.sig };
      }],
      [2, () => {
        const sig = this.c.from(GLOBAL_SIGS);
        return { text: this.lambdaLiteral(ctx, sig, depth), sig };
      }],
      [ctx.fns.length > 0 ? 3 : 0, () => {
        // A partial application in head position.
        const f = this.c.from(ctx.fns);
        const k = this.c.pick(f.sig.params.length + 1);
        const sig: Sig = { params: f.sig.params.slice(k), rest: f.sig.rest, ret: f.sig.ret };
        if (k === 0 && f.sig.params.length === 0) return { text: f.name, sig: f.sig };
        const args = f.sig.params.slice(0, k).map((p) => this.expr(ctx, depth, p));
        return { text: `(${[f.name, ...args].join(' ')})`, sig };
      }],
      [1, () => {
        const sig = this.c.from(FIRST_ORDER);
        return { text: this.ifExpr(ctx, depth, sig), sig };
      }],
    ]);
  }

  /** Argument texts for a call of sig, and the type of the call's value. */
  arguments(ctx: Ctx, depth: number, sig: Sig, want: Ty): { args: string[]; ty: Ty } | undefined {
    const n = sig.params.length;
    // A list first argument now and then, for the functions that walk one.
    const full = () => sig.params.map((p, i) => (i === 0 && p === 'd' && this.c.chance(40) ? this.listy(ctx, depth) : this.expr(ctx, depth, p)));
    if (want === 'd') {
      const options: Array<readonly [number, () => { args: string[]; ty: Ty }]> = [
        [sameTy(sig.ret, 'd') ? 8 : 0, () => ({ args: full(), ty: 'd' })],
        [sameTy(sig.ret, 'd') && sig.rest ? 4 : 0, () => ({ args: [...full(), ...Array.from({ length: 1 + this.c.pick(3) }, () => this.data(ctx, depth))], ty: 'd' })],
        // Too many arguments: an Error (spec §4.7), every argument still evaluated.
        [sig.rest ? 0 : 1, () => ({ args: [...full(), this.data(ctx, depth)], ty: 'd' })],
      ];
      if (options.every(([w]) => w === 0)) return undefined;
      return this.c.weighted(options);
    }
    // A function value: a partial application of the right remaining signature, or a call returning one.
    const options: Array<readonly [number, () => { args: string[]; ty: Ty }]> = [];
    for (let k = 0; k < n; k++) {
      const rest: Sig = { params: sig.params.slice(k), rest: sig.rest, ret: sig.ret };
      if (sameTy(rest, want)) options.push([3, () => ({ args: sig.params.slice(0, k).map((p) => this.expr(ctx, depth, p)), ty: rest })]);
    }
    if (sameTy(sig.ret, want)) options.push([3, () => ({ args: full(), ty: want })]);
    if (options.length === 0) return undefined;
    return this.c.weighted(options);
  }

  /** The elements of a call with a value of type want, or undefined when nothing in scope fits. */
  callElements(ctx: Ctx, depth: number, want: Ty): string | undefined {
    for (let attempt = 0; attempt < 3; attempt++) {
      const head = this.callable(ctx, depth);
      let r: { args: string[]; ty: Ty } | undefined;
      // A call returning a function, applied again: ((f a) b).
      if (want === 'd' && head.sig.ret !== 'd' && this.c.chance(70)) {
        const inner = this.arguments(ctx, depth, head.sig, head.sig.ret);
        r = inner && this.arguments(ctx, depth, head.sig.ret, 'd');
        if (inner !== undefined && r !== undefined) return [`(${[head.text, ...inner.args].join(' ')})`, ...r.args].join(' ');
      }
      r = this.arguments(ctx, depth, head.sig, want);
      if (r !== undefined) return [head.text, ...r.args].join(' ');
    }
    return undefined;
  }

  call(ctx: Ctx, depth: number, want: Ty): string {
    const els = this.callElements(ctx, depth, want);
    if (els !== undefined) return `(${els})`;
    return want === 'd' ? this.number() : this.lambdaLiteral(ctx, want, depth);
  }

  // ---- functions ----

  /** An expression whose value is a function of signature sig. */
  fnExpr(ctx: Ctx, sig: Sig, depth: number): string {
    const named = this.fnsOf(ctx, sig);
    const zero = ctx.fns.filter((f) => sameTy(zeroCall(f.sig), sig) && f.sig.params.length > 0);
    return this.c.weighted<string>([
      [named.length > 0 ? 6 : 0, () => this.c.from(named).name],
      [4, () => this.lambdaLiteral(ctx, sig, depth)],
      [depth > 0 ? 2 : 0, () => this.call(ctx, depth - 1, sig)],
      [zero.length > 0 ? 1 : 0, () => `(${this.c.from(zero).name})`],
      [depth > 0 ? 1 : 0, () => this.ifExpr(ctx, depth - 1, sig)],
      [depth > 0 ? 1 : 0, () => this.evalLiteral(ctx, depth - 1, sig)],
      [named.length > 0 ? 1 : 0, () => `(do ${this.data(ctx, 0)} ${this.c.from(named).name})`],
      // Not a function after all: calling it gives an Error (or is one), which ends as surely.
      [1, () => this.c.from(['(error "not a function")', '5', '(+)', '{}'])],
    ]);
  }

  formals(sig: Sig): { text: string; data: string[]; fns: FnName[] } {
    const data: string[] = [];
    const fns: FnName[] = [];
    const names: string[] = [];
    let di = this.c.pick(this.n.dataParams.length);
    let fi = this.c.pick(this.n.fnParams.length);
    for (const p of sig.params) {
      if (p === 'd') {
        const name = this.n.dataParams[di++ % this.n.dataParams.length];
        data.push(name);
        names.push(name);
      } else {
        const name = this.n.fnParams[fi++ % this.n.fnParams.length];
        fns.push({ name, sig: p });
        names.push(name);
      }
    }
    if (sig.rest) {
      names.push('&', this.n.rest);
      data.push(this.n.rest);
    }
    return { text: names.join(' '), data, fns };
  }

  /** `(\ {formals} {body})` in ctx's frame. */
  lambdaLiteral(ctx: Ctx, sig: Sig, depth: number, funName?: string): string {
    const f = this.formals(sig);
    const inner = this.innerCtx(ctx, f);
    const d = Math.max(0, depth - 1);
    // The prelude's fun: its functions also see fun's own parameters _fn and _body (spec 5.5), printed here as data.
    if (funName !== undefined && this.c.chance(30)) {
      return `(fun {${funName} ${f.text}} {(print _fn ${this.c.chance(50) ? '_body' : '(len _body)'}) (${this.asElements(inner, d, sig.ret)})})`;
    }
    const body = this.body(inner, sig.ret, d);
    return funName !== undefined ? `(fun {${funName} ${f.text}} {${body}})` : `(\\ {${f.text}} {${body}})`;
  }

  /** The context of a lambda body: parameters shadow outer names of the same spelling. */
  private innerCtx(ctx: Ctx, f: { data: string[]; fns: FnName[] }): Ctx {
    const shadowed = new Set(f.fns.map((x) => x.name));
    return {
      level: ctx.level,
      top: false,
      data: [...new Set([...ctx.data.filter((n) => !this.n.sinks.includes(n)), ...f.data, ...this.n.dataLocals])],
      fns: [...ctx.fns.filter((x) => !shadowed.has(x.name)), ...f.fns],
      params: f.data,
    };
  }

  /**
   * A function that calls itself (by the name self) on the tail of its first
   * parameter, once per activation, until that is not a non-empty list: it ends
   * whatever it is given. The self call is in tail position (which the compiler
   * turns into a loop) or under a builtin call; statements before it bind locals
   * and closures over the parameters that the next round receives.
   */
  recursiveLambda(ctx: Ctx, sig: Sig, self: string, depth: number, asFun = false): string {
    const f = this.formals(sig);
    const inner = this.innerCtx(ctx, f);
    const l = f.data[0];
    const d = Math.max(0, depth - 1);
    const stmts = Array.from({ length: this.c.chance(50) ? 0 : 1 + this.c.pick(2) }, () => this.stmt(inner, d));
    const thunks = f.fns.filter((x) => x.sig.params.length === 0 && x.sig.ret === 'd').map((x) => x.name);
    const base = () => (sig.ret === 'd' && thunks.length > 0 && this.c.chance(70) ? `{${this.c.from(thunks)}}` : `{${this.asElements(inner, d, sig.ret)}}`);
    // Closures over this round's parameters and locals, handed to the next round.
    const arg = (p: Ty) =>
      p !== 'd' && p.params.length === 0 && !p.rest && p.ret === 'd' && this.c.chance(75)
        ? `(\\ {} {${this.c.from([l, l, ...this.n.dataLocals, ...thunks])}})`
        : this.expr(inner, d, p);
    const args = sig.params.slice(1).map(arg);
    if (sig.rest && this.c.chance(50)) args.push(this.data(inner, d));
    const call = [self, `(tail ${l})`, ...args].join(' ');
    const step =
      sig.ret === 'd' && this.c.chance(35) ? `{${this.c.from(['+ 1', `cons (head ${l})`, 'list', `join (list ${l})`])} (${call})}` : `{${call}}`;
    const test = `if (list? ${l}) {if (== ${l} {}) ${base()} ${step}} ${base()}`;
    const body = stmts.length > 0 ? `${stmts.join(' ')} (${test})` : test;
    return asFun ? `(fun {${self} ${f.text}} {${body}})` : `(\\ {${f.text}} {${body}})`;
  }

  /** A lambda body (spec §4.8): one expression, a sequence, or the single-element form. */
  body(ctx: Ctx, ret: Ty, depth: number): string {
    return this.c.weighted<string>([
      [3, () => this.asElements(ctx, depth, ret)],
      [4, () => {
        const n = this.c.pick(4);
        const stmts = Array.from({ length: n }, () => this.stmt(ctx, depth));
        // A sequence's first element must be a list; the last one gives the value.
        const last = ret === 'd' && this.c.chance(20) ? this.qlist(1) : `(${this.asElements(ctx, depth, ret)})`;
        return [...stmts, last].join(' ');
      }],
      [ret === 'd' ? 1 : 0, () => ''],
    ]);
  }

  /** A statement in a body sequence (always a parenthesised form). */
  stmt(ctx: Ctx, depth: number): string {
    const d = () => this.data(ctx, depth);
    return this.c.weighted<string>([
      [4, () => `(print ${Array.from({ length: 1 + this.c.pick(2) }, () => this.any(ctx, depth)).join(' ')})`],
      [2, () => this.printf(ctx, depth)],
      [5, () => {
        const names = this.c.chance(25) ? [...this.n.dataLocals] : [this.c.from(this.n.dataLocals)];
        return `(= {${names.join(' ')}} ${names.map(d).join(' ')})`;
      }],
      [ctx.top ? 0 : 3, () => this.bindLocalFn(ctx, depth)],
      [ctx.top ? 0 : 2, () => `(def {${this.c.from(this.n.sinks)}} ${d()})`],
      [2, () => this.reresolve(ctx)],
      [2, () => `(eval {= {${this.c.from(this.n.dataLocals)}} ${d()}})`],
      [1, () => `(eval (list (quote =) (quote {${this.c.from(this.n.dataLocals)}}) ${d()}))`],
      [1, () => `(eval (list = {${this.c.from(this.n.dataLocals)}} ${d()}))`],
      [2, () => this.ifExpr(ctx, depth, 'd')],
      [1, () => `(if ${d()} {= {${this.c.from(this.n.dataLocals)}} ${d()}} {print "else"})`],
      [2, () => this.call(ctx, depth, 'd')],
      [1, () => `(do ${this.stmt(ctx, depth)} ${d()})`],
      [1, () => this.selectExpr(ctx, depth, 'd')],
      // The frame as the evaluator would have built it (only printed: it holds functions and their names).
      [ctx.top ? 0 : 2, () => `(print (penv) ${this.paramName(ctx)})`],
      // The evaluator reading this frame's names, after which compiled code reads them too.
      [ctx.top ? 0 : 2, () => `(print (eval (head {${this.paramName(ctx)}})) ${this.paramName(ctx)})`],
    ]);
  }

  stmtOrData(ctx: Ctx, depth: number): string {
    return this.c.chance(30) ? this.stmt(ctx, depth) : this.data(ctx, depth);
  }

  /** `(= {gN} <function>)`: a fresh local function name, visible to the code after it. */
  bindLocalFn(ctx: Ctx, depth: number): string {
    const sig = this.c.from(FIRST_ORDER.concat(GLOBAL_SIGS.slice(6)));
    const name = `${this.n.localFn}${this.nextLocalFn++}`;
    // The value is generated before the name is in scope, so the function cannot reach itself.
    const value =
      sig.params[0] === 'd' && this.c.chance(20)
        ? this.recursiveLambda(ctx, sig, name, depth)
        : this.c.chance(20) && this.fnsOf(ctx, sig).length > 0
          ? `(head {${this.c.from(this.fnsOf(ctx, sig)).name}})`
          : this.fnExpr(ctx, sig, depth);
    ctx.fns.push({ name, sig });
    return `(= {${name}} ${value})`;
  }

  /** `def`/`=` looking a symbol value up again (spec §5.3). */
  reresolve(ctx: Ctx): string {
    const target = ctx.top ? this.c.from(this.n.dataGlobals) : this.c.from(this.n.dataLocals);
    const op = ctx.top ? this.c.from(['def', '=']) : '=';
    const source = this.c.chance(80) ? this.dataName(ctx) : this.c.from(['foo', ':k', 'w']);
    const how = this.c.from([`(head {${source}})`, `(quote ${source})`, `(head '${source})`]);
    if (!ctx.top && this.c.chance(30)) return `(def {${this.c.from(this.n.sinks)}} ${how})`;
    return `(${op} {${target}} ${how})`;
  }

  printf(ctx: Ctx, depth: number): string {
    const pieces = Array.from({ length: 1 + this.c.pick(4) }, () => this.c.from(FORMAT_PIECES));
    if (this.c.chance(10)) pieces.push('%');
    const fmt = pieces.join('');
    const args = Array.from({ length: this.c.pick(4) }, () => this.data(ctx, depth));
    const op = this.c.from(['println', 'printf', 'println']);
    return `(${[op, `"${fmt}"`, ...args].join(' ')})${op === 'printf' ? ' (print)' : ''}`;
  }

  // ---- top level ----

  /** Context of code at level L in the global frame. */
  topCtx(level: number): Ctx {
    const fns: FnName[] = [...BUILTIN_FNS, ...(this.prelude ? PRELUDE_FNS : [])];
    for (let k = 1; k < level && k <= 4; k++) fns.push({ name: this.fnName(k), sig: this.sigs[k - 1] });
    return { level, top: true, data: level > 4 ? [...this.n.dataGlobals, ...this.n.sinks, ...this.n.dataLocals] : [...this.n.dataGlobals], fns };
  }

  defineGlobalFn(k: number, depth: number): string {
    const ctx = this.topCtx(k);
    const sig = this.sigs[k - 1];
    const same = ctx.fns.filter((f) => sameTy(f.sig, sig));
    return this.c.weighted<string>([
      [8, () => `(def {${this.fnName(k)}} ${this.lambdaLiteral(ctx, sig, depth)})`],
      [sig.params[0] === 'd' ? 6 : 0, () => {
        this.walkers.add(k);
        return `(def {${this.fnName(k)}} ${this.recursiveLambda(ctx, sig, this.fnName(k), depth)})`;
      }],
      [this.prelude ? 8 : 0, () => this.lambdaLiteral(ctx, sig, depth, this.fnName(k))],
      [this.prelude && sig.params[0] === 'd' ? 4 : 0, () => {
        this.walkers.add(k);
        return this.recursiveLambda(ctx, sig, this.fnName(k), depth, true);
      }],
      [2, () => `(= {${this.fnName(k)}} ${this.fnExpr(ctx, sig, depth)})`],
      [same.length > 0 ? 1 : 0, () => `(def {${this.fnName(k)}} (head {${this.c.from(same).name}}))`],
      [1, () => `(def (list (head {${this.fnName(k)}})) ${this.fnExpr(ctx, sig, depth)})`],
    ]);
  }

  topForm(depth: number): string {
    const ctx = this.topCtx(5);
    const d = () => this.data(ctx, depth);
    return this.c.weighted<string>([
      [10, () => `(print ${Array.from({ length: 1 + this.c.pick(3) }, () => this.any(ctx, depth)).join(' ')})`],
      [10, () => {
        const walkers = [...this.walkers];
        const k = walkers.length > 0 && this.c.chance(60) ? this.c.from(walkers) : 1 + this.c.pick(4);
        const sig = this.sigs[k - 1];
        const r = this.arguments(ctx, depth, sig, 'd');
        // A walker gets a list to walk.
        if (r !== undefined && this.walkers.has(k) && this.c.chance(70)) r.args[0] = this.c.from([`(range 0 ${1 + this.c.pick(4)})`, this.qlist(1), `(list ${this.number()} ${this.number()})`]);
        let call = r === undefined ? `((${this.fnName(k)} ${sig.params.map((p) => this.expr(ctx, depth, p)).join(' ')}) ${this.numeric(ctx, 1)})` : `(${this.fnName(k)} ${r.args.join(' ')})`;
        // Curried: the function then runs in a frame whose first parameters a partial application bound.
        if (r !== undefined && sig.params.length >= 2 && this.c.chance(40)) {
          const split = 1 + this.c.pick(sig.params.length - 1);
          call = `((${[this.fnName(k), ...r.args.slice(0, split)].join(' ')}) ${r.args.slice(split).join(' ')})`;
        }
        return `(print ${call})`;
      }],
      [3, () => this.printf(ctx, depth)],
      [this.prelude ? 7 : 4, () => this.defineGlobalFn(1 + this.c.pick(4), depth)],
      // The prelude's list walkers, which compiled code runs built in.
      [this.prelude ? 5 : 0, () => {
        const walker = this.c.from(PRELUDE_FNS);
        const [f, ...rest] = walker.sig.params;
        const args = rest.map((p, i) => (i === rest.length - 1 ? this.listy(ctx, depth) : this.expr(ctx, depth, p)));
        return `(print (${[walker.name, this.fnExpr(ctx, f as Sig, depth), ...args].join(' ')}))`;
      }],
      [4, () => `(= {${this.c.from(this.n.dataGlobals)}} ${d()})`],
      [1, () => `(def {${this.c.from(this.n.dataGlobals.concat(this.n.sinks))}} ${d()})`],
      [1, () => `(def {a b} ${d()} ${d()})`],
      [1, () => `(def (list (head {${this.c.from(this.n.dataGlobals)}})) ${d()})`],
      [2, () => this.reresolve(ctx)],
      [1, () => `(def {${this.c.from(SWAPPABLE)}} ${this.c.from(SWAPPABLE)})`],
      [1, () => `(def (list (head {${this.c.from(SWAPPABLE)}})) ${this.c.from(SWAPPABLE)})`],
      [this.prelude ? 1 : 0, () => `(def {${this.c.from(['map', 'filter'])}} ${this.c.from(['map', 'filter'])})`],
      // The prelude's fun calls head and tail.
      [this.prelude ? 2 : 0, () => `(def {${this.c.from(['head', 'tail'])}} ${this.c.from(['head', 'tail', 'len'])})`],
      [2, () => this.stmt(ctx, depth)],
      [1, () => d()],
    ]);
  }

  program(): string {
    const forms: string[] = this.prelude ? ['(load "src/prelude.valk")'] : [];
    const init = (names: readonly string[]) => `(def {${names.join(' ')}} ${names.map(() => (this.c.chance(50) ? this.number() : this.qlist(1))).join(' ')})`;
    if (!this.c.chance(10)) forms.push(init(this.n.dataGlobals), init(this.n.dataLocals), init(this.n.sinks));
    for (let k = 1; k <= 4; k++) if (!this.c.chance(10)) forms.push(this.defineGlobalFn(k, 3));
    const n = 1 + this.c.pick(8);
    for (let i = 0; i < n; i++) forms.push(this.topForm(3));
    return forms.join('\n') + '\n';
  }
}

/** Generates one program from a list of choices. */
export function programFromChoices(choices: readonly number[], names: Names = PLAIN_NAMES, prelude = false): string {
  return new Gen(new Choices(choices), names, prelude).program();
}

const choicesArb = fc.array(fc.nat({ max: 0xffff }), { minLength: 150, maxLength: 800, size: 'max' });

/** Random terminating programs; shrinking the choices shrinks the program. */
export const differentialProgramArb: fc.Arbitrary<string> = choicesArb.map((c) => programFromChoices(c));

/** The same programs, with names that mean something to JavaScript or to the compiler. */
export const hostileProgramArb: fc.Arbitrary<string> = choicesArb.map((c) => programFromChoices(c, HOSTILE_NAMES));

/** Programs that load the prelude first and use fun, map, filter and foldl (which compiled code builds in). */
export const preludeProgramArb: fc.Arbitrary<string> = choicesArb.map((c) => programFromChoices(c, PLAIN_NAMES, true));

// ---------------------------------------------------------------- minimising a failing program

/** Source text as a tree: atoms (tokens) and bracketed lists; prefixes (' ` , ,@) wrap one node. */
export type Node = string | { readonly open: string; readonly items: Node[] };

function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (' \t\r\n\v'.includes(ch)) i++;
    else if (ch === ';') while (i < text.length && text[i] !== '\n') i++;
    else if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else if ('(){}\'`'.includes(ch)) out.push(text[i++]);
    else if (ch === ',') {
      const splice = text[i + 1] === '@';
      out.push(splice ? ',@' : ',');
      i += splice ? 2 : 1;
    } else {
      let j = i;
      while (j < text.length && !' \t\r\n\v;"(){}\'`,'.includes(text[j])) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** Parses well-formed program text (as the generator writes it) into top-level nodes. */
export function parseTree(text: string): Node[] {
  const toks = tokens(text);
  let pos = 0;
  const one = (): Node => {
    const t = toks[pos++];
    if (t === '(' || t === '{') {
      const close = t === '(' ? ')' : '}';
      const items: Node[] = [];
      while (pos < toks.length && toks[pos] !== close) items.push(one());
      pos++;
      return { open: t, items };
    }
    if (t === "'" || t === '`' || t === ',' || t === ',@') return { open: t, items: [one()] };
    return t;
  };
  const forms: Node[] = [];
  while (pos < toks.length) forms.push(one());
  return forms;
}

export function printTree(nodes: readonly Node[]): string {
  const show = (n: Node): string => {
    if (typeof n === 'string') return n;
    if (n.open === '(' || n.open === '{') return n.open + n.items.map(show).join(' ') + (n.open === '(' ? ')' : '}');
    return n.open + show(n.items[0]);
  };
  return nodes.map(show).join('\n') + '\n';
}

/** Every node's path, outermost first (a path indexes top-level forms, then list items). */
function paths(forms: readonly Node[]): number[][] {
  const out: number[][] = [];
  const walk = (n: Node, p: number[]) => {
    out.push(p);
    if (typeof n !== 'string') n.items.forEach((c, i) => walk(c, [...p, i]));
  };
  forms.forEach((f, i) => walk(f, [i]));
  return out;
}

function nodeAt(forms: readonly Node[], p: readonly number[]): Node {
  let n = forms[p[0]];
  for (const i of p.slice(1)) n = (n as { items: Node[] }).items[i];
  return n;
}

/** The tree with the node at p replaced (or deleted, for null; not possible under a prefix). */
function edited(forms: readonly Node[], p: readonly number[], by: Node | null): Node[] | undefined {
  const rebuild = (n: Node, depth: number): Node | undefined => {
    const list = n as { open: string; items: Node[] };
    const i = p[depth];
    const items = [...list.items];
    if (depth === p.length - 1) {
      if (by === null) {
        if (list.open !== '(' && list.open !== '{') return undefined;
        items.splice(i, 1);
      } else items[i] = by;
    } else {
      const inner = rebuild(items[i], depth + 1);
      if (inner === undefined) return undefined;
      items[i] = inner;
    }
    return { open: list.open, items };
  };
  const out = [...forms];
  if (p.length === 1) {
    if (by === null) out.splice(p[0], 1);
    else out[p[0]] = by;
    return out;
  }
  const top = rebuild(forms[p[0]], 1);
  if (top === undefined) return undefined;
  out[p[0]] = top;
  return out;
}

/** Smaller programs one edit away, biggest cuts first: whole forms, any node, a node replaced by a child, then by 0. */
function* smallerTrees(forms: readonly Node[]): Generator<Node[]> {
  const all = paths(forms);
  for (let i = 0; i < forms.length; i++) yield edited(forms, [i], null)!;
  for (const p of all) {
    if (p.length === 1) continue;
    const t = edited(forms, p, null);
    if (t !== undefined) yield t;
  }
  for (const p of all) {
    const n = nodeAt(forms, p);
    if (typeof n !== 'string') for (const c of n.items) yield edited(forms, p, c)!;
  }
  for (const p of all) if (nodeAt(forms, p) !== '0') yield edited(forms, p, '0')!;
}

/**
 * Shrinks a failing program by syntactic edits while `fails` still holds,
 * until no edit helps or the time is up. After a successful edit the search
 * goes on from the same place in the (new) list of edits.
 */
export async function minimiseProgram(text: string, fails: (t: string) => Promise<boolean>, deadline: number): Promise<string> {
  let forms = parseTree(text);
  let best = printTree(forms);
  let start = 0;
  for (let progress = true; progress && Date.now() < deadline; ) {
    progress = false;
    let k = 0;
    for (const candidate of smallerTrees(forms)) {
      if (k++ < start) continue;
      if (Date.now() >= deadline) break;
      const t = printTree(candidate);
      if (t.length >= best.length) continue;
      if (await fails(t)) {
        forms = candidate;
        best = t;
        progress = true;
        start = k - 1;
        break;
      }
    }
    // A pass that found nothing from the middle starts again from the top once.
    if (!progress && start > 0) {
      start = 0;
      progress = true;
    }
  }
  return best;
}
