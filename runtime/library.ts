// The library session: the one Valkyria program per JavaScript realm in which
// compiled modules imported from JavaScript run, and the named exports of
// compiled modules that call into it (docs/interop.md).

import { attachHost, currentHost, type Host } from './calls.js';
import { callValk, decodeUtf8, resultToJs, ValkError, withHost, type ValkFunction } from './interop.js';
import { Session, type Instantiate } from './session.js';
import { isFunc, sym } from './values.js';

/** A session that remembers which compiled modules have run in it, by import or by `load`. */
class LibrarySession extends Session {
  private readonly ran = new WeakSet<Instantiate>();

  override runModule(instantiate: Instantiate): void {
    this.ran.add(instantiate);
    super.runModule(instantiate);
  }

  /** Runs a module's top-level forms here unless they have run already. */
  ensure(instantiate: Instantiate): void {
    if (!this.ran.has(instantiate)) withHost(this, () => this.runModule(instantiate));
  }
}

let library: LibrarySession | undefined;

/** The library session, for JavaScript hosts (as a plain Session: what it remembers is this file's business). */
export function librarySession(): Session {
  return shared();
}

/** Made on first use; making it leaves whatever program is running attached. */
function shared(): LibrarySession {
  if (library === undefined) {
    const outer = currentHost() as Host | undefined;
    library = new LibrarySession();
    if (outer !== undefined) attachHost(outer);
  }
  return library;
}

/**
 * A named export of a compiled module: calling it is the top-level call
 * `(name args...)` in the library session, after the module's top-level forms
 * have run there once. The global is looked up at each call (globals are late
 * bound); with no arguments a value that is not a function is the result, as
 * the single-element rule gives.
 */
export function exported(instantiate: Instantiate, name: string): ValkFunction {
  const s = sym(name);
  return (...args) => {
    const lib = shared();
    try {
      lib.ensure(instantiate);
      const v = lib.global.lookup(s);
      if (v === undefined) throw new ValkError(`LEnv: Symbol \`${decodeUtf8(name)}\` is not bound`);
      return args.length === 0 && !isFunc(v) ? resultToJs(v) : callValk(lib, v, args);
    } finally {
      lib.out.flush();
    }
  };
}
