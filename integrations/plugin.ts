// The build-tool plugin: one unplugin, so Vite, Rollup, esbuild and webpack
// compile `.valk` modules the same way (see README.md).

import { createUnplugin, type UnpluginInstance } from 'unplugin';
import { compileForTool, type ToolDiagnostic } from './compile-for-tool.js';

export interface ValkPluginOptions {
  /**
   * The directory literal `(load "path")` is taken relative to, as `valk run`
   * started there would; default: Vite's `root`, else the working directory.
   */
  readonly root?: string;
}

/** Vite may append a query (`?import`, `?v=…`) to a module id; the file is what precedes it. */
const VALK_ID = /\.valk(?:\?.*)?$/;

/**
 * Rollup and Vite take `loc` (column 0-based, their convention) and print
 * `frame` themselves, Vite's overlay included. esbuild would print its own
 * frame from the compiled JS rather than the .valk source, and webpack takes
 * a message only, so they get valk's own report: `file:line:column`, the line,
 * a caret.
 */
function toolError(d: ToolDiagnostic, rollupStyle: boolean) {
  if (!rollupStyle) return { message: d.formatted };
  return { message: d.message, id: d.file, loc: { file: d.file, line: d.line, column: d.column - 1 }, frame: d.frame };
}

export const valk: UnpluginInstance<ValkPluginOptions | undefined, false> = createUnplugin<ValkPluginOptions | undefined, false>((options = {}, meta) => {
  let root = options.root ?? process.cwd();
  const rollupStyle = meta.framework === 'rollup' || meta.framework === 'vite' || meta.framework === 'rolldown';
  return {
    name: 'valk',
    enforce: 'pre',
    load: {
      filter: { id: VALK_ID },
      handler(id) {
        const file = id.replace(/\?.*$/, '');
        const out = compileForTool(file, { root });
        // Rollup and Vite throw here; esbuild and webpack collect the error and fail the build after this module.
        if (out.diagnostic !== undefined) this.error(toolError(out.diagnostic, rollupStyle));
        return { code: out.code, map: out.map };
      },
    },
    vite: {
      configResolved(config) {
        root = options.root ?? config.root;
      },
    },
    esbuild: { onLoadFilter: VALK_ID, loader: 'js' },
  };
});
