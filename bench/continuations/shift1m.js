// 1 000 000 one-shot suspensions and resumptions: a generator that yields at
// every step, driven by a loop that resumes it at once with 1.
function* steps(n) {
  let acc = 0;
  for (let i = n; i > 0; i--) acc += yield;
  return acc;
}

export function run() {
  const g = steps(1_000_000);
  let r = g.next();
  while (!r.done) r = g.next(1);
  return r.value;
}
