// Language-level output (spec §1.5): byte strings written to stdout in program
// order, with the redirection that test/capture-start sets up (spec §6.8).

import { writeSync } from 'node:fs';

export interface Captured {
  stdout: string;
  stderr: string;
}

function writeAll(fd: number, bytes: Buffer): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      // A non-blocking pipe that is full: wait for the reader rather than lose output.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

/** Where finished bytes go: file descriptor 1 or 2 of this process, unless a test says otherwise. */
export type Sink = (fd: 1 | 2, bytes: Buffer) => void;

export class Output {
  private pending = '';
  /** Active captures, innermost last; while one is active it receives everything. */
  private readonly captures: Captured[] = [];

  constructor(private readonly sink: Sink = writeAll) {}

  write(text: string): void {
    const cap = this.captures[this.captures.length - 1];
    if (cap !== undefined) cap.stdout += text;
    else {
      this.pending += text;
      if (this.pending.length > 1 << 16) this.flush();
    }
  }

  /** Internal diagnostics; captured like stdout while a capture is active. */
  writeErr(text: string): void {
    const cap = this.captures[this.captures.length - 1];
    if (cap !== undefined) cap.stderr += text;
    else {
      this.flush();
      this.sink(2, Buffer.from(text, 'latin1'));
    }
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending, 'latin1');
    this.pending = '';
    try {
      this.sink(1, bytes);
    } catch {
      // stdout is gone (a closed pipe): the program goes on, as a C program ignoring SIGPIPE would.
    }
  }

  startCapture(): Captured {
    this.flush();
    const cap = { stdout: '', stderr: '' };
    this.captures.push(cap);
    return cap;
  }

  /** Ends a capture; false if it is not active. */
  stopCapture(cap: Captured): boolean {
    const i = this.captures.lastIndexOf(cap);
    if (i < 0) return false;
    this.captures.splice(i, 1);
    return true;
  }
}
