// ctak 18 12 6 as a JavaScript programmer writes Takeuchi's function: the
// escapes of the continuation version are plain returns.
function tak(x, y, z) {
  return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

export function run() {
  return tak(18, 12, 6);
}
