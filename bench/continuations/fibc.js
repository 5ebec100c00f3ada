// fibc 25 as a JavaScript programmer writes Fibonacci: the captured and
// resumed continuations of the Valkyria version are plain returns.
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function run() {
  return fib(25);
}
