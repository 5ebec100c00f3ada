// HTTP benchmarks: hello-world throughput of a valk server (bench/http/hello.valk,
// run by `valk run`) against a plain Node http server (bench/http/hello.js),
// measured with autocannon in the same run; then 10 000 connections opened to
// the valk server at once, held, and closed, for several rounds, checking
// that its open sockets come back to where they were and its heap does not grow.
//
//   node bench/http.mjs [--duration SECONDS] [--connections N] [--held N] [--rounds N]
//
// Needs dist/ built (`npm run bench:http` builds first).

import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'http');
const ROOT = dirname(dirname(DIR));

const options = { duration: 10, connections: 100, held: 10_000, rounds: 3 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in options) || !(Number(argv[i + 1]) > 0)) {
    process.stderr.write('usage: node bench/http.mjs [--duration SECONDS] [--connections N] [--held N] [--rounds N]\n');
    process.exit(2);
  }
  options[key] = Number(argv[i + 1]);
}

/** Starts a server program; resolves with its port and a way to stop it. */
function start(args) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m !== null) resolve({ port: Number(m[1]), stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before listening:\n${out}`)));
  });
}

function throughput(port) {
  return autocannon({ url: `http://127.0.0.1:${port}/`, connections: options.connections, duration: options.duration });
}

/** The valk server's open sockets and heap (KiB), from its /stats route. */
async function stats(port) {
  const [sockets, heap] = (await (await fetch(`http://127.0.0.1:${port}/stats`, { headers: { connection: 'close' } })).text()).split(' ').map(Number);
  return { sockets, heap };
}

/** Opens n keep-alive connections, each answered once, holds them all, then closes them. */
async function holdAndClose(port, n) {
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
          s.once('data', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const held = sockets.length;
  await Promise.all(sockets.map((s) => new Promise((resolve) => s.end(resolve))));
  for (const s of sockets) s.destroy();
  return held;
}

// --expose-gc lets /stats collect garbage first, so the heap figures show what is kept.
const valk = await start(['--expose-gc', join(ROOT, 'bin', 'valk.js'), 'run', join(DIR, 'hello.valk')]);
const node = await start([join(DIR, 'hello.js')]);
try {
  // A short warm-up for each, so that neither is measured while still compiling.
  for (const s of [valk, node]) await autocannon({ url: `http://127.0.0.1:${s.port}/`, connections: 10, duration: 2 });
  const v = await throughput(valk.port);
  const n = await throughput(node.port);
  const rows = [
    { server: 'valk', 'req/s': Math.round(v.requests.average), 'p99 ms': v.latency.p99, errors: v.errors + v.non2xx },
    { server: 'node http', 'req/s': Math.round(n.requests.average), 'p99 ms': n.latency.p99, errors: n.errors + n.non2xx },
  ];
  console.table(rows);
  console.log(`valk/node throughput: ${(v.requests.average / n.requests.average).toFixed(2)}`);

  const before = await stats(valk.port);
  const rounds = [];
  for (let r = 1; r <= options.rounds; r++) {
    const held = await holdAndClose(valk.port, options.held);
    // Closed sockets are released by the server a moment after the client closes.
    await new Promise((resolve) => setTimeout(resolve, 500));
    rounds.push({ round: r, held, ...(await stats(valk.port)) });
  }
  console.table([{ round: 'before', held: 0, ...before }, ...rounds]);
  const last = rounds[rounds.length - 1];
  console.log(`open sockets after ${options.rounds} rounds of ${options.held}: ${last.sockets} (before: ${before.sockets}); heap ${before.heap} KiB -> ${last.heap} KiB`);
} finally {
  valk.stop();
  node.stop();
}
