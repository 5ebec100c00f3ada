// nqueens 8: count the placements of 8 non-attacking queens by backtracking.
// qs holds the column of the queen in each row placed so far.
function safe(q, qs) {
  const row = qs.length;
  for (let r = 0; r < row; r++) {
    const c = qs[r];
    const d = row - r;
    if (c === q || c === q - d || c === q + d) return false;
  }
  return true;
}

function place(n, qs) {
  if (qs.length === n) return 1;
  let count = 0;
  for (let col = 1; col <= n; col++) {
    if (safe(col, qs)) {
      qs.push(col);
      count += place(n, qs);
      qs.pop();
    }
  }
  return count;
}

export function run() {
  return place(8, []);
}
