// mapfilter: map, filter and reduce over a 100 000-element array: square
// every number in 0..99999, keep the even squares, and add them up.
const square = (x) => x * x;
const isEven = (x) => x % 2 === 0;

export function run() {
  const xs = Array.from({ length: 100000 }, (_, i) => i);
  return xs.map(square).filter(isEven).reduce((a, b) => a + b, 0);
}
