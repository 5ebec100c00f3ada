// The http/* builtins end to end, over real sockets on 127.0.0.1: a valk server
// and client in one program, a valk server answering Node's own http and http2
// clients, the valk client against Node servers, streaming both ways with
// backpressure, many requests at once, errors, cancellation, and a program
// that ends with servers and requests still open.

import test from 'ava';
import { spawn } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { VALK_BIN } from './fixture-files.js';
import { scratch } from './scratch.js';

interface Ended {
  stdout: string;
  stderr: string;
  code: number | null;
}

interface Running {
  /** Resolves with the match once stdout matches re; rejects if the program ends first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  readonly ended: Promise<Ended>;
}

/** Starts `valk run` on source (asynchronously, so the test can talk to it meanwhile). */
function start(source: string, flags: string[] = []): Running {
  const dir = scratch({ 'main.valk': source }, 'valk-http-test-');
  const child = spawn(process.execPath, [VALK_BIN, 'run', ...flags, 'main.valk'], { cwd: dir });
  let stdout = '';
  let stderr = '';
  let closed = false;
  const waiters: Array<() => void> = [];
  const poke = () => waiters.splice(0).forEach((f) => f());
  child.stdout.setEncoding('latin1').on('data', (d: string) => {
    stdout += d;
    poke();
  });
  child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
  // A program that hangs fails its test rather than the whole run.
  const timer = setTimeout(() => child.kill(), 60_000);
  const ended = new Promise<Ended>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      closed = true;
      poke();
      resolve({ stdout, stderr, code });
    }),
  );
  const waitFor = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(stdout);
        if (m !== null) resolve(m);
        else if (closed) reject(new Error(`the program ended before printing ${re}:\n${stdout}\n${stderr}`));
        else waiters.push(check);
      };
      check();
    });
  return { waitFor, ended };
}

const run = (source: string, flags: string[] = []) => start(source, flags).ended;

const PRELUDE = '(load "src/prelude.valk")\n(def {sys} (aio/await (aio/start)))\n';

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  /** The body as the chunks that arrived. */
  chunks: string[];
}

/** A request with Node's HTTP/1.1 client, on a connection of its own. */
function h1(port: number, path: string, opts: { method?: string; body?: string | string[]; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: string[] = [];
      res.setEncoding('latin1').on('data', (c: string) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: chunks.join(''), chunks }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A request with Node's HTTP/2 client over cleartext. */
function h2(port: number, path: string, opts: { method?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': path, ':method': opts.method ?? 'GET' });
    let headers: Record<string, unknown> = {};
    const chunks: string[] = [];
    stream.on('response', (h) => (headers = h));
    stream.setEncoding('latin1').on('data', (c: string) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(headers[':status']), headers, body: chunks.join(''), chunks });
    });
    stream.on('error', reject);
    stream.end(opts.body);
  });
}

test('a valk server and a valk client in one program, over HTTP/1.1 and HTTP/2', async (t) => {
  const source = `${PRELUDE}
(fun {greet req} {str "hello " (plist/get (plist/get req :params) :name) " over " (plist/get req :version)})
(def {routes} (http/router (join {{"GET" "/hello/:name" greet}}
  (list (list "POST" "/echo" (\\ {req} {list :status 201 :headers {"x-seen" "1"} :body (plist/get req :body)}))
        (list "GET" "/boom" (\\ {req} {error "broken handler"}))))))
(fun {try h2} {do
  (= {server} (aio/await (http/serve sys (list :http2 h2) routes)))
  (= {base} (str "http://127.0.0.1:" (http/port server)))
  (= {call} (\\ {method path body} {aio/await (http/request sys (list :method method :url (str base path) :body body :http2 h2))}))
  (= {r} (call "POST" "/echo" "payload"))
  (print (plist/get r :status) (plist/get r :body) (plist/get (plist/get r :headers) "x-seen"))
  (print (plist/get (call "GET" "/hello/ann" nil) :body))
  (print (map (\\ {p} {plist/get (call "GET" p nil) :status}) {"/nope" "/echo" "/boom"}))
  (aio/await (http/close server))
})
(try 0)
(try 1)
`;
  for (const flags of [[], ['--interpret']]) {
    const r = await run(source, flags);
    t.is(r.stdout, ['201 payload 1', 'hello ann over 1.1', '{404 405 500}', '201 payload 1', 'hello ann over 2.0', '{404 405 500}', ''].join('\n'), flags.join(' '));
    t.is(r.stderr, 'valk: http/serve: GET /boom: broken handler\n'.repeat(2));
    t.is(r.code, 0);
  }
});

/** A valk server for Node's clients: it prints its port, and serves until a request to /shutdown. */
const server = (h2flag: number) => `${PRELUDE}
(def {inflight} 0)
(def {most} 0)
(fun {slow req} {
  (def {inflight} (+ inflight 1))
  (def {most} (if (> inflight most) {inflight} {most}))
  (aio/await (aio/sleep sys 50))
  (def {inflight} (- inflight 1))
  "slow"
})
; Each chunk of the request is answered as it arrives.
(fun {pump req w} {
  (= {c} (aio/await (http/read req)))
  (if (nil? c) {w "end\\n"} {do (aio/await (w (str "got " c "\\n"))) (pump req w)})
})
(fun {big req} {list :body (\\ {w} {
  (= {h} (w (make-string 33554432 "x")))
  (aio/await (aio/sleep sys 300))
  (print "big after 300 ms:" (aio/status h))
  (aio/await h)
  (print "big flushed")
  (w "end")
})})
(fun {ticks w n} {if (== n 0) {aio/pure nil} {do (aio/await (w (str "tick " n "\\n"))) (aio/await (aio/sleep sys 100)) (ticks w (- n 1))}})
(def {routes} (http/router (list
  (list "GET" "/" (\\ {req} {str "root " (plist/get req :version)}))
  (list "POST" "/echo" (\\ {req} {aio/then (http/read-all req) (\\ {b} {list :status 201 :headers (list "x-method" (plist/get req :method)) :body b})}))
  (list "GET" "/slow" slow)
  (list "GET" "/most" (\\ {req} {str most}))
  (list "POST" "/duplex" (\\ {req} {list :body (\\ {w} {pump req w})}))
  (list "GET" "/ticks" (\\ {req} {list :body (\\ {w} {ticks w 3})}))
  (list "GET" "/big" big)
  (list "GET" "/boom" (\\ {req} {aio/then (aio/sleep sys 1) (\\ {_} {error "late failure"})}))
  (list "GET" "/shutdown" (\\ {req} {do (aio/schedule sys 20 (\\ {} {aio/stop sys})) "bye"})))))
(def {srv} (aio/await (http/serve sys (list :stream 1 :http2 ${h2flag}) routes)))
(print "listening" (http/port srv))
(aio/run sys)
(aio/await (http/close srv))
(print "stopped")
`;

test("a valk server answers Node's HTTP/1.1 client", async (t) => {
  const p = start(server(0));
  const port = Number((await p.waitFor(/listening (\d+)/))[1]);

  const root = await h1(port, '/');
  t.is(root.status, 200);
  t.is(root.body, 'root 1.1');
  t.is(root.headers['content-type'], 'text/plain; charset=utf-8');
  const echo = await h1(port, '/echo', { method: 'POST', body: 'é ✓ bytes' });
  t.is(echo.status, 201);
  t.is(echo.headers['x-method'], 'POST');
  t.is(echo.body, Buffer.from('é ✓ bytes').toString('latin1'), 'bytes pass through unchanged');
  t.is((await h1(port, '/missing')).status, 404);
  const wrong = await h1(port, '/echo');
  t.is(wrong.status, 405);
  t.is(wrong.headers.allow, 'POST');
  t.is((await h1(port, '/', { method: 'HEAD' })).status, 200, 'HEAD is answered by the GET route');
  const boom = await h1(port, '/boom');
  t.is(boom.status, 500);
  t.is(boom.body, 'late failure');

  // Streaming: the chunks arrive one by one, as the handler writes them.
  const ticks = await h1(port, '/ticks');
  t.is(ticks.body, 'tick 3\ntick 2\ntick 1\n');
  t.true(ticks.chunks.length >= 3, `chunks: ${JSON.stringify(ticks.chunks)}`);

  // Full duplex: each chunk of the request is answered before the next is sent.
  const duplex = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/duplex', method: 'POST', agent: false });
    req.on('error', reject);
    const parts = ['a', 'bb', 'ccc'];
    let got = '';
    req.write(parts.shift());
    req.on('response', (res) => {
      res.setEncoding('latin1').on('data', (c: string) => {
        got += c;
        const next = parts.shift();
        if (next !== undefined) req.write(next);
        else req.end();
      });
      res.on('end', () => resolve(got));
    });
    req.flushHeaders();
  });
  t.is(duplex, 'got a\ngot bb\ngot ccc\nend\n');

  // Many requests at once: they are in the handler together.
  const many = await Promise.all(Array.from({ length: 200 }, () => h1(port, '/slow')));
  t.true(many.every((r) => r.status === 200 && r.body === 'slow'));
  t.true(Number((await h1(port, '/most')).body) > 1, 'requests overlapped');

  // Backpressure: a write's handle completes only once a client that reads nothing has taken the bytes.
  const big = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/big', agent: false }, (res) => {
        res.pause();
        p.waitFor(/big after 300 ms: (\S+)/).then(() => {
          let n = 0;
          res.on('data', (c: Buffer) => (n += c.length));
          res.on('end', () => resolve(n));
          res.resume();
        }, reject);
      })
      .on('error', reject);
  });
  t.is(big, 33554432 + 3);
  t.is((await p.waitFor(/big after 300 ms: (\S+)/))[1], ':running');

  t.is((await h1(port, '/shutdown')).body, 'bye');
  const r = await p.ended;
  t.regex(r.stdout, /big flushed\nstopped\n$/);
  t.is(r.stderr, 'valk: http/serve: GET /boom: late failure\n');
  t.is(r.code, 0);
});

test("a valk server answers Node's HTTP/2 client", async (t) => {
  const p = start(server(1));
  const port = Number((await p.waitFor(/listening (\d+)/))[1]);
  t.is((await h2(port, '/')).body, 'root 2.0');
  const echo = await h2(port, '/echo', { method: 'POST', body: 'over h2' });
  t.is(echo.status, 201);
  t.is(echo.body, 'over h2');
  t.is((await h2(port, '/nope')).status, 404);
  t.is((await h2(port, '/echo')).status, 405);
  t.is((await h2(port, '/boom')).status, 500);
  t.is((await h2(port, '/ticks')).body, 'tick 3\ntick 2\ntick 1\n');

  // Many streams on one connection at once.
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const bodies = await Promise.all(
    Array.from(
      { length: 200 },
      () =>
        new Promise<string>((resolve, reject) => {
          const s = session.request({ ':path': '/slow' });
          let b = '';
          s.setEncoding('latin1').on('data', (c: string) => (b += c));
          s.on('end', () => resolve(b));
          s.on('error', reject);
        }),
    ),
  );
  session.close();
  t.true(bodies.every((b) => b === 'slow'));
  t.true(Number((await h2(port, '/most')).body) > 1, 'requests overlapped');

  t.is((await h2(port, '/shutdown')).body, 'bye');
  const r = await p.ended;
  t.regex(r.stdout, /stopped\n$/);
  t.is(r.code, 0);
});

/** A Node server for the valk client: it records what it saw. */
function nodeServer(kind: 'h1' | 'h2') {
  const seen = { requests: 0, inflight: 0, most: 0, aborted: 0 };
  const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    seen.requests++;
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const reply = res as http.ServerResponse;
      if (req.url === '/hang') {
        reply.on('close', () => seen.aborted++);
        return;
      }
      if (req.url === '/slow') {
        seen.inflight++;
        seen.most = Math.max(seen.most, seen.inflight);
        setTimeout(() => {
          seen.inflight--;
          reply.end('ok');
        }, 20);
        return;
      }
      if (req.url === '/chunks') {
        reply.writeHead(200, { 'content-type': 'text/plain' });
        reply.write('one ');
        setTimeout(() => reply.end('two'), 200);
        return;
      }
      reply.writeHead(req.url === '/teapot' ? 418 : 200, { 'x-custom': String(req.headers['x-custom'] ?? '-'), 'set-cookie': ['a=1', 'b=2'] });
      reply.end(`${req.method} ${req.url} [${body}]`);
    });
  };
  const srv = kind === 'h1' ? http.createServer(handler) : http2.createServer(handler);
  const listening = new Promise<number>((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port)));
  return { seen, listening, close: () => srv.close() };
}

for (const kind of ['h1', 'h2'] as const) {
  test(`the valk client against a Node ${kind === 'h1' ? 'HTTP/1.1' : 'HTTP/2'} server`, async (t) => {
    const node = nodeServer(kind);
    const port = await node.listening;
    const flag = kind === 'h1' ? 0 : 1;
    const r = await run(`${PRELUDE}
(def {base} "http://127.0.0.1:${port}")
(fun {req opts} {aio/await (http/request sys (join opts (list :http2 ${flag})))})
(= {r} (req (list :method "PUT" :url (str base "/x?y=1") :headers {"x-custom" "mine"} :body "data")))
(print (plist/get r :status) (plist/get r :body))
(print (plist/get (plist/get r :headers) "x-custom") (plist/get (plist/get r :headers) "set-cookie"))
(print (plist/get (req (list :url (str base "/teapot"))) :status))
(print (plist/get (req (list :url (str base "/chunks"))) :body))
(= {s} (req (list :url (str base "/chunks") :stream 1)))
(print (aio/await (http/read s)) "|" (aio/await (http/read s)) "|" (aio/await (http/read s)))
(= {rs} (aio/await (aio/all (map (\\ {i} {http/request sys (list :url (str base "/slow") :http2 ${flag})}) (range 0 200)))))
(print (len (filter (\\ {r} {== (plist/get r :body) "ok"}) rs)))
(= {hang} (http/request sys (list :url (str base "/hang") :http2 ${flag})))
(aio/await (aio/sleep sys 100))
(print (aio/cancel hang))
(aio/await (aio/sleep sys 100))
(print "done")
`);
    t.is(r.stderr, '');
    t.is(r.stdout, ['200 PUT /x?y=1 [data]', 'mine a=1', '418', 'one two', 'one  | two | ()', '200', ':true', 'done', ''].join('\n'));
    t.is(node.seen.requests, 205);
    t.true(node.seen.most > 1, 'requests overlapped');
    t.is(node.seen.aborted, 1, 'cancelling the request closed its connection or stream');
    node.close();
  });
}

test('a program that ends with a server listening and requests in flight exits at once', async (t) => {
  const node = nodeServer('h1');
  const port = await node.listening;
  const began = Date.now();
  const r = await run(`${PRELUDE}
(def {srv} (aio/await (http/serve sys {} (\\ {req} {"never asked"}))))
(def {pending} (http/get sys "http://127.0.0.1:${port}/hang"))
(aio/await (aio/sleep sys 50))
(print (aio/status pending))
(exit 3)
`);
  t.is(r.stdout, ':running\n');
  t.is(r.code, 3);
  t.true(Date.now() - began < 30_000);
  node.close();
});

test('a failing listen fails the serve handle with the reason', async (t) => {
  const node = nodeServer('h1');
  const port = await node.listening;
  const r = await run(`${PRELUDE}
(print (aio/await (http/serve sys (list :port ${port}) (\\ {req} {""}))))
`);
  t.is(r.stdout, `Error: http/serve: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
  node.close();
});
