// primes: the primes below 10 000 by the list form of the sieve of
// Eratosthenes: take the first candidate as the next prime and filter its
// multiples out of the rest, until its square reaches the limit. The result
// is the sum of the primes.
function primesBelow(n) {
  const primes = [];
  let candidates = [];
  for (let i = 2; i < n; i++) candidates.push(i);
  while (candidates.length > 0) {
    const p = candidates[0];
    if (p * p >= n) {
      primes.push(...candidates);
      break;
    }
    primes.push(p);
    candidates = candidates.filter((x) => x % p !== 0);
  }
  return primes;
}

export function run() {
  return primesBelow(10000).reduce((sum, p) => sum + p, 0);
}
