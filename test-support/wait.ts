// Waiting in integration tests: on an observable condition, never a fixed sleep (issue 12).

/**
 * Resolves once `condition` holds (it may be async), checking every `intervalMs`; rejects naming `what`
 * once `timeoutMs` has passed. A condition that throws rejects at once.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 15_000, intervalMs = 20 }: { readonly timeoutMs?: number; readonly intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
