// Running the `valk` command on files in a scratch folder, for end-to-end tests.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { VALK_BIN } from './fixture-files.js';

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
