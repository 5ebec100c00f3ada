// The JavaScript names under which an ES module exports its top-level
// definitions (docs/interop.md), shared by the emitter and the .d.ts writer so
// the two always agree.
//
// Each definition is exported under its exact Valkyria name (an ES2022 string
// export name when it is not an identifier) and, when one can be derived, under
// a camelCase identifier: `list->array` is also `listToArray`, `safe?` is also
// `safeP`, `set!` is also `setBang`. `default` and `main` belong to the module
// itself; a derived name that clashes with any other export is not used.

import { isValidIdentifier } from '@babel/types';
import { decodeUtf8, encodeUtf8 } from '../runtime/interop.js';
import type { Definition } from './ir.js';

export interface PlannedExport {
  readonly definition: Definition;
  /** The module-level JS binding that holds the exported function. */
  readonly local: string;
  /** The export names: the exact name first, then the camelCase one if any. */
  readonly names: readonly string[];
}

const RESERVED = new Set(['default', 'main']);

/** Words joined by `-`, `/` or `->`, with an optional `?` or `!` at the end. */
const WORDS = /^([A-Za-z_$][A-Za-z0-9_$]*(?:(?:->|[-/])[A-Za-z0-9_$]+)*)([?!]?)$/;

function camelCase(name: string): string | undefined {
  const m = WORDS.exec(name);
  if (m === null) return undefined;
  const words = m[1].replace(/->/g, '-to-').split(/[-/]/);
  const suffix = m[2] === '?' ? 'P' : m[2] === '!' ? 'Bang' : '';
  const out = words[0] + words.slice(1).map((w) => w[0].toUpperCase() + w.slice(1)).join('') + suffix;
  return isValidIdentifier(out) ? out : undefined;
}

/** Whether an export name can be written as an identifier (else it is a string literal). */
export function isIdentifierName(name: string): boolean {
  return isValidIdentifier(name);
}

/**
 * Names for an exported function's parameters in its types: the Valkyria ones
 * where they are identifiers, for editors to show, otherwise by position. The
 * rest parameter, if any, comes last.
 */
export function parameterNames(fn: NonNullable<Definition['fn']>): string[] {
  // Modules are strict mode code, where `eval` and `arguments` cannot be bound.
  const used = new Set<string>(['eval', 'arguments']);
  return [...fn.params, ...(fn.rest === null ? [] : [fn.rest])].map((s, i) => {
    const n = decodeUtf8(s.name);
    const name = isIdentifierName(n) && !used.has(n) ? n : `arg${i + 1}`;
    used.add(name);
    return name;
  });
}

export function planExports(definitions: readonly Definition[]): PlannedExport[] {
  // A name that is not valid UTF-8 has no JS spelling that maps back to it.
  const usable = definitions.filter((d) => {
    const exact = decodeUtf8(d.name.name);
    return !RESERVED.has(exact) && encodeUtf8(exact) === d.name.name;
  });
  const exact = new Set(usable.map((d) => decodeUtf8(d.name.name)));
  const derivedBy = new Map<string, number>();
  const derived = usable.map((d) => {
    const c = camelCase(decodeUtf8(d.name.name));
    if (c !== undefined) derivedBy.set(c, (derivedBy.get(c) ?? 0) + 1);
    return c;
  });
  return usable.map((definition, i) => {
    const name = decodeUtf8(definition.name.name);
    const c = derived[i];
    const names = c !== undefined && !exact.has(c) && !RESERVED.has(c) && derivedBy.get(c) === 1 ? [name, c] : [name];
    const local = `e${i}_${name.replace(/[^A-Za-z0-9_]/g, '')}`.slice(0, 40);
    return { definition, local, names };
  });
}
