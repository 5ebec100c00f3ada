// The file/* and tcp/* builtins end to end (docs/io.md): real .valk programs
// run by `valk run` on real files in a scratch folder and real sockets on
// 127.0.0.1 — valk talking to valk, and valk against a Node server or client
// started here — with the failures, backpressure both ways, cancellation, and
// nothing left open once everything is closed. (fixtures/io holds the
// deterministic cases, run in every mode.)

import test from 'ava';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { VALK_BIN } from './fixture-files.js';
import { scratch } from './scratch.js';

interface Ended {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

interface Running {
  /** Resolves when the program has ended (killed after a minute: a hang fails the test, not the run). */
  readonly ended: Promise<Ended>;
  /** Resolves with the first match of re in stdout, once the program has printed it. */
  printed(re: RegExp): Promise<RegExpExecArray>;
}

/**
 * Starts `valk run FLAGS main.valk` on a program in a scratch folder. Unlike
 * scratch.ts's `valk`, it does not block: the servers and clients of the test
 * run in this process's event loop alongside it.
 */
function launch(source: string, flags: string[] = [], prepare: (dir: string) => void = () => {}): Running {
  const dir = scratch({ 'main.valk': source }, 'valk-io-test-');
  prepare(dir);
  const child = spawn(process.execPath, [VALK_BIN, 'run', ...flags, 'main.valk'], { cwd: dir });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('latin1').on('data', (d: string) => {
    stdout += d;
    for (const w of [...watchers]) w();
  });
  child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const ended = new Promise<Ended>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    }),
  );
  const printed = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(stdout);
        if (m !== null) {
          watchers.delete(check);
          resolve(m);
        }
      };
      watchers.add(check);
      check();
      void ended.then((r) => {
        check();
        reject(new Error(`the program ended without printing ${re}:\n${r.stdout}\n${r.stderr}`));
      });
    });
  return { ended, printed };
}

const run = (source: string, flags: string[] = [], prepare?: (dir: string) => void) => launch(source, flags, prepare).ended;

/** A Node server on 127.0.0.1 with a port of its own; `port` once listening. */
function nodeServer(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    // valk resets some of these connections on purpose.
    s.on('error', () => {});
    onConnection(s);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

function nodeClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    s.once('connect', () => {
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Everything a socket receives until the peer ends it. */
function readAll(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (text += d));
    s.on('end', () => resolve(text));
    s.on('error', () => resolve(text));
    s.resume();
  });
}

const MODES: Record<string, string[]> = { compiled: [], interpret: ['--interpret'], 'no-fast-paths': ['--no-fast-paths'] };

const PRELUDE = '(load "src/prelude.valk")\n(def {sys} (aio/await (aio/start)))\n';

// ---- files ----

test('file/* reads, writes, appends, stats and lists real files, byte for byte', async (t) => {
  let dir = '';
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const { stdout, stderr, code } = await run(
    PRELUDE +
      `
(= {data} (aio/await (file/read "in/all-bytes")))
(print (len data))
(print (aio/await (file/write "out/copy" data)))
(print (aio/await (file/append "out/copy" "tail")))
(print (aio/await (file/list "names")))
(= {st} (aio/await (file/stat "out/copy")))
(print (plist/get st :size) (plist/get st :file) (plist/get st :dir))
(print (aio/await (file/stat "in")))
(print (aio/await (file/read "in/missing")))
(print (aio/await (file/read "in")))
(print (aio/await (file/write "in/all-bytes/x" "")))
(print (await (file/read-async "in/missing")))
`,
    [],
    (d) => {
      dir = d;
      mkdirSync(join(d, 'in'));
      mkdirSync(join(d, 'out'));
      mkdirSync(join(d, 'names'));
      writeFileSync(join(d, 'in', 'all-bytes'), bytes);
      // Names in byte order: capitals before small letters, UTF-8 (bytes over 127) last.
      for (const n of ['b', 'é.txt', 'a', 'B', '10', '9']) writeFileSync(join(d, 'names', n), n);
    },
  );
  t.is(stderr, '');
  t.is(code, 0);
  const lines = stdout.split('\n');
  t.deepEqual(lines.slice(0, 4), ['256', '256', '4', `{10 9 B a b ${Buffer.from('é.txt').toString('latin1')}}`]);
  t.is(lines[4], '260 1 0');
  t.regex(lines[5], /^\{:size \d+ :dir 1 :file 0 :mtime-ms \d{13}\}$/);
  t.deepEqual(lines.slice(6), [
    'Error: file/read: no such file (in/missing)',
    'Error: file/read: is a directory (in)',
    'Error: file/write: not a directory (in/all-bytes/x)',
    'Error: file/read: no such file (in/missing)',
    '',
  ]);
  t.deepEqual(readFileSync(join(dir, 'out', 'copy')), Buffer.concat([bytes, Buffer.from('tail')]));
});

test('file/* reports a permission denied', async (t) => {
  if (process.getuid?.() === 0) return t.pass('root reads everything');
  const { stdout } = await run(PRELUDE + '(print (aio/await (file/read "locked")))\n(print (aio/await (file/list "closed")))\n', [], (d) => {
    writeFileSync(join(d, 'locked'), 'secret');
    chmodSync(join(d, 'locked'), 0);
    mkdirSync(join(d, 'closed'), 0);
  });
  t.is(stdout, 'Error: file/read: permission denied (locked)\nError: file/list: permission denied (closed)\n');
});

// ---- valk and valk ----

for (const [mode, flags] of Object.entries(MODES)) {
  test(`a valk server and valk clients in one program [${mode}]`, async (t) => {
    const { stdout, stderr, code } = await run(
      PRELUDE +
        `
; Echoes each chunk back until the client ends.
(fun {echo c} {
  do
    (= {data} (aio/await (tcp/read c)))
    (if (== data nil) {tcp/close c} {do (aio/await (tcp/write c data)) (echo c)})
})
(def {srv} (aio/await (tcp/listen sys "127.0.0.1" 0 echo)))
(fun {read-n c n acc} {if (>= (len acc) n) {acc} {read-n c n (str acc (aio/await (tcp/read c)))}})
; Twenty clients at once, each sending 100 KB in one write and reading it back.
(fun {client i} {
  aio/then (tcp/connect sys "127.0.0.1" (tcp/port srv)) (\\ {c} {
    do
      (= {msg} (make-string 102400 (+ 65 (- i 1))))
      (aio/await (tcp/write c msg))
      (= {back} (read-n c 102400 ""))
      (aio/await (tcp/close c))
      (== back msg)
  })
})
(print (aio/await (aio/all (map client (range 1 21)))))
(print (aio/await (tcp/close srv)))
`,
      flags,
    );
    t.is(stderr, '');
    t.is(code, 0);
    t.is(stdout, `(${Array(20).fill('1').join(' ')})\n()\n`);
  });
}

// ---- valk against Node ----

test('a valk client against a Node server: greeting, answers, the end of the stream', async (t) => {
  const { server, port } = await nodeServer((s) => {
    s.write('hello from node');
    s.on('data', (d) => (String(d) === 'quit' ? s.end('bye') : s.write(String(d).toUpperCase())));
  });
  const { stdout, stderr } = await run(
    PRELUDE +
      `
(= {c} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
(print (aio/await (tcp/read c)))
(aio/await (tcp/write c "abc"))
(print (aio/await (tcp/read c)))
(aio/await (tcp/write c "quit"))
(print (aio/await (tcp/read c)))
(print (aio/await (tcp/read c)))
(print (aio/await (tcp/close c)))
`,
  );
  server.close();
  t.is(stderr, '');
  t.is(stdout, 'hello from node\nABC\nbye\n()\n()\n');
});

test('a valk server against Node clients, which tell it when to stop', async (t) => {
  const r = launch(
    PRELUDE +
      `
(fun {mailbox} {async {(await (\\ {k} {def {deliver} k}))}})
(= {stop} (mailbox))
(fun {serve c} {
  do
    (= {line} (aio/await (tcp/read c)))
    (select
      {(== line nil) (tcp/close c)}
      {(== line "stop") (do (aio/await (tcp/write c "stopping")) (aio/await (tcp/close c)) (deliver :stop))}
      {otherwise (do (aio/await (tcp/write c (str "<" line ">"))) (serve c))})
})
(def {srv} (aio/await (tcp/listen sys "127.0.0.1" 0 serve)))
(print "port" (tcp/port srv))
(print (aio/await stop))
(print (aio/await (tcp/close srv)))
`,
  );
  const port = Number((await r.printed(/port (\d+)\n/))[1]);
  const talk = async (words: string[]) => {
    const s = await nodeClient(port);
    s.setEncoding('latin1');
    const answers: string[] = [];
    for (const w of words) {
      const answer = new Promise<string>((resolve) => s.once('data', resolve));
      s.write(w);
      answers.push(await answer);
    }
    s.end();
    await new Promise((resolve) => s.on('close', resolve).resume());
    return answers;
  };
  const answers = await Promise.all([talk(['a', 'b']), talk(['c']), talk(['d', 'e', 'f'])]);
  t.deepEqual(answers, [['<a>', '<b>'], ['<c>'], ['<d>', '<e>', '<f>']]);
  const last = await nodeClient(port);
  last.write('stop');
  t.is(await readAll(last), 'stopping');
  const { stdout, stderr, code } = await r.ended;
  t.is(stdout, `port ${port}\n:stop\n()\n`);
  t.is(stderr, '');
  t.is(code, 0);
  // The server is closed: the port no longer takes connections.
  await t.throwsAsync(nodeClient(port), { code: 'ECONNREFUSED' });
});

// ---- backpressure ----

const MB = 1024 * 1024;

test('reading: a valk client that does not read holds a fast Node server back, then gets every byte', async (t) => {
  const total = 48 * MB;
  let connectedAt = 0;
  let flushedEarly = -1;
  const { server, port } = await nodeServer((s) => {
    connectedAt = Date.now();
    const block = Buffer.alloc(64 * 1024, 'q');
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += block.length;
        if (!s.write(block)) return void s.once('drain', pump);
      }
      s.end();
    };
    pump();
    // While valk sleeps, what the server got rid of is bounded by the buffers on the way, not the total.
    setTimeout(() => (flushedEarly = sent - s.writableLength), 800);
  });
  const { stdout, stderr } = await run(
    PRELUDE +
      `
(= {c} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
(aio/await (aio/sleep sys 1500))
(fun {count c n} {do (= {d} (aio/await (tcp/read c))) (if (== d nil) {n} {count c (+ n (len d))})})
(print (count c 0))
(aio/await (tcp/close c))
`,
  );
  server.close();
  t.is(stderr, '');
  t.is(stdout, `${total}\n`);
  t.true(connectedAt > 0);
  t.true(flushedEarly >= 0 && flushedEarly < total, `flushed ${flushedEarly} of ${total} while valk was not reading`);
});

test('writing: awaited valk writes wait for a Node client that does not read', async (t) => {
  const total = 48 * MB;
  const r = launch(
    PRELUDE +
      `
(fun {mailbox} {async {(await (\\ {k} {def {deliver} k}))}})
(= {done} (mailbox))
(def {block} (make-string 65536 "w"))
(fun {send c n} {if (== n 0) {nil} {do (aio/await (tcp/write c block)) (send c (- n 1))}})
(def {srv} (aio/await (tcp/listen sys "127.0.0.1" 0 (\\ {c} {do (send c ${total / 65536}) (print "wrote all") (aio/await (tcp/close c)) (deliver :done)}))))
(print "port" (tcp/port srv))
(print (aio/await done))
`,
  );
  const port = Number((await r.printed(/port (\d+)\n/))[1]);
  const s = await nodeClient(port);
  s.pause();
  const wroteAll = r.printed(/wrote all/).then(() => Date.now());
  await new Promise((resolve) => setTimeout(resolve, 800));
  const resumedAt = Date.now();
  const received = readAll(s);
  // The writes can only have finished once the client reads: 48 MiB is more than the buffers on the way hold.
  t.true((await wroteAll) >= resumedAt);
  t.is((await received).length, total);
  const { stdout, stderr } = await r.ended;
  t.is(stdout, `port ${port}\nwrote all\n:done\n`);
  t.is(stderr, '');
});

// ---- failures ----

test('connection refused, and writes to a peer that has gone', async (t) => {
  // A port that was just listened on and is closed now.
  const { server, port: closedPort } = await nodeServer(() => {});
  await new Promise((resolve) => server.close(resolve));
  const { server: rude, port } = await nodeServer((s) => s.destroy());
  const { stdout, stderr } = await run(
    PRELUDE +
      `
(print (aio/await (tcp/connect sys "127.0.0.1" ${closedPort})))
(print (await (tcp/connect-async sys "127.0.0.1" ${closedPort})))
(= {c} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
; The peer closed at once: reads see the end (or the reset), writes fail once the system knows.
(fun {write-until-failure c n} {
  do (= {r} (aio/await (tcp/write c "data")))
     (if (error? r) {r} {if (> n 1000) {:never-failed} {do (aio/await (aio/sleep sys 1)) (write-until-failure c (+ n 1))}})
})
(print (write-until-failure c 0))
(print (aio/await (tcp/write c "again")))
(print (aio/await (tcp/close c)))
(print (aio/await (tcp/write c "after close")))
`,
  );
  rude.close();
  t.is(stderr, '');
  const lines = stdout.split('\n');
  t.is(lines[0], `Error: tcp/connect: connection refused (127.0.0.1:${closedPort})`);
  t.is(lines[1], lines[0]);
  t.regex(lines[2], /^Error: tcp\/write: (broken pipe|connection reset|connection closed)$/);
  t.regex(lines[3], /^Error: tcp\/write: (broken pipe|connection reset|connection closed)$/);
  t.deepEqual(lines.slice(4), ['()', 'Error: tcp/write: connection closed', '']);
});

test('listening on a port in use fails; an Error from a handler is reported on stderr', async (t) => {
  const { server, port } = await nodeServer((s) => s.end());
  const { stdout, stderr } = await run(
    PRELUDE +
      `
(print (aio/await (tcp/listen sys "127.0.0.1" ${port} (\\ {c} {nil}))))
(def {srv} (aio/await (tcp/listen sys "127.0.0.1" 0 (\\ {c} {do (tcp/close c) (error "the handler failed")}))))
(= {c} (aio/await (tcp/connect sys "127.0.0.1" (tcp/port srv))))
(print (aio/await (tcp/read c)))
`,
  );
  server.close();
  t.is(stdout, `Error: tcp/listen: address in use (127.0.0.1:${port})\n()\n`);
  t.is(stderr, 'valk: tcp/listen handler: the handler failed\n');
});

// ---- cancellation and cleanup ----

test('cancelling a pending read destroys the socket, which the Node server sees', async (t) => {
  let first: Socket | undefined;
  const { server, port } = await nodeServer((s) => {
    if (first === undefined) first = s;
    // The second connection is told when the first one's stream ends (this server keeps half-open sockets, so not 'close').
    else first.on('end', () => s.end('first ended'));
  });
  const { stdout, stderr } = await run(
    PRELUDE +
      `
(= {a} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
(aio/await (aio/sleep sys 50))
(= {b} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
(aio/await (aio/sleep sys 50))
(= {r} (tcp/read a))
(print (aio/cancel r))
(print (aio/await (tcp/read b)))
`,
  );
  server.close();
  t.is(stderr, '');
  t.is(stdout, ':true\nfirst ended\n');
});

test('once everything is closed nothing is left open: a program waiting forever ends, told so', async (t) => {
  const { server, port } = await nodeServer((s) => s.pipe(s));
  const { stdout, stderr, code } = await run(
    PRELUDE +
      `
(def {srv} (aio/await (tcp/listen sys "127.0.0.1" 0 (\\ {c} {do (aio/await (tcp/read c)) (tcp/close c)}))))
(= {mine} (aio/await (tcp/connect sys "127.0.0.1" (tcp/port srv))))
(= {theirs} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
(aio/await (tcp/write theirs "x"))
(print (aio/await (tcp/read theirs)))
(aio/cancel (tcp/read theirs))
(aio/await (file/write "f" "contents"))
(aio/await (file/read "f"))
(aio/cancel (tcp/connect sys "127.0.0.1" ${port}))
(aio/cancel (tcp/listen sys "127.0.0.1" 0 (\\ {c} {nil})))
(aio/await (tcp/write mine "bye"))
(aio/await (tcp/close mine))
(aio/await (tcp/close srv))
(print "closed")
(aio/await (aio/never sys))
`,
  );
  server.close();
  t.is(stdout, 'x\nclosed\n');
  t.is(stderr, 'valk: the program waits for an event that can no longer happen; ending it\n');
  t.is(code, 0);
});

test('stopping the system closes what is open through it, and so does the end of the program', async (t) => {
  const { server, port } = await nodeServer(() => {});
  const stopped = await run(
    PRELUDE +
      `
(def {srv} (aio/await (tcp/listen sys "127.0.0.1" 0 (\\ {c} {aio/never sys}))))
(= {mine} (aio/await (tcp/connect sys "127.0.0.1" (tcp/port srv))))
(= {theirs} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
(aio/stop sys)
(print "stopped")
(aio/await (aio/never sys))
`,
  );
  t.is(stopped.stdout, 'stopped\n');
  t.is(stopped.stderr, 'valk: the program waits for an event that can no longer happen; ending it\n');
  // Left open at the end: the program still ends at once (spec §1.3).
  const started = Date.now();
  const left = await run(
    PRELUDE +
      `
(def {srv} (aio/await (tcp/listen sys "127.0.0.1" 0 (\\ {c} {aio/never sys}))))
(= {mine} (aio/await (tcp/connect sys "127.0.0.1" (tcp/port srv))))
(= {theirs} (aio/await (tcp/connect sys "127.0.0.1" ${port})))
(= {pending} (tcp/read theirs))
(print "end")
`,
  );
  server.close();
  t.is(left.stdout, 'end\n');
  t.is(left.code, 0);
  t.true(Date.now() - started < 20_000);
});
