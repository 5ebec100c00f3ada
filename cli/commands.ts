// The `valk` command line, declared with yargs.

import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { compileTree } from './compile.js';
import { runFiles } from './run.js';

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
        .example('$0 compile src -o dist', 'compile a folder tree'),
    (argv) => {
      process.exit(compileTree({ sources: argv.sources, outDir: argv.out }));
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
