// Running the `valk` command on files in a scratch folder, for end-to-end tests.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, VALK_BIN } from './fixture-files.js';

export interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** Runs `valk ARGS` in cwd; `input` is piped to its stdin. */
export function valk(args: string[], cwd: string, env?: NodeJS.ProcessEnv, input?: string): Ran {
  const r = spawnSync(process.execPath, [VALK_BIN, ...args], { cwd, encoding: 'utf8', env: env ?? process.env, input });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

/** A new folder under the system's temporary folder holding these files (paths may have folders). */
export function scratch(files: Record<string, string>, prefix = 'valk-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * A scratch folder with these files whose node_modules holds this package as
 * `valk`, and Node's types, as a project that installed valk would.
 */
export function installedProject(files: Record<string, string>, prefix: string): string {
  const dir = scratch(files, prefix);
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'valk'));
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'));
  return dir;
}
