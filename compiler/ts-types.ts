// The TypeScript target (`valk compile --target ts`): the type annotations the
// emitter adds to the JavaScript it would emit, so that a strict `tsc` accepts
// the module. Types are taken from the runtime namespace every module imports as
// `R` (valk/runtime's own declarations), so no other import is needed. For the
// JavaScript target every helper hands its node back unchanged.

import * as t from '@babel/types';
import { parameterNames } from './exports.js';
import type { Definition } from './ir.js';

export type EmitTarget = 'js' | 'ts';

const runtime = (name: string): t.TSType => t.tsTypeReference(t.tsQualifiedName(t.identifier('R'), t.identifier(name)));

/** The types compiled code needs, by their TypeScript spelling. */
const TYPES = {
  Value: () => runtime('Value'),
  // Temporaries, and names a lambda binds with `=`: undefined until assigned.
  'Value | undefined': () => t.tsUnionType([runtime('Value'), t.tsUndefinedKeyword()]),
  Frame: () => runtime('Frame'),
  // A compiled scope's frame, built only when frame-reflective code needs it.
  'Frame | null': () => t.tsUnionType([runtime('Frame'), t.tsNullKeyword()]),
  'Sym[]': () => t.tsArrayType(runtime('Sym')),
  number: () => t.tsNumberKeyword(),
  // How many of a scope's parameters partial application bound (none when undefined).
  'number | undefined': () => t.tsUnionType([t.tsNumberKeyword(), t.tsUndefinedKeyword()]),
  void: () => t.tsVoidKeyword(),
  'Array<() => Value>': () =>
    t.tsTypeReference(t.identifier('Array'), t.tsTypeParameterInstantiation([t.tsFunctionType(null, [], t.tsTypeAnnotation(runtime('Value')))])),
} satisfies Record<string, () => t.TSType>;

export type TypeName = keyof typeof TYPES;

export class Annotations {
  private readonly on: boolean;

  constructor(target: EmitTarget) {
    this.on = target === 'ts';
  }

  /** `name: type`, for a variable or parameter; `optional` for one that callers may leave out. */
  declare(name: t.Identifier, type: TypeName, optional = false): t.Identifier {
    if (this.on) {
      name.typeAnnotation = t.tsTypeAnnotation(TYPES[type]());
      if (optional) name.optional = true;
    }
    return name;
  }

  /** A function's return type. */
  returns<F extends t.Function>(fn: F, type: TypeName): F {
    if (this.on) fn.returnType = t.tsTypeAnnotation(TYPES[type]());
    return fn;
  }

  /**
   * A literal as a Value. Otherwise TypeScript narrows a temporary it is assigned
   * to (to `1`, say) and rejects the checks compiled code makes next (`instanceof`,
   * `!== 0`) as impossible.
   */
  value(e: t.Expression): t.Expression {
    return this.on ? t.tsAsExpression(e, TYPES.Value()) : e;
  }

  /** A lookup that cannot miss: a parameter in its own scope's frame. */
  bound(e: t.Expression): t.Expression {
    return this.on ? t.tsNonNullExpression(e) : e;
  }

  /** The binding of a named export, typed as docs/interop.md describes for the `.d.ts`. */
  exported(name: t.Identifier, definition: Definition): t.Identifier {
    if (!this.on) return name;
    const value = () => runtime('ValkValue');
    const fn = definition.fn;
    const names = fn === undefined ? [] : parameterNames(fn);
    const params = names.map((n, i): t.Identifier | t.RestElement =>
      fn!.rest !== null && i === names.length - 1
        ? Object.assign(t.restElement(t.identifier(n)), { typeAnnotation: t.tsTypeAnnotation(t.tsArrayType(value())) })
        : Object.assign(t.identifier(n), { typeAnnotation: t.tsTypeAnnotation(value()) }),
    );
    name.typeAnnotation = t.tsTypeAnnotation(t.tsFunctionType(null, params, t.tsTypeAnnotation(value())));
    return name;
  }
}
