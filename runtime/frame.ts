// Environments (spec §5): a chain of mutable name -> value frames ending in the
// global frame. Call frames hold a handful of names, so they are two parallel
// arrays searched linearly; the global frame, which holds hundreds, is a Map.

import type { Sym, Value } from './values.js';

export class Frame {
  private readonly names: Sym[] = [];
  private readonly values: Value[] = [];
  private readonly table: Map<Sym, Value> | undefined;

  constructor(
    readonly parent: Frame | null,
    global = false,
  ) {
    this.table = global ? new Map() : undefined;
  }

  /** Binds in this frame only, replacing an existing binding here (spec `=`). */
  set(name: Sym, v: Value): void {
    if (this.table !== undefined) {
      this.table.set(name, v);
      return;
    }
    const i = this.names.indexOf(name);
    if (i >= 0) this.values[i] = v;
    else {
      this.names.push(name);
      this.values.push(v);
    }
  }

  /** Looks a name up through the chain; undefined when unbound. */
  lookup(name: Sym): Value | undefined {
    for (let f: Frame | null = this; f !== null; f = f.parent) {
      if (f.table !== undefined) {
        const v = f.table.get(name);
        if (v !== undefined || f.table.has(name)) return v;
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
    if (this.table !== undefined) for (const [k, v] of this.table) out.push([k, v]);
    else for (let i = 0; i < this.names.length; i++) out.push([this.names[i], this.values[i]]);
    return out.reverse();
  }

  get root(): Frame {
    let f: Frame = this;
    while (f.parent !== null) f = f.parent;
    return f;
  }
}
