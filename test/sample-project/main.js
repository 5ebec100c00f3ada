// The sample project's JS entry: runs stats.valk as a program.
import { main } from './stats.valk';

main();
