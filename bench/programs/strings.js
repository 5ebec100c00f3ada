// strings: build a long string by appending to it 20 000 times (a word, a
// number and a separator each step), then take its length. All characters
// are ASCII, so the length in characters is the length in bytes.
export function run() {
  let s = '';
  for (let i = 0; i < 20000; i++) s += 'item' + i + ';';
  return s.length;
}
