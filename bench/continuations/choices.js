// The 2^20-leaf choice tree in JavaScript, two ways. `run` passes the rest of
// the computation as a closure, which can be called twice; the alternative
// uses a generator, which can only resume once, so each branch replays the
// choices made so far from the start.
const DEPTH = 20;

function bits(d, acc, k) {
  if (d === 0) return k(acc);
  return choose((c) => bits(d - 1, 2 * acc + c, k));
}

function choose(k) {
  return k(0) + k(1);
}

export function run() {
  return bits(DEPTH, 0, (x) => x);
}

function* bitsGen(d) {
  let acc = 0;
  for (let i = 0; i < d; i++) acc = 2 * acc + (yield);
  return acc;
}

function explore(path) {
  const g = bitsGen(DEPTH);
  let r = g.next();
  for (const c of path) r = g.next(c);
  if (r.done) return r.value;
  let sum = 0;
  for (const c of [0, 1]) {
    path.push(c);
    sum += explore(path);
    path.pop();
  }
  return sum;
}

export const alternatives = {
  'generators with replay': () => explore([]),
};
