// Generates a large, deterministic Valkyria program for the compile-speed
// benchmark: many varied `fun`/`def` definitions (locals with `=`, `if`,
// `select`, `case`, `let`, arithmetic, list operations and the prelude's list
// functions, lambdas, partial application, closures, quoted and quasiquoted
// data, plists, strings, `eval`, error values), comments, and a self-check
// section that calls every function once and prints its result.
//
//   node bench/gen-program.mjs [LINES] [SEED] > big.valk
//
// The program loads the prelude and is meant to run without any Error:
// every call is given arguments of the kind its function expects, divisors
// are positive constants, and recursion depth is bounded by small literals.

/** mulberry32: a small seeded PRNG, so the same seed always gives the same program. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = ['score', 'rank', 'weigh', 'scale', 'blend', 'count', 'measure', 'shift', 'merge', 'split', 'tally', 'fold', 'probe', 'grade', 'mix', 'clamp', 'sift', 'pack', 'trace', 'pick'];
const NOUNS = ['orders', 'items', 'points', 'rows', 'words', 'edges', 'nodes', 'tiles', 'cells', 'votes', 'steps', 'pairs', 'bins', 'keys', 'marks', 'slots', 'notes', 'runs', 'hops', 'tags'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'north', 'south', 'red', 'green', 'blue', 'amber', 'oak', 'pine', 'river', 'stone', 'ember', 'frost'];
const KEYS = [':id', ':size', ':weight', ':rank', ':count', ':total', ':limit', ':offset', ':depth', ':width'];
/** Header comments per kind of definition (a definition gets one most of the time). */
const COMMENTS = {
  score: ['Combines its inputs into a single score; the constants are tuning weights.', 'Weighted difference of the two inputs, folded back when it goes below the bar.'],
  select: ['Classifies a value into one of a few named bands.', 'Band name for a reading; the last clause catches everything else.'],
  build: ['Builds the result back to front with cons, then hands it back as is.', 'Counts down, consing one derived value per step.'],
  pipeline: ['Keeps only the interesting elements before folding them.', 'Walks the list once and keeps a running total.'],
  reshape: ['Reorders the list and appends a few markers.', 'Rearranges the list; callers pass at least five elements.'],
  strings: ['Formats a short label for the summary lines.', 'Builds a label from the name, the count and a fixed word list.'],
  plist: ['Looks a setting up in a property list, with a fallback.', 'Settings table and a lookup that tolerates missing keys.'],
  record: ['Returns a tagged record built with quasiquote.', 'Packs the two values into a record for the report.'],
  closure: ['Loops with a local closure, since fun cannot see our locals.', 'Sums a stepped count-down through a recursive local lambda.'],
  let: ['Uses let for a scratch computation that needs no outer names.'],
  case: ['Names the first few values, numbers the rest.'],
  error: ['Turns a divisor problem into a sentinel value instead of an Error.', 'Division with a fallback: a bad divisor gives -1.'],
  apply: ['Applies a function argument to every element and adds the results.'],
  mix: ['Mixes a few earlier helpers together.', 'Glue code: feeds earlier helpers into each other.'],
};

export function generateProgram({ lines: targetLines = 12000, seed = 1 } = {}) {
  const rand = prng(seed);
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const chance = (p) => rand() < p;
  const shuffle = (xs) => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };

  /** Functions defined so far: name, parameter kinds, result kind. */
  const registry = [];
  const byRet = (kind) => registry.filter((f) => f.ret === kind);
  const out = [];
  let lineCount = 0;
  const emit = (text) => {
    out.push(text);
    lineCount += text.split('\n').length;
  };
  let n = 0;
  const fresh = () => `${pick(VERBS)}-${pick(NOUNS)}-${++n}`;

  // Arithmetic over the given variables; every divisor is a positive constant.
  function arith(vars, depth) {
    if (depth <= 0 || chance(0.3)) return chance(0.6) && vars.length > 0 ? pick(vars) : String(int(0, 99));
    const op = pick(['+', '+', '-', '*', '/']);
    if (op === '/') return `(/ ${arith(vars, depth - 1)} ${int(1, 9)})`;
    if (op === '*') return `(* ${arith(vars, depth - 1)} ${int(2, 9)})`;
    const k = int(2, 3);
    return `(${op} ${Array.from({ length: k }, () => arith(vars, depth - 1)).join(' ')})`;
  }
  const cmp = () => pick(['<', '>', '<=', '>=', '==', '!=']);
  const listLit = () => `{${Array.from({ length: int(5, 8) }, () => int(0, 40)).join(' ')}}`;
  const strLit = () => `"${pick(WORDS)}"`;

  // An argument expression of a kind, possibly calling earlier functions (nested calls).
  function arg(kind, vars, depth) {
    switch (kind) {
      case 'num': {
        const fs = byRet('num');
        if (depth > 0 && fs.length > 0 && chance(0.35)) return call(pick(fs), vars, depth - 1);
        return arith(vars, 1);
      }
      case 'small':
        return String(int(5, 12));
      case 'list': {
        const fs = byRet('list');
        if (depth > 0 && fs.length > 0 && chance(0.3)) return call(pick(fs), vars, depth - 1);
        return chance(0.5) ? listLit() : `(range ${int(0, 5)} ${int(10, 20)})`;
      }
      case 'str': {
        const fs = byRet('str');
        if (depth > 0 && fs.length > 0 && chance(0.3)) return call(pick(fs), vars, depth - 1);
        return strLit();
      }
      case 'fn': {
        const two = registry.filter((f) => f.params.length === 2 && f.params.every((p) => p === 'num') && f.ret === 'num');
        const one = registry.filter((f) => f.params.length === 1 && f.params[0] === 'num' && f.ret === 'num');
        const r = rand();
        if (r < 0.35 && two.length > 0) return `(${pick(two).name} ${int(1, 9)})`; // partial application
        if (r < 0.65 && one.length > 0) return pick(one).name;
        return `(\\ {x} {${arith(['x'], 2)}})`;
      }
      default:
        throw new Error(`no argument of kind ${kind}`);
    }
  }
  const call = (f, vars, depth) => `(${f.name} ${f.params.map((k) => arg(k, vars, depth)).join(' ')})`;

  const comment = (tag) => (chance(0.8) ? `; ${pick(COMMENTS[tag])}\n` : '');

  // Each template emits one or more definitions and registers their signatures.
  const templates = [
    // Locals with = and an if on a comparison.
    () => {
      const name = fresh();
      const body = [`  (= {s} ${arith(['a', 'b'], 3)})`, `  (= {d} (- s ${int(0, 60)}))`];
      if (chance(0.5)) body.push(`  ; d may be negative here`);
      body.push(`  (if (${cmp()} d ${int(0, 20)}) {+ d ${arith(['a'], 2)}} {- ${arith(['s', 'b'], 2)} d})`);
      emit(`${comment('score')}(fun {${name} a b} {\n${body.join('\n')}\n})`);
      registry.push({ name, params: ['num', 'num'], ret: 'num' });
    },
    // One-expression arithmetic body.
    () => {
      const name = fresh();
      emit(`(fun {${name} x} {${arith(['x'], 3)}})`);
      registry.push({ name, params: ['num'], ret: 'num' });
    },
    // select with numeric conditions.
    () => {
      const name = fresh();
      const bounds = Array.from({ length: int(2, 4) }, () => int(0, 100)).sort((x, y) => x - y);
      const clauses = bounds.map((b) => `    {(< n ${b}) ${strLit()}}`);
      if (chance(0.5)) clauses.unshift(`    {(== n ${int(0, 50)}) "exact"}`);
      clauses.push(`    {otherwise ${strLit()}}`);
      emit(`${comment('select')}(fun {${name} n} {\n  select\n${clauses.join('\n')}\n})`);
      registry.push({ name, params: ['num'], ret: 'str' });
    },
    // Accumulating recursion with cons, and a wrapper supplying the accumulator.
    () => {
      const name = fresh();
      emit(
        `${comment('build')}(fun {${name}-loop n acc} {\n  if (<= n 0)\n    {acc}\n    {${name}-loop (- n 1) (cons ${arith(['n'], 2)} acc)}\n})\n` +
          `(fun {${name} n} {${name}-loop n nil})`,
      );
      registry.push({ name, params: ['small'], ret: 'list' });
    },
    // map / filter / foldl pipelines with lambdas.
    () => {
      const name = fresh();
      let pipe = 'l';
      if (chance(0.7)) pipe = `(map (\\ {x} {${arith(['x'], 2)}}) ${pipe})`;
      if (chance(0.7)) pipe = `(filter (\\ {x} {${cmp()} x ${int(0, 30)}}) ${pipe})`;
      const fold = chance(0.5) ? `foldl (\\ {acc x} {+ acc ${arith(['x'], 1)}}) ${int(0, 9)} ${pipe}` : `+ (len ${pipe}) (sum ${pipe})`;
      emit(`${comment('pipeline')}(fun {${name} l} {\n  ${fold}\n})`);
      registry.push({ name, params: ['list'], ret: 'num' });
    },
    // Reshaping lists: take, drop, join, reverse, list, head, tail.
    () => {
      const name = fresh();
      const e = pick([
        `join (take 2 l) (list ${int(0, 9)}) (reverse (drop 1 l))`,
        `join (list (head l) (len l)) (tail l) {${int(0, 9)} ${int(0, 9)}}`,
        `join (reverse l) (list (nth 3 l) (last l))`,
        `cons (fst l) (join (tail l) (list (snd l) (trd l)))`,
      ]);
      emit(`${comment('reshape')}(fun {${name} l} {${e}})`);
      registry.push({ name, params: ['list'], ret: 'list' });
    },
    // Strings: split, replace, slice, str, len, str->num.
    () => {
      const name = fresh();
      const ws = Array.from({ length: int(3, 5) }, () => pick(WORDS));
      const body = [
        `  (= {parts} (str/split "${ws.join(',')}" ","))`,
        `  (= {label} (str s "-" n ":" (head parts) (len parts)))`,
      ];
      body.push(
        pick([
          `  (str/replace label "-" "_")`,
          `  (str (str/slice label 0 ${int(3, 12)}) "/" (len label))`,
          `  (str label "#" (+ (str->num (str n)) ${int(1, 9)}))`,
          `  (if (> (len label) ${int(5, 20)}) {str/slice label 0 ${int(3, 8)}} {str label "!"})`,
        ]),
      );
      emit(`${comment('strings')}(fun {${name} s n} {\n${body.join('\n')}\n})`);
      registry.push({ name, params: ['str', 'num'], ret: 'str' });
    },
    // A plist table and a lookup with defaults.
    () => {
      const name = fresh();
      const keys = shuffle(KEYS).slice(0, int(3, 5));
      const [k1, k2] = keys;
      emit(
        `${comment('plist')}(def {${name}-table} {${keys.map((k) => `${k} ${int(0, 99)}`).join(' ')}})\n` +
          `(fun {${name} n} {\n  (= {t} (plist/set ${name}-table :extra n))\n` +
          `  (+ (get t ${k1} 0) (get t :missing ${int(1, 9)}) (plist/get t ${k2}) (len (plist/keys t)))\n})`,
      );
      registry.push({ name, params: ['num'], ret: 'num' });
    },
    // Quasiquoted records.
    () => {
      const name = fresh();
      emit(`${comment('record')}(fun {${name} x y} {\`{${pick(['point', 'entry', 'pair', 'span'])} ,x ,(+ y ${int(1, 9)}) ,@(list ${int(0, 9)} ${int(0, 9)}) :done}})`);
      registry.push({ name, params: ['num', 'num'], ret: 'data' });
    },
    // A local closure loop (recursion through an = binding).
    () => {
      const name = fresh();
      emit(
        `${comment('closure')}(fun {${name} n} {\n  (= {step} ${int(1, 3)})\n` +
          `  (= {loop} (\\ {k acc} {if (<= k 0) {acc} {loop (- k step) (+ acc ${arith(['k'], 1)})}}))\n  (loop n ${int(0, 9)})\n})`,
      );
      registry.push({ name, params: ['small'], ret: 'num' });
    },
    // let for scratch work, then a parameter.
    () => {
      const name = fresh();
      emit(`${comment('let')}(fun {${name} x} {\n  (= {base} (let {(= {t} ${int(1, 20)}) (* t ${int(2, 9)})}))\n  (+ x base)\n})`);
      registry.push({ name, params: ['num'], ret: 'num' });
    },
    // repeat and range with a lambda seeing the parameter.
    () => {
      const name = fresh();
      const e = chance(0.5)
        ? `sum (repeat (\\ {i} {+ (* i ${int(1, 9)}) n}) ${int(3, 9)})`
        : `product (map (\\ {i} {+ i 1}) (range 0 ${int(2, 6)}))`;
      emit(`(fun {${name} n} {${e}})`);
      registry.push({ name, params: ['num'], ret: 'num' });
    },
    // case on a guarded value.
    () => {
      const name = fresh();
      emit(
        `${comment('case')}(fun {${name} n} {\n  if (and (>= n 0) (< n 3))\n` +
          `    {case n {{0} ${strLit()}} {{1} ${strLit()}} {{2} ${strLit()}}}\n    {str "n" n}\n})`,
      );
      registry.push({ name, params: ['num'], ret: 'str' });
    },
    // Error values handled locally.
    () => {
      const name = fresh();
      emit(
        `${comment('error')}(fun {${name} d} {\n  (= {r} (if (> d 0) {/ ${int(100, 999)} d} {error "bad divisor"}))\n` +
          `  (if (error? r) {- 0 1} {r})\n})`,
      );
      registry.push({ name, params: ['num'], ret: 'num' });
    },
    // Data turned into code with eval.
    () => {
      const name = fresh();
      emit(`(fun {${name} x} {eval (list ${pick(['+', '*', '-'])} x ${int(1, 9)} (eval {+ ${int(1, 9)} ${int(1, 9)}}))})`);
      registry.push({ name, params: ['num'], ret: 'num' });
    },
    // A function argument applied over a list.
    () => {
      const name = fresh();
      emit(`${comment('apply')}(fun {${name} f l} {\n  foldl (\\ {acc x} {+ acc (f x)}) ${int(0, 9)} l\n})`);
      registry.push({ name, params: ['fn', 'list'], ret: 'num' });
    },
    // Comparisons returning data.
    () => {
      const name = fresh();
      emit(`(fun {${name} a b} {\n  if (> a b)\n    {list a b}\n    {if (== a b) {list a} {list b a}}\n})`);
      registry.push({ name, params: ['num', 'num'], ret: 'data' });
    },
    // Global constants.
    () => {
      const name = fresh();
      emit(`(def {${name}-lo ${name}-hi} ${int(0, 9)} ${int(10, 99)})\n(def {${name}-names} {${strLit()} ${strLit()} ${strLit()}})`);
      registry.push({ name: `${name}-span`, params: ['num'], ret: 'num' });
      emit(`(fun {${name}-span x} {+ x (- ${name}-hi ${name}-lo) (len ${name}-names)})`);
    },
    // Mixes earlier helpers: nested calls, locals and an if.
    () => {
      if (byRet('num').length < 5) return;
      const name = fresh();
      const body = [`  (= {u} ${arg('num', ['a', 'b'], 2)})`, `  (= {v} ${arg('num', ['a', 'u'], 2)})`];
      const extra = pick(['list', 'str', 'num']);
      if (extra === 'list') body.push(`  (= {w} (len ${arg('list', ['a'], 1)}))`);
      else if (extra === 'str') body.push(`  (= {w} (len ${arg('str', ['a'], 1)}))`);
      else body.push(`  (= {w} ${arg('num', ['b'], 1)})`);
      body.push(`  (if (${cmp()} u v) {+ u w} {- v w})`);
      emit(`${comment('mix')}(fun {${name} a b} {\n${body.join('\n')}\n})`);
      registry.push({ name, params: ['num', 'num'], ret: 'num' });
    },
  ];

  emit(`; Generated by bench/gen-program.mjs (seed ${seed}): a compile-speed workload.\n; Every function is called once in the self-check at the end.\n(load "src/prelude.valk")`);
  let section = 0;
  let defs = 0;
  // Leave room for the self-check section: one line per function.
  while (lineCount + registry.length < targetLines) {
    if (defs++ % 40 === 0) emit(`\n; ---- section ${++section} ----`);
    else emit('');
    pick(templates)();
    // A few templates add weight: calls with nested arguments deserve more samples.
    if (chance(0.15)) templates[templates.length - 1]();
  }

  emit('\n; ---- self-check: call everything once ----');
  for (const f of registry) emit(`(print "${f.name}" ${call(f, [], 1)})`);
  emit('(print "done")');
  return out.join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = Number(process.argv[2] ?? 12000);
  const seed = Number(process.argv[3] ?? 1);
  process.stdout.write(generateProgram({ lines, seed }));
}
