// TypeScript declarations (`.d.ts`) for a compiled ES module, written with
// ts-morph: `default` (instantiate), `main`, and one function per named export,
// typed by the definition's parameters (docs/interop.md). Loaded only by
// `valk compile`, since ts-morph brings a whole TypeScript compiler with it.

import { printNode, Project, ts, VariableDeclarationKind, type OptionalKind, type ParameterDeclarationStructure } from 'ts-morph';
import { decodeUtf8 } from '../runtime/interop.js';
import { isIdentifierName, parameterNames, planExports } from './exports.js';
import type { Definition } from './ir.js';

export interface DeclarationOptions {
  /** The module specifier of the runtime, as the compiled module imports it. */
  readonly runtime: string;
  /** The source path, for the doc comments. */
  readonly source: string;
}

/** A Valkyria name inside a doc comment, which it must not end. */
function inComment(s: string): string {
  return s.replace(/\*\//g, '*\\/');
}

function parameters(fn: NonNullable<Definition['fn']>): Array<OptionalKind<ParameterDeclarationStructure>> {
  const names = parameterNames(fn);
  return names.map((name, i) => (fn.rest !== null && i === names.length - 1 ? { name, type: 'ValkValue[]', isRestParameter: true } : { name, type: 'ValkValue' }));
}

export function declarations(definitions: readonly Definition[], options: DeclarationOptions): string {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('module.d.ts');
  const planned = planExports(definitions);
  file.addImportDeclaration({
    isTypeOnly: true,
    moduleSpecifier: options.runtime,
    namedImports: planned.length > 0 ? ['Instantiate', 'ValkValue'] : ['Instantiate'],
  });
  file.addVariableStatement({
    hasDeclareKeyword: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'instantiate', type: 'Instantiate' }],
    docs: [`The module's top-level forms, to run against a global frame (what a compiled \`load\` runs).`],
  });
  file.addExportAssignment({ isExportEquals: false, expression: 'instantiate' });
  file.addFunction({
    isExported: true,
    hasDeclareKeyword: true,
    name: 'main',
    returnType: 'void',
    docs: ['Runs the module as a program (script mode); once its main fiber has ended, exits with VALK_EXIT_CODE.'],
  });
  for (const e of planned) {
    const fn = e.definition.fn;
    const name = inComment(decodeUtf8(e.definition.name.name));
    file.addFunction({
      hasDeclareKeyword: true,
      name: e.local,
      parameters: fn === undefined ? [] : parameters(fn),
      returnType: 'ValkValue',
      docs: [
        fn === undefined
          ? `The current value of the Valkyria global \`${name}\` (${inComment(options.source)}).`
          : `Calls the Valkyria function \`${name}\` (${inComment(options.source)}); a Valkyria Error is thrown as a ValkError.`,
      ],
    });
  }
  if (planned.length > 0) {
    // Names that are not identifiers are string literal export names, printed by TypeScript itself.
    const alias = (n: string) => (isIdentifierName(n) ? n : printNode(ts.factory.createStringLiteral(n)));
    file.addExportDeclaration({ namedExports: planned.flatMap((e) => e.names.map((n) => ({ name: e.local, alias: alias(n) }))) });
  }
  return file.getFullText();
}
