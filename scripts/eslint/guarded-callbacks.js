// @ts-check
/**
 * ESLint rule `ha-ingestor/guarded-callbacks`: a callback that runs outside any caller's `try` — a timer,
 * a socket/client/stream event listener, a microtask — must go through the guard made by `createGuard`
 * (issue 11: one throw in a statestream timer killed the process, and the broker's redelivery killed it
 * again after every restart). Fixing that one timer would leave the class open; this rule closes it.
 *
 * Accepted callbacks:
 *   - a call whose callee is named `guard`, `…Guard` or `guarded…` (`guard('window', () => …)`), or a
 *     `const` initialised with such a call (`const onAbort = guard('abort', …); x.on('abort', onAbort)`);
 *   - `resolve` / `reject`, or an arrow whose whole body is one call of `resolve`, `reject`, `clearTimeout`
 *     or `clearInterval` with plain arguments: promise wiring that cannot throw;
 *   - anything with a `// guard-exempt: <why>` comment on the line above or at the end of the line.
 */

const TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']);
const LISTEN = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'addEventListener']);
const WIRING = new Set(['resolve', 'reject', 'clearTimeout', 'clearInterval']);

/** @param {import('estree').Node | undefined} node */
function calleeName(node) {
  if (node === undefined) return undefined;
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && node.property.type === 'Identifier') return node.property.name;
  return undefined;
}

/** @param {import('estree').Node} arg */
function isPlain(arg) {
  return (
    arg.type === 'Identifier' || arg.type === 'Literal' || (arg.type === 'MemberExpression' && isPlain(arg.object))
  );
}

/** @param {import('estree').Node} node */
function isGuardCall(node) {
  if (node.type !== 'CallExpression') return false;
  const name = calleeName(node.callee) ?? '';
  return name === 'guard' || name.endsWith('Guard') || name.startsWith('guarded');
}

/**
 * @param {import('estree').Identifier} id
 * @param {import('eslint').Scope.Scope} scope
 */
function isGuardedConst(id, scope) {
  for (let s = scope; s !== null; s = s.upper) {
    const variable = s.set.get(id.name);
    if (variable === undefined) continue;
    const def = variable.defs[0];
    return (
      variable.defs.length === 1 &&
      def?.type === 'Variable' &&
      def.parent.kind === 'const' &&
      def.node.init !== null &&
      def.node.init !== undefined &&
      isGuardCall(def.node.init)
    );
  }
  return false;
}

/**
 * @param {import('estree').Node} cb
 * @param {import('eslint').Scope.Scope} scope
 */
function isAccepted(cb, scope) {
  if (isGuardCall(cb)) return true;
  if (cb.type === 'Identifier') return cb.name === 'resolve' || cb.name === 'reject' || isGuardedConst(cb, scope);
  if (cb.type === 'ArrowFunctionExpression') {
    let body = cb.body;
    if (body.type === 'BlockStatement') {
      if (body.body.length !== 1 || body.body[0]?.type !== 'ExpressionStatement') return false;
      body = body.body[0].expression;
    }
    if (body.type !== 'CallExpression' || body.callee.type !== 'Identifier') return false;
    return WIRING.has(body.callee.name) && body.arguments.every((a) => a.type !== 'SpreadElement' && isPlain(a));
  }
  return false;
}

/** @type {import('eslint').Rule.RuleModule} */
export const guardedCallbacks = {
  meta: {
    type: 'problem',
    docs: { description: 'callbacks that run outside a caller’s try must go through createGuard' },
    schema: [],
    messages: {
      unguarded:
        '{{site}} callback runs outside any caller’s try: wrap it in a guard (createGuard from @ha-ingestor/core), ' +
        'or, when it cannot throw, say why in a `// guard-exempt: …` comment.',
    },
  },
  create(context) {
    const source = context.sourceCode;
    const exempt = (/** @type {import('estree').Node} */ node) => {
      const line = node.loc?.start.line ?? 0;
      return source.getAllComments().some((c) => {
        const at = c.loc?.end.line ?? -1;
        return (
          (at === line - 1 || at === line || at === (node.loc?.end.line ?? 0)) && /^\s*guard-exempt:\s*\S/.test(c.value)
        );
      });
    };
    return {
      CallExpression(node) {
        const name = calleeName(node.callee);
        if (name === undefined) return;
        let cb;
        let site;
        if (node.callee.type === 'Identifier' && TIMERS.has(name)) {
          cb = node.arguments[0];
          site = name;
        } else if (name === 'nextTick' && node.callee.type === 'MemberExpression') {
          cb = node.arguments[0];
          site = 'process.nextTick';
        } else if (node.callee.type === 'MemberExpression' && LISTEN.has(name) && node.arguments.length >= 2) {
          cb = node.arguments[1];
          const event = node.arguments[0];
          site = `.${name}(${event?.type === 'Literal' ? JSON.stringify(event.value) : '…'})`;
        }
        if (cb === undefined || cb.type === 'SpreadElement' || isAccepted(cb, source.getScope(node)) || exempt(node))
          return;
        context.report({ node: cb, messageId: 'unguarded', data: { site: site ?? name } });
      },
    };
  },
};

export default { rules: { 'guarded-callbacks': guardedCallbacks } };
