/**
 * Waits for an in-process condition of the system under test (e.g. a hub counter) by checking
 * it every few milliseconds; fails after `timeoutMs`. For conditions no event reports.
 */
export async function waitForCondition(
  condition: () => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
