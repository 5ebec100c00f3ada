// 100 000 timers pending at once, then all of them awaited.
const t0 = process.hrtime.bigint();
const r = await Promise.all(Array.from({ length: 100_000 }, () => new Promise((resolve) => setTimeout(resolve, 10))));
console.log('result', r.length);
console.log('elapsed-us', Number((process.hrtime.bigint() - t0) / 1000n));
