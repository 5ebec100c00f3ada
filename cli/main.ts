// Entry point of the `valk` command.
//
// Loading yargs costs more than running a small program, so the plainest form,
// `valk run FILE...` with no options, goes straight to the runner; anything
// else (options, help, errors) is parsed by the full command line in
// commands.ts, which gives the same result for that form.

import { runFiles } from './run.js';

const argv = process.argv.slice(2);
if (argv[0] === 'run' && argv.length > 1 && argv.every((a) => !a.startsWith('-'))) {
  process.exit(await runFiles({ files: argv.slice(1), prelude: false, interpret: false, fastPaths: true }));
} else {
  const { main } = await import('./commands.js');
  await main(argv);
}
