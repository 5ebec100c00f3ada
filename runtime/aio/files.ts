// The file/* builtins (docs/io.md): reading, writing, appending, stat and
// directory listing through Node's asynchronous fs, each returning a handle
// that completes with the result or fails with the Error
// «file/<op>: <reason> (<path>)». Each also exists continuation-taking, as
// `file/<op>-async` (callbacks.ts, defineIo).

import { readdir, readFile, stat, writeFile } from 'node:fs';
import type { Define } from '../builtins/index.js';
import type { Session } from '../session.js';
import { listFromArray, sym, VError, type Value } from '../values.js';
import { defineIo } from './callbacks.js';
import { Handle } from './handle.js';

/**
 * The words for Node's error codes in failure messages, shared with tcp.ts:
 * short and stable, where Node's own messages carry syscall names and paths.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EBUSY: 'resource busy',
  EIO: 'input/output error',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'timed out',
  EADDRINUSE: 'address in use',
  EADDRNOTAVAIL: 'address not available',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ERR_STREAM_DESTROYED: 'connection closed',
  ERR_STREAM_WRITE_AFTER_END: 'connection closed',
  ERR_SOCKET_CLOSED: 'connection closed',
};

/** The reason a Node error gives, in the words of REASONS; its code or message otherwise. */
export function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string') return REASONS[e.code] ?? e.code.toLowerCase();
  return e instanceof Error ? e.message : String(err);
}

const kw = (name: string) => sym(`:${name}`);

/** Strings hold one char per byte, so a path goes to Node as those bytes (any encoding round-trips). */
function nodePath(session: Session, path: string): Buffer {
  return Buffer.from(session.resolve(path), 'latin1');
}

const ORDINALS = ['first', 'second'];

function stringArg(name: string, args: Value[], i: number, what: string): string | VError {
  const v = args[i];
  return typeof v === 'string' ? v : new VError(`${name}: ${ORDINALS[i]} argument must be a string (${what})`);
}

export function install(define: Define, session: Session): void {
  /**
   * An fs operation on a path: `run` gets the resolved path and a callback for
   * Node's outcome, and gives an AbortController when the call can be
   * aborted, which cancelling the handle then does (fs has nothing to abort
   * for stat and readdir: cancelling just drops their result).
   */
  const fsOp =
    <T>(
      op: string,
      run: (path: Buffer, args: Value[], done: (err: unknown, result?: T) => void) => AbortController | void,
      result: (r: T, args: Value[]) => Value,
      what = 'path',
    ) =>
    (args: Value[], name: string): Value => {
      const path = stringArg(name, args, 0, what);
      if (path instanceof VError) return path;
      const h = new Handle(true);
      const abort = run(nodePath(session, path), args, (err, r) => {
        // A cancelled handle ignores a late settle; the failure names the path as the program gave it.
        if (err) h.fail(new VError(`file/${op}: ${reasonOf(err)} (${path})`));
        else h.complete(result(r as T, args));
      });
      if (abort) h.onCancel(() => abort.abort());
      return h;
    };

  defineIo(
    define,
    'file/read',
    1,
    'path',
    fsOp<Buffer>(
      'read',
      (path, _args, done) => {
        const abort = new AbortController();
        readFile(path, { signal: abort.signal }, done);
        return abort;
      },
      (buf) => buf.toString('latin1'),
    ),
  );

  // write and append differ only in the flag they open the file with.
  for (const [op, flag] of [
    ['write', 'w'],
    ['append', 'a'],
  ] as const) {
    const write = fsOp<number>(
      op,
      (path, args, done) => {
        const bytes = Buffer.from(args[1] as string, 'latin1');
        const abort = new AbortController();
        writeFile(path, bytes, { flag, signal: abort.signal }, (err) => done(err, bytes.length));
        return abort;
      },
      (n) => n,
    );
    defineIo(define, `file/${op}`, 2, 'path string', (args, name) => {
      // Both arguments are checked before the file is opened, so a bad call touches nothing.
      const bad = [stringArg(name, args, 0, 'path'), stringArg(name, args, 1, 'contents')].find((a) => a instanceof VError);
      return bad ?? write(args, name);
    });
  }

  defineIo(
    define,
    'file/stat',
    1,
    'path',
    fsOp<import('node:fs').Stats>(
      'stat',
      (path, _args, done) => stat(path, done),
      // mtimeMs has a fraction; Numbers are integers.
      (st) => listFromArray([kw('size'), st.size, kw('dir'), st.isDirectory() ? 1 : 0, kw('file'), st.isFile() ? 1 : 0, kw('mtime-ms'), Math.floor(st.mtimeMs)], true),
    ),
  );

  defineIo(
    define,
    'file/list',
    1,
    'dir',
    fsOp<Buffer[]>(
      'list',
      (path, _args, done) => readdir(path, { encoding: 'buffer' }, done),
      // Names as bytes, in byte order: a latin1 string compares char by char as its bytes do.
      (names) => listFromArray(names.map((n) => n.toString('latin1')).sort(), true),
      'dir',
    ),
  );
}
