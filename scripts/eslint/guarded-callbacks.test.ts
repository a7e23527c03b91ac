import { RuleTester } from 'eslint';
import { describe, it } from 'vitest';
import { guardedCallbacks } from './guarded-callbacks.js';

// RuleTester drives describe/it itself; point it at vitest's.
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } }).run(
  'guarded-callbacks',
  guardedCallbacks,
  {
    valid: [
      "setTimeout(guard('window', () => flush()), 10);",
      "socket.on('message', guard('frame', (data) => handle(data)));",
      "client.once('close', connectionGuard('close', () => cleanup()));",
      'const t = setTimeout(resolve, ms);',
      "signal.addEventListener('abort', () => reject(signal.reason), { once: true });",
      "signal.addEventListener('abort', () => { clearTimeout(timer); }, { once: true });",
      '// guard-exempt: resolves a promise only\nsetTimeout(() => done(false), ms);',
      'setTimeout(() => done(false), ms); // guard-exempt: resolves a promise only',
      "emitter.on('x');",
      'promise.then(() => work());',
      "const onAbort = guard('abort', () => fail());\nsignal.addEventListener('abort', onAbort, { once: true });",
      "const tick = makeGuard('t', () => 1);\nfunction f() { setInterval(tick, 5); }",
    ],
    invalid: [
      { code: 'setTimeout(() => flush(), 10);', errors: [{ messageId: 'unguarded' }] },
      { code: 'setInterval(tick, 1000);', errors: [{ messageId: 'unguarded' }] },
      { code: 'queueMicrotask(flush);', errors: [{ messageId: 'unguarded' }] },
      { code: 'process.nextTick(() => emit());', errors: [{ messageId: 'unguarded' }] },
      { code: "socket.on('message', (data) => handle(data));", errors: [{ messageId: 'unguarded' }] },
      { code: "res.once('end', () => resolve(JSON.parse(body)));", errors: [{ messageId: 'unguarded' }] },
      { code: "signal.addEventListener('abort', onAbort, { once: true });", errors: [{ messageId: 'unguarded' }] },
      { code: '// guard-exempt:\nsetTimeout(() => done(), 1);', errors: [{ messageId: 'unguarded' }] },
      {
        code: "let onAbort = guard('abort', () => fail());\nsignal.addEventListener('abort', onAbort);",
        errors: [{ messageId: 'unguarded' }],
      },
      {
        code: "const onAbort = () => fail();\nsignal.addEventListener('abort', onAbort);",
        errors: [{ messageId: 'unguarded' }],
      },
      { code: '// some other comment\nsetTimeout(() => done(), 1);', errors: [{ messageId: 'unguarded' }] },
    ],
  },
);
