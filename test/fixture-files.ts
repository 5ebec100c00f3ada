// Finds the conformance fixtures: fixtures/**/NAME.valk with NAME.out beside it
// (NAME.inc.valk files are helpers that fixtures load, not fixtures).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VALK_BIN = join(ROOT, 'bin', 'valk.js');

export interface Fixture {
  /** Path relative to fixtures/, for test titles. */
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly stdout: string;
  readonly stderr: string | undefined;
  readonly code: number;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.name.endsWith('.valk') && !entry.name.endsWith('.inc.valk')) out.push(p);
  }
}

export function loadFixtures(): Fixture[] {
  const root = join(ROOT, 'fixtures');
  const files: string[] = [];
  walk(root, files);
  const fixtures: Fixture[] = [];
  for (const file of files.sort()) {
    const base = file.slice(0, -'.valk'.length);
    if (!existsSync(base + '.out')) continue;
    const read = (ext: string) => (existsSync(base + ext) ? readFileSync(base + ext, 'latin1') : undefined);
    fixtures.push({
      name: relative(root, file),
      dir: join(file, '..'),
      file,
      stdout: read('.out')!,
      stderr: read('.err'),
      code: Number((read('.code') ?? '0').trim()),
    });
  }
  return fixtures;
}

/** Elapsed times printed by the test framework vary between runs. */
export function normalize(stdout: string): string {
  return stdout.replace(/in [0-9]+\(\xc2\xb5s\)/g, 'in #(\xc2\xb5s)');
}
