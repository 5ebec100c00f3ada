// The sample project's JS entry: calls functions defined in .valk files, then
// runs app.valk as a program (which ends the process with its exit status).
import { greet } from './greet.valk';
import { sumOfSquares, report } from './stats.valk';
import { main } from './app.valk';

console.log(greet('bundler'));
console.log(sumOfSquares([1, 2, 3]));
console.log(report([1, 2, 3]));
main();
