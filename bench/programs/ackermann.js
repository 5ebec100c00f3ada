// ackermann 3 7: the two-argument Ackermann-Peter function.
function ack(m, n) {
  if (m === 0) return n + 1;
  if (n === 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

export function run() {
  return ack(3, 7);
}
