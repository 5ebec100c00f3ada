// Environments (spec §5): a chain of mutable name -> value frames ending in the
// global frame. Call frames hold a handful of names, so they are two parallel
// arrays searched linearly. The global frame, which holds hundreds, maps names
// to cells: compiled code keeps the cell of each global it uses and reads it
// at every use, which is what late binding (spec §5.4) asks for.

import { isFunc, Lambda, type Code, type Sym, type Value } from './values.js';

/** Never equal to any value: the `std` of a cell whose name has no standard binding. */
const NO_STANDARD = Symbol('no standard binding') as unknown as Value;

/**
 * A global binding; `v` is undefined while the name is unbound. `std` is the
 * standard value of the name (a builtin, or a function of the bundled prelude)
 * that compiled fast paths were written for: they apply only while v === std.
 */
export class Cell {
  v: Value | undefined = undefined;
  std: Value | undefined = NO_STANDARD;
  /**
   * What a fast body calling this global runs (runtime/fast.ts, fastIn): the
   * fast body of the lambda v holds, and how many arguments it takes, when that
   * body's recursion goes through this very global; else none (-1).
   */
  fast: Code | undefined = undefined;
  fastArity = -1;
  constructor(
    readonly name: Sym,
    /** Shared by the cells of one global frame. */
    readonly standards: Standards,
  ) {}

  set(v: Value): void {
    const displaced = this.displaced();
    if (standardBeingDefined?.has(this.name)) this.std = v;
    else if (v !== this.std && this.std !== NO_STANDARD) rebinds.count++;
    if (v !== this.v && (isFunc(v) || (this.v !== undefined && isFunc(this.v)))) functionRebinds.count++;
    this.v = v;
    this.refreshFast();
    if (this.displaced() !== displaced) this.standards.displaced += displaced ? -1 : 1;
  }

  /** Brings `fast` in step with v, whose fast body (given before v is stored) can be taken away. */
  refreshFast(): void {
    const v = this.v;
    const own = v instanceof Lambda && v.fastSelf === this && v.fast !== undefined;
    this.fast = own ? v.fast : undefined;
    this.fastArity = own ? v.direct : -1;
  }

  /** A name with a standard value that holds something else. */
  private displaced(): boolean {
    return this.std !== NO_STANDARD && this.v !== this.std;
  }
}

/**
 * How many names of a global frame that have a standard value hold something
 * else now: while none does, code may rely on every standard value at once
 * (compiler/fast.ts).
 */
export interface Standards {
  displaced: number;
}

/**
 * While the bundled prelude loads, the names it defines that compiled code
 * builds in become standard as they are defined, so the prelude's own later
 * forms (its `fun` definitions, say) are compiled with them.
 */
let standardBeingDefined: ReadonlySet<Sym> | undefined;
export function defineStandard(names: ReadonlySet<Sym> | undefined): void {
  standardBeingDefined = names;
}

/**
 * Counts bindings of a standard name to anything else. Code that has checked
 * the standard bindings it relies on only needs to check them again if this
 * has moved (the prelude's list functions built into the runtime do).
 */
export const rebinds = { count: 0 };

/**
 * Counts changes of globals to or from a function value: whether a compiled
 * lambda can suspend depends on what the globals it calls hold, and an answer
 * found since this last moved still stands (runtime/suspends.ts, `cannotSuspend`).
 */
export const functionRebinds = { count: 0 };

export class Frame {
  private readonly names: Sym[] = [];
  private readonly values: Value[] = [];
  private readonly table: Map<Sym, Cell> | undefined;
  private readonly standards: Standards | undefined;

  constructor(
    readonly parent: Frame | null,
    global = false,
  ) {
    this.table = global ? new Map() : undefined;
    this.standards = global ? { displaced: 0 } : undefined;
  }

  /** Binds in this frame only, replacing an existing binding here (spec `=`). */
  set(name: Sym, v: Value): void {
    if (this.table !== undefined) {
      this.cell(name).set(v);
      return;
    }
    const i = this.names.indexOf(name);
    if (i >= 0) this.values[i] = v;
    else {
      this.names.push(name);
      this.values.push(v);
    }
  }

  /** This frame's own binding of a name, not looking further; undefined when it has none. */
  own(name: Sym): Value | undefined {
    if (this.table !== undefined) return this.table.get(name)?.v;
    const i = this.names.indexOf(name);
    return i >= 0 ? this.values[i] : undefined;
  }

  /** Looks a name up through the chain; undefined when unbound. */
  lookup(name: Sym): Value | undefined {
    for (let f: Frame | null = this; f !== null; f = f.parent) {
      if (f.table !== undefined) {
        return f.table.get(name)?.v;
      } else {
        const i = f.names.indexOf(name);
        if (i >= 0) return f.values[i];
      }
    }
    return undefined;
  }

  /** This frame's own bindings, most recently added first (for `penv`). */
  ownBindings(): Array<[Sym, Value]> {
    const out: Array<[Sym, Value]> = [];
    if (this.table !== undefined) {
      for (const [k, c] of this.table) if (c.v !== undefined) out.push([k, c.v]);
    }
    else for (let i = 0; i < this.names.length; i++) out.push([this.names[i], this.values[i]]);
    return out.reverse();
  }

  /**
   * For a session without fast paths (global frame only): a standard counts as
   * displaced for good, so code that relies on every standard value at once
   * never runs.
   */
  forgoStandards(): void {
    this.standards!.displaced = 1;
  }

  /** Whether every standard name of this global frame holds its standard value. */
  get standardsHeld(): boolean {
    return this.standards!.displaced === 0;
  }

  /** The global cell of a name (global frame only), created unbound on first use. */
  cell(name: Sym): Cell {
    const table = this.table!;
    let c = table.get(name);
    if (c === undefined) table.set(name, (c = new Cell(name, this.standards!)));
    return c;
  }

  get root(): Frame {
    let f: Frame = this;
    while (f.parent !== null) f = f.parent;
    return f;
  }
}
