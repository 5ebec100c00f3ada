// The tcp/* builtins (docs/io.md): servers and connections over node:net, as
// References (`tcp_server`, `tcp_conn`), and handles for listening,
// connecting, reading, writing and closing. Each operation also exists
// continuation-taking, as `tcp/<op>-async` (callbacks.ts, defineIo).
//
// Reads are pulled: data that arrives while nobody reads is buffered, and the
// socket is paused while the buffer is large, so a slow reader slows the
// sender down (backpressure). A write's handle completes once Node has handed
// the bytes to the system, so a writer that awaits each write does not outrun
// the receiver either.

import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Define } from '../builtins/index.js';
import type { Session } from '../session.js';
import { isFunc, Ref, VError, type Value } from '../values.js';
import { callback, defineIo } from './callbacks.js';
import { reasonOf } from './files.js';
import { Handle } from './handle.js';
import { systemOf, type AioSystem } from './system.js';

const CONN = 'tcp_conn';
const SERVER = 'tcp_server';

/** Buffered bytes past which a connection nobody reads stops reading from the network. */
const HIGH_WATER = 64 * 1024;

/**
 * What each system has open, so that stopping the system (`aio/stop`, and
 * `exit`, which stops them all) closes it: what is open there never outlives
 * its system, nor keeps a process alive. Entries leave when they close, so
 * the map holds nothing once everything is closed.
 */
const open = new WeakMap<AioSystem, Map<object, () => void>>();

function track(sys: AioSystem, key: object, shut: () => void): void {
  let m = open.get(sys);
  if (m === undefined) {
    const fresh = new Map<object, () => void>();
    open.set(sys, fresh);
    // Registered once per system; shutting an entry removes it, so iterate over a copy.
    sys.whenStopped(() => {
      for (const f of [...fresh.values()]) f();
      fresh.clear();
    });
    m = fresh;
  }
  m.set(key, shut);
}

function untrack(sys: AioSystem, key: object): void {
  open.get(sys)?.delete(key);
}

/** A connection: its socket, what arrived that nobody has read yet, and the reads waiting for data. */
class Conn {
  readonly ref = new Ref(CONN, this);
  private chunks: string[] = [];
  private buffered = 0;
  private paused = false;
  private readers: Handle[] = [];
  /** The peer ended its side: once the buffer is read, reads give Nil. */
  private ended = false;
  /** The socket failed: once the buffer is read, reads fail with this. */
  private failure: VError | null = null;
  /** tcp/close was called, or a cancel or a stopped system destroyed the socket: no more reads or writes start. */
  private closing = false;
  /** The socket is closed for good. */
  private closed = false;
  private closeWaiters: Handle[] = [];

  constructor(
    readonly socket: Socket,
    readonly sys: AioSystem,
  ) {
    track(sys, this, () => this.destroy());
    socket.on('data', (b: Buffer) => this.arrive(b.toString('latin1')));
    socket.on('end', () => {
      this.ended = true;
      this.settleReaders();
    });
    // Without a listener an 'error' would be thrown; its reason goes to the reads, writes see theirs in their callback.
    socket.on('error', (e) => {
      this.failure ??= new VError(`tcp/read: ${reasonOf(e)}`);
    });
    socket.on('close', () => {
      this.closed = true;
      this.ended = true;
      untrack(sys, this);
      this.settleReaders();
      const waiters = this.closeWaiters;
      this.closeWaiters = [];
      for (const h of waiters) h.complete(null);
    });
  }

  private arrive(s: string): void {
    const reader = this.readers.shift();
    if (reader !== undefined) {
      reader.complete(s);
      return;
    }
    this.chunks.push(s);
    this.buffered += s.length;
    if (this.buffered >= HIGH_WATER && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** After the end, an error or the close: the waiting reads get Nil, or the failure. */
  private settleReaders(): void {
    const readers = this.readers;
    this.readers = [];
    for (const h of readers) this.failure === null ? h.complete(null) : h.fail(this.failure);
  }

  read(): Handle {
    // After our own close, what was still buffered is of no use: reading is the mistake.
    if (this.closing) return Handle.failed(new VError('tcp/read: connection closed'));
    // Everything buffered at once: chunk boundaries on a stream mean nothing.
    if (this.chunks.length > 0) {
      const s = this.chunks.length === 1 ? this.chunks[0] : this.chunks.join('');
      this.chunks = [];
      this.buffered = 0;
      if (this.paused) {
        this.paused = false;
        this.socket.resume();
      }
      return Handle.completed(s);
    }
    if (this.failure !== null) return Handle.failed(this.failure);
    // The peer's end is the stream's end, however often it is read.
    if (this.ended) return Handle.completed(null);
    const h = new Handle(true, this.sys);
    this.readers.push(h);
    h.onCancel(() => {
      this.readers = this.readers.filter((r) => r !== h);
      this.destroy();
    });
    return h;
  }

  write(s: string): Handle {
    if (this.closing || this.closed || !this.socket.writable) return Handle.failed(new VError('tcp/write: connection closed'));
    const h = new Handle(true, this.sys);
    h.onCancel(() => this.destroy());
    // The callback runs once Node has flushed the bytes to the system, or with the error that stopped it.
    this.socket.write(Buffer.from(s, 'latin1'), (err) => (err ? h.fail(new VError(`tcp/write: ${reasonOf(err)}`)) : h.complete(null)));
    return h;
  }

  /** Ends our side once what was written is flushed, then lets the socket go; completes once it is closed. */
  close(): Handle {
    if (this.closed) return Handle.completed(null);
    const h = new Handle(true, this.sys);
    this.closeWaiters.push(h);
    // A close held up by a peer that does not read can be given up: the socket goes at once.
    h.onCancel(() => this.destroy());
    if (!this.closing) {
      this.closing = true;
      // Waiting for the peer's end too could wait forever; what it still sends is of no use to a closed connection.
      this.socket.end(() => this.socket.destroy());
    }
    return h;
  }

  /** Closes at once, unsent data dropped (cancellation, a stopped system). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }
}

/** A listening server: accepted connections go to the handler, each as a fiber of its own. */
class Listener {
  readonly ref = new Ref(SERVER, this);
  private closed = false;

  constructor(
    readonly server: Server,
    readonly sys: AioSystem,
  ) {
    track(sys, this, () => this.shut());
  }

  get port(): number | null {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : null;
  }

  /** Stops accepting connections. Those already accepted stay open until they are closed themselves. */
  shut(): void {
    if (this.closed) return;
    this.closed = true;
    untrack(this.sys, this);
    this.server.close();
  }

  close(): Handle {
    this.shut();
    const h = new Handle(true, this.sys);
    // server.close gives back the port at once but calls back only once every accepted connection has closed,
    // which may be never: the handle completes on the next turn of the loop, when the port is free.
    setImmediate(() => h.complete(null));
    return h;
  }
}

const ORDINALS = ['first', 'second', 'third', 'fourth'];

function argError(name: string, i: number, what: string): VError {
  return new VError(`${name}: ${ORDINALS[i]} argument must be ${what}`);
}

/** The system, host and port of listen and connect, or the first argument error. */
function endpoint(name: string, args: Value[]): [AioSystem, string, number] | VError {
  const sys = systemOf(args[0]);
  if (sys instanceof VError) return sys;
  const [, host, port] = args;
  if (typeof host !== 'string') return argError(name, 1, 'a string (host)');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return argError(name, 2, 'a port number (0 to 65535)');
  return [sys, host, port];
}

function connArg(name: string, v: Value): Conn | VError {
  return v instanceof Ref && v.type === CONN ? (v.target as Conn) : argError(name, 0, 'a tcp_conn reference');
}

/** A handle for an operation on a stopped system: it fails at once, as nothing of it can ever run. */
function stoppedFailure(op: string): Handle {
  return Handle.failed(new VError(`tcp/${op}: the aio system is stopped`));
}

export function install(define: Define, session: Session): void {
  defineIo(define, 'tcp/listen', 4, 'sys host port handler', (args, name) => {
    const e = endpoint(name, args);
    if (e instanceof VError) return e;
    const [sys, host, port] = e;
    const handler = args[3];
    if (!isFunc(handler)) return argError(name, 3, 'a function (handler)');
    if (sys.isStopped) return stoppedFailure('listen');
    const server = createServer({ allowHalfOpen: true });
    const listener = new Listener(server, sys);
    const h = new Handle(true, sys);
    server.on('connection', (socket) => {
      if (sys.isStopped) return void socket.destroy();
      const conn = new Conn(socket, sys);
      callback(handler, [conn.ref], (v) => {
        // Nobody else sees what a handler gives: an Error would otherwise vanish.
        if (v instanceof VError) session.out.writeErr(`valk: tcp/listen handler: ${v.message}\n`);
      });
    });
    server.on('error', (err) => {
      // Once listening, Node retries what fails while accepting by itself: only failing to listen ends the server.
      if (h.terminal) return;
      listener.shut();
      h.fail(new VError(`tcp/listen: ${reasonOf(err)} (${host}:${port})`));
    });
    server.once('listening', () => h.complete(listener.ref));
    h.onCancel(() => listener.shut());
    try {
      server.listen(port, host);
    } catch (err) {
      // Node checks some things before it tries; a host exception must not escape (spec §4.5).
      listener.shut();
      h.fail(new VError(`tcp/listen: ${reasonOf(err)} (${host}:${port})`));
    }
    return h;
  });

  define('tcp/port', (args) => {
    if (args.length !== 1) return new VError('tcp/port: expected 1 argument (server)');
    const v = args[0];
    if (!(v instanceof Ref && v.type === SERVER)) return argError('tcp/port', 0, 'a tcp_server reference');
    return (v.target as Listener).port ?? new VError('tcp/port: the server is closed');
  });

  defineIo(define, 'tcp/connect', 3, 'sys host port', (args, name) => {
    const e = endpoint(name, args);
    if (e instanceof VError) return e;
    const [sys, host, port] = e;
    if (sys.isStopped) return stoppedFailure('connect');
    let socket: Socket;
    try {
      socket = connect({ host, port, allowHalfOpen: true });
    } catch (err) {
      // Node checks some things before it tries; a host exception must not escape (spec §4.5).
      return Handle.failed(new VError(`tcp/connect: ${reasonOf(err)} (${host}:${port})`));
    }
    const h = new Handle(true, sys);
    const key = {};
    track(sys, key, () => socket.destroy());
    const failed = (err: Error) => {
      untrack(sys, key);
      socket.destroy();
      h.fail(new VError(`tcp/connect: ${reasonOf(err)} (${host}:${port})`));
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      untrack(sys, key);
      socket.off('error', failed);
      // Cancelled while connecting: the socket is already destroyed.
      if (h.terminal) return;
      h.complete(new Conn(socket, sys).ref);
    });
    socket.once('close', () => untrack(sys, key));
    h.onCancel(() => {
      untrack(sys, key);
      socket.destroy();
    });
    return h;
  });

  defineIo(define, 'tcp/read', 1, 'conn', (args, name) => {
    const c = connArg(name, args[0]);
    return c instanceof VError ? c : c.read();
  });

  defineIo(define, 'tcp/write', 2, 'conn string', (args, name) => {
    const c = connArg(name, args[0]);
    if (c instanceof VError) return c;
    const s = args[1];
    return typeof s !== 'string' ? argError(name, 1, 'a string') : c.write(s);
  });

  defineIo(define, 'tcp/close', 1, 'conn-or-server', (args, name) => {
    const v = args[0];
    if (v instanceof Ref && (v.type === CONN || v.type === SERVER)) return (v.target as Conn | Listener).close();
    return argError(name, 0, 'a tcp_conn or tcp_server reference');
  });
}
