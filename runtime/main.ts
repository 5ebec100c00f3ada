// Running a module compiled ahead of time (`valk compile`) as a program.

import { Session, type Instantiate } from './session.js';

/** Script mode over one compiled module, then exit with VALK_EXIT_CODE (spec §1). */
export function runMain(instantiate: Instantiate): never {
  const session = new Session();
  session.runMain(instantiate);
  session.out.flush();
  process.exit(session.exitCode());
}
