// Time, process control and test support (spec §6.7-§6.9; `sleep` is with the handle API in aio/).

import { stopAll } from '../aio/system.js';
import type { Captured } from '../output.js';
import type { Session } from '../session.js';
import { isNum, listFromArray, Ref, sym, type Value } from '../values.js';
import { VError } from '../values.js';
import { countError, typeError } from './errors.js';
import type { Define } from './index.js';

const CAPTURE = 'capture_state';

export function install(define: Define, session: Session): void {
  define('time-us', () => Number(process.hrtime.bigint() / 1000n));

  define('stack-depth', (_args, _env, m) => m.depth);

  const exit = (args: Value[]): Value => {
    if (args.length > 1) return countError(args.length, '<=', 1);
    const code = args.length === 0 ? 0 : args[0];
    if (!isNum(code)) return typeError(code, ['Number']);
    session.global.set(sym('VALK_EXIT_CODE'), code);
    stopAll();
    return code;
  };
  define('exit', exit);
  define('shutdown', exit);

  define('test/capture-start', (args) => {
    if (args.length !== 0) return countError(args.length, '==', 0);
    return new Ref(CAPTURE, session.out.startCapture());
  });

  define('test/capture-stop', (args) => {
    if (args.length !== 1) return countError(args.length, '==', 1);
    const ref = args[0];
    if (!(ref instanceof Ref)) return typeError(ref, ['Reference']);
    if (ref.type !== CAPTURE) return new VError('test/capture-stop: expected capture_state ref');
    const cap = ref.target as Captured;
    session.out.stopCapture(cap);
    return listFromArray([sym(':stdout'), cap.stdout, sym(':stderr'), cap.stderr], true);
  });
}
