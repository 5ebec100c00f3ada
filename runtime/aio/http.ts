// HTTP/1.1 and cleartext HTTP/2 over Node's http and http2 modules (docs/http.md):
// `http/serve` runs a Valkyria handler per request (request and response are
// Q-expression plists), `http/router` dispatches on method and path,
// `http/request` and `http/get` are the client. Every operation is a handle
// (handle.ts) bound to the `sys` it was started on; argument errors are Error
// values returned at once, as for the aio/* builtins.

import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Define } from '../builtins/index.js';
import { debug, display } from '../printer.js';
import type { Session } from '../session.js';
import { Builtin, Cons, isFunc, isList, isNum, listFromArray, listToArray, Ref, Sym, sym, truthy, VError, type Value } from '../values.js';
import { callback, defineIo } from './callbacks.js';
import { Handle } from './handle.js';
import { systemOf, type AioSystem } from './system.js';

const kw = (name: string) => sym(`:${name}`);
const Q = (...items: Value[]) => listFromArray(items, true);

const K = {
  method: kw('method'),
  path: kw('path'),
  query: kw('query'),
  headers: kw('headers'),
  body: kw('body'),
  params: kw('params'),
  version: kw('version'),
  status: kw('status'),
  host: kw('host'),
  port: kw('port'),
  http2: kw('http2'),
  stream: kw('stream'),
  maxBody: kw('max-body'),
  url: kw('url'),
};

const SERVER = 'http_server';
const BODY = 'http_body';
/** Request bodies the simple API reads whole are refused (413) beyond this, unless `:max-body` says otherwise. */
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** How long an idle HTTP/2 client connection is kept for the next request to the same origin. */
const H2_IDLE_MS = 1000;

// ---- values ----

/** A plist's value for key, or undefined (spec §7 `plist/get`, by `==` on keywords and strings). */
function plistGet(list: Value, key: Value): Value | undefined {
  for (let c = list instanceof Cons ? list : null; c !== null && c.tail !== null; c = c.tail.tail) {
    if (c.head === key) return c.tail.head;
  }
  return undefined;
}

/** An options argument: a plist (a list of even length) or Nil. */
function optsArg(name: string, v: Value, which: string): Value | VError {
  if (!isList(v) || listToArray(v).length % 2 !== 0) return new VError(`${name}: ${which} argument must be a plist of options`);
  return v;
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

/** A header name in a plist: a String, or a keyword/symbol named like the header. */
function headerName(k: Value): string | undefined {
  if (typeof k === 'string') return k.toLowerCase();
  if (k instanceof Sym) return (k.keyword ? k.name.slice(1) : k.name).toLowerCase();
  return undefined;
}

/** Headers for Node from a plist `{"content-type" "text/plain" ...}`; a repeated name or a list value sends the header once per value. */
function nodeHeaders(name: string, v: Value | undefined): Record<string, string | string[]> | VError {
  const out: Record<string, string | string[]> = {};
  if (v === undefined || v === null) return out;
  if (!(v instanceof Cons)) return new VError(`${name}: :headers must be a plist, got ${debug(v)}`);
  const items = listToArray(v);
  if (items.length % 2 !== 0) return new VError(`${name}: :headers must be a plist of names and values`);
  for (let i = 0; i < items.length; i += 2) {
    const key = headerName(items[i]);
    if (key === undefined) return new VError(`${name}: a header name must be a String, got ${debug(items[i])}`);
    const raw = items[i + 1];
    const values = raw instanceof Cons ? listToArray(raw) : [raw];
    for (const x of values) {
      if (typeof x !== 'string' && !isNum(x)) return new VError(`${name}: header ${key} must be a String or a Number, got ${debug(x)}`);
      const prev = out[key];
      const s = typeof x === 'string' ? x : display(x);
      out[key] = prev === undefined ? s : Array.isArray(prev) ? [...prev, s] : [prev, s];
    }
  }
  return out;
}

/** Headers Node received as a plist of lower-case names and Strings; HTTP/2's pseudo-headers are left out. */
function headersPlist(h: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): Value {
  const items: Value[] = [];
  for (const [name, v] of Object.entries(h)) {
    if (name.startsWith(':') || v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) items.push(name, x);
    else items.push(name, String(v));
  }
  // HTTP/2 names the host :authority; handlers find it where HTTP/1.1 puts it.
  const authority = h[':authority'];
  if (h.host === undefined && typeof authority === 'string') items.push('host', authority);
  return listFromArray(items, true);
}

/** %XX escapes decoded byte for byte, so the result is a byte string like every Valkyria string. */
function percentDecode(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** What a failure value says, for a 500's body and the line on stderr. */
function reason(v: Value): string {
  return v instanceof VError ? v.message : display(v);
}

// ---- per-system bookkeeping: stopping a system closes its servers and cancels its requests ----

const onStop = new WeakMap<AioSystem, Set<() => void>>();

/** Runs f when s stops, unless the returned function is called first. */
function untilStopped(s: AioSystem, f: () => void): () => void {
  let set = onStop.get(s);
  if (set === undefined) {
    const fs = (set = new Set());
    onStop.set(s, fs);
    s.whenStopped(() => {
      for (const g of [...fs]) g();
      fs.clear();
    });
  }
  set.add(f);
  return () => set.delete(f);
}

// ---- bodies read chunk by chunk (a streaming request on the server, a streaming response on the client) ----

class BodyReader {
  private readonly waiting: Handle[] = [];
  private ended = false;
  private failure: string | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly system: AioSystem,
  ) {
    // A 'readable' listener keeps the stream paused: bytes nobody asked for stay in the socket (backpressure).
    stream.on('readable', () => this.pump());
    stream.on('end', () => {
      this.ended = true;
      this.pump();
    });
    stream.on('error', (e) => {
      this.failure ??= e.message;
      this.pump();
    });
    stream.on('close', () => {
      if (!this.ended && !stream.readableEnded) this.failure ??= 'the connection closed before the body ended';
      this.pump();
    });
  }

  /** A handle for the next chunk, Nil once the body has ended. */
  read(): Handle {
    const h = new Handle(true, this.system);
    this.waiting.push(h);
    h.onCancel(() => {
      const i = this.waiting.indexOf(h);
      if (i >= 0) this.waiting.splice(i, 1);
    });
    this.pump();
    return h;
  }

  /** A handle for the rest of the body as one String. */
  readAll(): Handle {
    const all = new Handle(true, this.system);
    const parts: string[] = [];
    const next = (): void => {
      const r = this.read();
      all.addDependant(r);
      r.whenSettled((s) => {
        if (s.status !== 'completed') all.settleLike(s);
        else if (s.value === null) all.complete(parts.join(''));
        else {
          parts.push(s.value as string);
          next();
        }
      });
    };
    next();
    return all;
  }

  private pump(): void {
    // Each waiter is taken off the queue before it settles: settling runs callbacks, which may read again.
    while (this.waiting.length > 0) {
      if (this.failure !== undefined) {
        this.waiting.shift()!.fail(new VError(`http/read: ${this.failure}`));
        continue;
      }
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) this.waiting.shift()!.complete(chunk.toString('latin1'));
      else if (this.ended) this.waiting.shift()!.complete(null);
      else break;
    }
  }
}

/** The body reader `http/read` was given: a request or response plist whose :body is one, or the reference itself. */
function readerArg(name: string, args: Value[]): BodyReader | VError {
  if (args.length !== 1) return new VError(`${name}: expected 1 argument (a request or response with a streamed body)`);
  const v = args[0] instanceof Cons ? plistGet(args[0], K.body) : args[0];
  if (v instanceof Ref && v.type === BODY) return v.target as BodyReader;
  return new VError(`${name}: expected a request or response whose body is streamed (:stream 1), got ${debug(args[0])}`);
}

// ---- server ----

/** The parts of Node's HTTP/1.1 and HTTP/2 compatibility requests and responses used here. */
type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

class Server {
  port = 0;
  closing: Handle | null = null;
  readonly sockets = new Set<Socket>();
  readonly sessions = new Set<http2.ServerHttp2Session>();
  readonly ref = new Ref(SERVER, this);
  forget: () => void = () => {};

  constructor(
    readonly node: http.Server | http2.Http2Server,
    readonly system: AioSystem,
    readonly h2: boolean,
  ) {}

  /** Stops listening; connections end once their requests are answered. Gives a handle completing with Nil when all are closed. */
  close(): Handle {
    if (this.closing !== null) return this.closing;
    const h = (this.closing = new Handle(true, this.system));
    this.forget();
    // Giving up the wait (aio/cancel, aio/within) forces the close: connections still busy are cut.
    h.onCancel(() => this.cut());
    if (!this.node.listening) {
      h.complete(null);
      return h;
    }
    this.node.close(() => h.complete(null));
    this.closeIdle();
    return h;
  }

  /** Ends the connections with no request in flight; called again after each response while closing. */
  closeIdle(): void {
    if (this.h2) for (const s of this.sessions) s.close();
    else (this.node as http.Server).closeIdleConnections();
  }

  /** Closes at once, dropping requests in flight (the serve handle cancelled before it listened). */
  destroy(): void {
    this.forget();
    this.closing ??= new Handle(true, this.system);
    try {
      this.node.close(() => this.closing!.complete(null));
    } catch {
      this.closing.complete(null);
    }
    this.cut();
  }

  private cut(): void {
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
  }
}

function serverArg(name: string, args: Value[]): Server | VError {
  if (args.length !== 1) return new VError(`${name}: expected 1 argument (server)`);
  const v = args[0];
  if (v instanceof Ref && v.type === SERVER) return v.target as Server;
  return new VError(`${name}: expected a server from http/serve, got ${debug(v)}`);
}

interface ServeOptions {
  host: string;
  port: number;
  h2: boolean;
  stream: boolean;
  maxBody: number;
}

function serveOptions(opts: Value): ServeOptions | VError {
  const host = plistGet(opts, K.host) ?? '127.0.0.1';
  if (typeof host !== 'string') return new VError('http/serve: :host must be a String');
  const port = plistGet(opts, K.port) ?? 0;
  if (!isNum(port) || port < 0 || port > 65535) return new VError('http/serve: :port must be a Number from 0 to 65535');
  const maxBody = plistGet(opts, K.maxBody) ?? DEFAULT_MAX_BODY;
  if (!isNum(maxBody) || maxBody < 0) return new VError('http/serve: :max-body must be a Number of bytes');
  return {
    host,
    port: Number(port),
    h2: truthy(plistGet(opts, K.http2) ?? 0),
    stream: truthy(plistGet(opts, K.stream) ?? 0),
    maxBody: Number(maxBody),
  };
}

export function install(define: Define, session: Session): void {
  const logError = (what: string) => session.out.writeErr(`valk: ${what}\n`);

  /** Answers one request: reads the body (unless streamed), calls the handler, sends what it gives. */
  const onRequest = (server: Server, o: ServeOptions, handler: Value, req: Req, res: Res): void => {
    const where = `http/serve: ${req.method} ${req.url}`;
    // Requests and responses whose peer went away report it as an 'error'; the exchange just ends.
    req.on('error', () => {});
    res.on('error', () => {});
    res.on('finish', () => {
      // While the server closes, each answered request may leave a connection idle that can go now.
      if (server.closing !== null) setImmediate(() => server.closeIdle());
    });
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const request = (body: Value) =>
      Q(
        K.method, req.method ?? 'GET',
        K.path, q < 0 ? url : url.slice(0, q),
        K.query, q < 0 ? '' : url.slice(q + 1),
        K.headers, headersPlist(req.headers),
        K.body, body,
        K.version, req.httpVersion,
      );

    let pending: Handle | null = null;
    // A client that leaves before its answer cancels what the handler is still doing for it. (Once
    // answered, what was pending has settled and cannot be cancelled; HTTP/2's compatibility response
    // says 'finish' and writableFinished even when the client reset the stream, so they cannot tell.)
    res.on('close', () => pending?.cancel());

    const fail = (v: Value) => {
      const message = reason(v);
      logError(`${where}: ${message}`);
      if (res.headersSent) return abort(res);
      send(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, message);
    };
    const sendOrFail = (status: number, headers: Record<string, string | string[]>, body: string) => {
      const refused = send(res, status, headers, body);
      if (refused !== undefined) fail(new VError(refused.message));
    };

    /** Sends a response plist, a String (200), or the 500 for anything else. */
    const respond = (v: Value): void => {
      if (typeof v === 'string') return sendOrFail(200, { 'content-type': 'text/plain; charset=utf-8' }, v);
      if (v instanceof VError) return fail(v);
      if (!(v instanceof Cons)) return fail(new VError(`the handler must give a response plist, a String or a handle, got ${debug(v)}`));
      const status = plistGet(v, K.status) ?? 200;
      if (!isNum(status) || status < 100 || status > 999) return fail(new VError(`:status must be a Number from 100 to 999, got ${debug(status)}`));
      const headers = nodeHeaders('http/serve', plistGet(v, K.headers));
      if (headers instanceof VError) return fail(headers);
      const body = plistGet(v, K.body) ?? null;
      if (body instanceof VError) return fail(body);
      if (!('content-type' in headers)) headers['content-type'] = 'text/plain; charset=utf-8';
      if (isFunc(body)) return stream(Number(status), headers, body);
      sendOrFail(Number(status), headers, body === null ? '' : typeof body === 'string' ? body : display(body));
    };

    /** A body that is a function: called with a writer, the response ends when its value (or handle) completes. */
    const stream = (status: number, headers: Record<string, string | string[]>, body: Value): void => {
      try {
        res.writeHead(status, headers);
      } catch (e) {
        return fail(new VError((e as Error).message));
      }
      const writes = new Set<Handle>();
      res.on('close', () => {
        for (const w of writes) w.fail(new VError('http/write: the connection closed'));
      });
      const write = new Builtin('http/write', (args) => {
        if (args.length !== 1 || typeof args[0] !== 'string') return new VError('http/write: expected 1 argument, a String');
        const h = new Handle(true, server.system);
        if (res.writableEnded || gone(res)) {
          h.fail(new VError('http/write: the response has ended'));
          return h;
        }
        writes.add(h);
        // The callback runs once the chunk has been handed to the socket: waiting for it is the backpressure.
        // Both kinds of response take (chunk, callback); TypeScript cannot unite their overloads.
        (res as http.ServerResponse).write(bytes(args[0]), (err?: Error | null) => {
          writes.delete(h);
          if (err) h.fail(new VError(`http/write: ${err.message}`));
          else h.complete(null);
        });
        return h;
      });
      callback(body, [write], (v) => {
        session.out.flush();
        const end = (s: Handle) => {
          if (s.status === 'completed' && !(s.value instanceof VError)) res.end();
          // Cancelled because the client left: nobody is owed an answer or an explanation.
          else if (s.status !== 'cancelled') fail(s.value);
          else if (!gone(res)) fail(new VError('the body was cancelled'));
        };
        if (v instanceof Handle) {
          pending = v;
          v.whenSettled(end);
        } else end(v instanceof VError ? Handle.failed(v) : Handle.completed(v));
      });
    };

    const dispatch = (body: Value) => {
      callback(handler, [request(body)], (v) => {
        session.out.flush();
        if (!(v instanceof Handle)) return respond(v);
        pending = v;
        v.whenSettled((s) => {
          pending = null;
          if (gone(res) || res.writableEnded) return;
          if (s.status === 'completed') respond(s.value);
          else fail(s.status === 'cancelled' ? new VError('the handler\'s handle was cancelled') : s.value);
        });
      });
    };

    if (o.stream) return dispatch(new Ref(BODY, new BodyReader(req, server.system)));
    // An HTTP/1.1 request with neither length nor chunked encoding has no body (RFC 9112 §6.3):
    // answering at once, not on 'end' a tick later, lets the response go out in the same write.
    if (req.httpVersionMajor === 1 && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      req.resume();
      return dispatch('');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= o.maxBody) chunks.push(c);
    });
    req.on('end', () => {
      if (size > o.maxBody) return sendOrFail(413, { 'content-type': 'text/plain; charset=utf-8' }, 'request body too large');
      dispatch(Buffer.concat(chunks).toString('latin1'));
    });
  };

  define('http/serve', (args) => {
    if (args.length !== 3) return new VError('http/serve: expected 3 arguments (sys opts handler)');
    const s = systemOf(args[0]);
    if (s instanceof VError) return s;
    if (s.isStopped) return new VError('http/serve: the system has stopped');
    const opts = optsArg('http/serve', args[1], 'second');
    if (opts instanceof VError) return opts;
    const handler = args[2];
    if (!isFunc(handler)) return new VError('http/serve: third argument must be a function (the handler)');
    const o = serveOptions(opts);
    if (o instanceof VError) return o;

    const node = o.h2 ? http2.createServer() : http.createServer();
    const server = new Server(node, s, o.h2);
    (node as http.Server).on('request', (req: Req, res: Res) => {
      try {
        onRequest(server, o, handler, req, res);
      } catch (e) {
        // A bug here must cost one request, not the program.
        logError(`http/serve: internal error: ${(e as Error).stack ?? e}`);
        abort(res);
      }
    });
    node.on('connection', (socket: Socket) => {
      server.sockets.add(socket);
      socket.on('close', () => server.sockets.delete(socket));
    });
    if (o.h2) {
      const h2 = node as http2.Http2Server;
      h2.on('session', (ss: http2.ServerHttp2Session) => {
        server.sessions.add(ss);
        ss.on('error', () => {});
        ss.on('close', () => server.sessions.delete(ss));
      });
      // A peer that breaks the protocol loses its connection; the server goes on.
      h2.on('sessionError', () => {});
    }

    const h = new Handle(true, s);
    node.on('error', (e: Error) => {
      if (!h.terminal) h.fail(new VError(`http/serve: ${e.message}`));
      else logError(`http/serve: ${e.message}`);
    });
    node.listen(o.port, o.host, () => {
      const addr = node.address();
      server.port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
      // Cancelled while the host name was being looked up: it must not go on listening.
      if (h.terminal) return server.destroy();
      h.complete(server.ref);
    });
    // Cancelled before it listens: nothing will ever use it.
    h.onCancel(() => server.destroy());
    // Stopping the system stops the server: at once if it is not listening yet, else as http/close does.
    server.forget = untilStopped(s, () => (h.terminal ? server.close() : h.cancel()));
    return h;
  });

  define('http/port', (args) => {
    const server = serverArg('http/port', args);
    return server instanceof VError ? server : server.port;
  });

  define('http/close', (args) => {
    const server = serverArg('http/close', args);
    return server instanceof VError ? server : server.close();
  });

  define('http/read', (args) => {
    const r = readerArg('http/read', args);
    return r instanceof VError ? r : r.read();
  });

  define('http/read-all', (args) => {
    const r = readerArg('http/read-all', args);
    return r instanceof VError ? r : r.readAll();
  });

  define('http/router', (args) => {
    if (args.length !== 1) return new VError('http/router: expected 1 argument (a list of {method path handler} routes)');
    const routes = compileRoutes(args[0]);
    if (routes instanceof VError) return routes;
    return new Builtin(
      'http/router',
      (rargs, env, m) => {
        if (rargs.length !== 1) return new VError('http/router: a router takes 1 argument (the request)');
        const req = rargs[0];
        const method = plistGet(req, K.method);
        const path = plistGet(req, K.path);
        if (typeof method !== 'string' || typeof path !== 'string') return new VError(`http/router: expected a request plist, got ${debug(req)}`);
        const found = route(routes, method, path);
        if (found.handler === undefined) {
          if (found.allowed.length === 0) return Q(K.status, 404, K.body, 'not found');
          return Q(K.status, 405, K.headers, Q('allow', found.allowed.join(', ')), K.body, 'method not allowed');
        }
        const withParams = listFromArray([K.params, found.params], true, req as Cons);
        if (isFunc(found.handler)) return m.applyTail(found.handler, [withParams], env);
        // A route written as data names its handler: `(name req)` is evaluated now, so it finds the current definition.
        return m.evalTail(listFromArray([found.handler, withParams], false), env);
      },
      false,
      // It calls the route's handler through the evaluator.
      false,
    );
  });

  define('http/parse-query', (args) => {
    if (args.length !== 1 || typeof args[0] !== 'string') return new VError('http/parse-query: expected 1 argument, a String');
    const items: Value[] = [];
    for (const part of args[0].split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const [k, v] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
      items.push(percentDecode(k.replace(/\+/g, ' ')), percentDecode(v.replace(/\+/g, ' ')));
    }
    return listFromArray(items, true);
  });

  // ---- client ----

  // Each also as `http/request-async` and `http/get-async`, taking a continuation last (callbacks.ts).
  defineIo(define, 'http/request', 2, 'sys opts', (args, name) => {
    const s = systemOf(args[0]);
    if (s instanceof VError) return s;
    const opts = optsArg(name, args[1], 'second');
    if (opts instanceof VError) return opts;
    return request(s, opts, name);
  });

  defineIo(define, 'http/get', 2, 'sys url', (args, name) => {
    const s = systemOf(args[0]);
    if (s instanceof VError) return s;
    if (typeof args[1] !== 'string') return new VError(`${name}: second argument must be a String (the URL)`);
    return request(s, Q(K.url, args[1]), name);
  });
}

/** Sends a whole response; gives Node's exception if it refuses the status or a header (nothing is sent then). */
function send(res: Res, status: number, headers: Record<string, string | string[]>, body: string): Error | undefined {
  // A Valkyria string holds one byte per char: its length is the byte count, and as a
  // latin1 string Node sends it in the same write as the headers (a Buffer takes a second).
  if (!('content-length' in headers)) headers['content-length'] = String(body.length);
  try {
    res.writeHead(status, headers);
  } catch (e) {
    return e as Error;
  }
  res.end(body, 'latin1');
  return undefined;
}

/** The client has gone: nothing more can be sent. (HTTP/2's compatibility response has no `destroyed` of its own.) */
function gone(res: Res): boolean {
  return res instanceof http.ServerResponse ? res.destroyed : res.stream.destroyed;
}

/** Ends a response whose headers are out and whose body cannot be finished: the client sees it cut short. */
function abort(res: Res): void {
  if (res instanceof http.ServerResponse) res.destroy();
  else res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
}

// ---- routing ----

interface Route {
  method: string;
  segments: string[];
  /** The pattern ends in `*`, which matches the rest of the path. */
  rest: boolean;
  /** A function, or (in a route written as a Q-expression) a name or an expression giving one. */
  handler: Value;
}

function compileRoutes(v: Value): Route[] | VError {
  if (!isList(v)) return new VError('http/router: expected a list of {method path handler} routes');
  const out: Route[] = [];
  for (const r of listToArray(v)) {
    const parts = r instanceof Cons ? listToArray(r) : [];
    const [method, pattern, handler] = parts;
    const handlerOk = isFunc(handler) || (handler instanceof Sym && !handler.keyword) || (handler instanceof Cons && !handler.quoted);
    if (parts.length !== 3 || typeof method !== 'string' || typeof pattern !== 'string' || !pattern.startsWith('/') || !handlerOk) {
      return new VError(`http/router: each route must be {method "/path" handler}, got ${debug(r)}`);
    }
    const segments = pattern.split('/').slice(1);
    const rest = segments[segments.length - 1] === '*';
    if (rest) segments.pop();
    out.push({ method: method.toUpperCase(), segments, rest, handler });
  }
  return out;
}

/** The first route matching method and path, with the path's parameters; else the methods the path allows. */
function route(routes: Route[], method: string, path: string): { handler?: Value; params: Value; allowed: string[] } {
  const segments = path.split('/').slice(1);
  const allowed: string[] = [];
  for (const r of routes) {
    const params = matchPath(r, segments);
    if (params === undefined) continue;
    // HEAD is answered by the GET route when there is no HEAD route; Node sends the headers only.
    if (r.method === '*' || r.method === method || (method === 'HEAD' && r.method === 'GET')) return { handler: r.handler, params, allowed };
    if (!allowed.includes(r.method)) allowed.push(r.method);
  }
  return { params: null, allowed };
}

function matchPath(r: Route, segments: string[]): Value | undefined {
  if (r.rest ? segments.length < r.segments.length : segments.length !== r.segments.length) return undefined;
  const params: Value[] = [];
  for (let i = 0; i < r.segments.length; i++) {
    const p = r.segments[i];
    if (p.startsWith(':') && p.length > 1) {
      if (segments[i] === '') return undefined;
      params.push(sym(p), percentDecode(segments[i]));
    } else if (p !== segments[i]) return undefined;
  }
  if (r.rest) params.push(sym(':*'), percentDecode(segments.slice(r.segments.length).join('/')));
  return listFromArray(params, true);
}

// ---- client ----

/** Idle HTTP/1.1 connections are kept for the next request; they never keep the process alive. */
const agent = new http.Agent({ keepAlive: true });

interface PooledSession {
  session: http2.ClientHttp2Session;
  active: number;
  idle?: NodeJS.Timeout;
}
/** One HTTP/2 connection per origin, shared by the requests to it that overlap. */
const h2Pool = new Map<string, PooledSession>();

function h2Session(origin: string): PooledSession {
  const found = h2Pool.get(origin);
  if (found !== undefined && !found.session.closed && !found.session.destroyed) {
    clearTimeout(found.idle);
    found.session.ref();
    found.active++;
    return found;
  }
  const session = http2.connect(origin);
  const p: PooledSession = { session, active: 1 };
  h2Pool.set(origin, p);
  // Its streams report the failure to their requests.
  session.on('error', () => {});
  session.on('close', () => {
    if (h2Pool.get(origin) === p) h2Pool.delete(origin);
  });
  return p;
}

function h2Release(p: PooledSession): void {
  if (--p.active > 0) return;
  p.session.unref();
  p.idle = setTimeout(() => p.session.close(), H2_IDLE_MS);
  p.idle.unref();
}

/** `http/request`: a handle completing with a response plist, failing with «http/request: <reason>». */
function request(s: AioSystem, opts: Value, name = 'http/request'): Value {
  if (s.isStopped) return new VError(`${name}: the system has stopped`);
  const url = plistGet(opts, K.url);
  if (typeof url !== 'string') return new VError(`${name}: :url must be a String`);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return new VError(`${name}: invalid URL: ${url}`);
  }
  if (target.protocol !== 'http:') return new VError(`${name}: only http:// URLs are supported, got ${url}`);
  const method = plistGet(opts, K.method) ?? 'GET';
  if (typeof method !== 'string') return new VError(`${name}: :method must be a String`);
  const body = plistGet(opts, K.body) ?? null;
  if (body !== null && typeof body !== 'string') return new VError(`${name}: :body must be a String`);
  const headers = nodeHeaders(name, plistGet(opts, K.headers));
  if (headers instanceof VError) return headers;
  const payload = body === null ? undefined : bytes(body);
  if (payload !== undefined && !('content-length' in headers)) headers['content-length'] = String(payload.length);
  const streamed = truthy(plistGet(opts, K.stream) ?? 0);

  const h = new Handle(true, s);
  // Bookkeeping must not observe h: a failure only the runtime looked at would count as handled.
  const forget = untilStopped(s, () => h.cancel());
  h.onCancel(forget);
  const failWith = (e: Error | string) => {
    forget();
    h.fail(new VError(`http/request: ${typeof e === 'string' ? e : e.message}`));
  };
  const complete = (v: Value) => {
    forget();
    h.complete(v);
  };

  /** The response once its headers are in: now if streamed, else once the whole body is. */
  const answer = (status: number, rh: http.IncomingHttpHeaders | http2.IncomingHttpHeaders, res: Readable) => {
    const plist = (b: Value) => Q(K.status, status, K.headers, headersPlist(rh), K.body, b);
    if (streamed) return complete(plist(new Ref(BODY, new BodyReader(res, s))));
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => complete(plist(Buffer.concat(chunks).toString('latin1'))));
    res.on('error', failWith);
    res.on('close', () => failWith('the connection closed before the body ended'));
  };

  try {
    if (truthy(plistGet(opts, K.http2) ?? 0)) {
      const pooled = h2Session(target.origin);
      let stream: http2.ClientHttp2Stream;
      try {
        stream = pooled.session.request({ ...headers, ':method': method, ':path': target.pathname + target.search });
      } catch (e) {
        h2Release(pooled);
        throw e;
      }
      stream.on('close', () => {
        h2Release(pooled);
        failWith(`the stream closed before a response (code ${stream.rstCode})`);
      });
      stream.on('error', failWith);
      stream.on('response', (rh) => answer(Number(rh[':status']), rh, stream));
      h.onCancel(() => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.end(payload);
    } else {
      const send1 = (retry: boolean) => {
        const req = http.request(target, { method, headers, agent });
        let answered = false;
        req.on('error', (e) => {
          // A kept-alive connection the server closed just before this request went out: the request
          // never reached it, so it goes again on a new connection (as Node's documentation advises).
          if (retry && req.reusedSocket && !answered && !h.terminal && (e as NodeJS.ErrnoException).code === 'ECONNRESET') {
            try {
              send1(false);
            } catch (again) {
              failWith(again as Error);
            }
          } else failWith(e);
        });
        req.on('response', (res) => {
          answered = true;
          answer(res.statusCode ?? 0, res.headers, res);
        });
        h.onCancel(() => req.destroy());
        req.end(payload);
      };
      send1(true);
    }
  } catch (e) {
    // Node refused the request before sending it (a header it does not allow): an argument error.
    forget();
    return new VError(`${name}: ${(e as Error).message}`);
  }
  return h;
}
