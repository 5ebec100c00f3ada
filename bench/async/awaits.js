// 1 000 000 awaits of promises that have already resolved.
async function loop(n) {
  let acc = 0;
  for (let i = n; i > 0; i--) acc += await Promise.resolve(i);
  return acc;
}
const t0 = process.hrtime.bigint();
const r = await loop(1_000_000);
console.log('result', r);
console.log('elapsed-us', Number((process.hrtime.bigint() - t0) / 1000n));
