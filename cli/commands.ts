// The `valk` command line, declared with yargs.

import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { build } from './build.js';
import { checkFiles } from './check.js';
import { compileTree } from './compile.js';
import { watchTree } from './watch.js';
import { repl } from './repl.js';
import { runFiles } from './run.js';
import { runTests } from './test-runner.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
  .scriptName('valk')
  .usage('$0 <command> [options]')
  .command(
    'run <files..>',
    'Run Valkyria programs in script mode, sharing one global environment',
    (y) =>
      y
        .positional('files', { type: 'string', array: true, demandOption: true, describe: '.valk files, run in order' })
        .option('prelude', {
          type: 'boolean',
          default: false,
          describe: 'Load the bundled prelude before the first file (programs normally load it themselves)',
        })
        .option('interpret', {
          type: 'boolean',
          default: false,
          describe: 'Evaluate the program with the evaluator instead of compiling it',
        })
        .option('fast-paths', {
          type: 'boolean',
          default: true,
          describe: 'Let compiled code take its fast paths (--no-fast-paths forces the generic ones)',
        })
        .example('$0 run examples/word-stats.valk', 'run one program'),
    async (argv) => {
      process.exit(await runFiles({ files: argv.files, prelude: argv.prelude, interpret: argv.interpret, fastPaths: argv.fastPaths }));
    },
  )
  .command(
    'compile <sources..>',
    'Compile .valk files (or folders of them) to ES modules with source maps',
    (y) =>
      y
        .positional('sources', { type: 'string', array: true, demandOption: true, describe: '.valk files or folders' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output folder' })
        .option('watch', { alias: 'w', type: 'boolean', default: false, describe: 'Keep running and recompile files as they change' })
        .option('target', { choices: ['js', 'ts'] as const, default: 'js' as const, describe: 'JavaScript with .d.ts declarations, or TypeScript modules' })
        .example('$0 compile src -o dist', 'compile a folder tree'),
    async (argv) => {
      const options = { sources: argv.sources, outDir: argv.out, target: argv.target };
      process.exit(argv.watch ? await watchTree(options) : compileTree(options));
    },
  )
  .command(
    'build <entry>',
    'Bundle a program and the runtime into one JavaScript file that runs with plain node',
    (y) =>
      y
        .positional('entry', { type: 'string', demandOption: true, describe: 'the program\'s .valk file' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output file' })
        .option('format', { choices: ['esm', 'cjs'] as const, default: 'esm' as const, describe: 'Module format of the output' })
        .option('minify', { type: 'boolean', default: true, describe: 'Minify (--no-minify keeps it readable)' })
        .example('$0 build app.valk -o app.mjs', 'then: node app.mjs'),
    async (argv) => {
      process.exit(await build({ entry: argv.entry, outFile: argv.out, format: argv.format, minify: argv.minify }));
    },
  )
  .command(
    'test [paths..]',
    'Run Valkyria test files (test_*.valk, *_test.valk, *.test.valk in folders) and report per file',
    (y) =>
      y
        .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'test files or folders (default: .)' })
        .option('verbose', { type: 'boolean', default: false, describe: 'Show the output of passing files too' })
        .option('interpret', { type: 'boolean', default: false, describe: 'Evaluate instead of compiling' })
        .example('$0 test tests/', 'run every test file under tests/'),
    (argv) => {
      process.exit(runTests({ paths: argv.paths, verbose: argv.verbose, interpret: argv.interpret }));
    },
  )
  .command(
    'repl',
    'Read, evaluate and print interactively (piped input: one result line per entry, no prompts)',
    (y) =>
      y
        .option('prelude', { type: 'boolean', default: false, describe: 'Load the bundled prelude first' })
        .example('$0 repl --prelude', 'a session with the prelude loaded'),
    async (argv) => {
      process.exit(await repl({ prelude: argv.prelude }));
    },
  )
  .command(
    'check <files..>',
    'Report syntax errors, unbound names, impossible argument counts and stray async-shifts without running anything',
    (y) =>
      y
        .positional('files', { type: 'string', array: true, demandOption: true, describe: '.valk files' })
        .example('$0 check app.valk', 'exit status 0 when clean, 1 when something was reported'),
    (argv) => {
      process.exit(checkFiles({ files: argv.files }));
    },
  )
  .demandCommand(1, 'Give a command, e.g. `valk run app.valk`.')
  .strict()
  .version(pkg.version)
  .alias('h', 'help')
  .alias('v', 'version')
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`valk: ${msg}\nRun \`valk --help\` for usage.\n`);
    process.exit(2);
  })
  .parseAsync();
}
