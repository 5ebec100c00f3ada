// 10 000 tasks spawned, each waiting on a long timer, then all cancelled
// with AbortController, which clears the timer.
const t0 = process.hrtime.bigint();
const tasks = Array.from({ length: 10_000 }, () => {
  const controller = new AbortController();
  const done = new Promise((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    controller.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve('cancelled');
    });
  });
  return { controller, done };
});
for (const t of tasks) t.controller.abort();
const r = (await Promise.all(tasks.map((t) => t.done))).filter((x) => x === 'cancelled').length;
console.log('result', r);
console.log('elapsed-us', Number((process.hrtime.bigint() - t0) / 1000n));
