/**
 * The default wait of the HTTP client and the rate budget (both take a `sleep` option for tests). Not exported from
 * the package.
 *
 * @module
 */

/** Resolves after `ms` milliseconds on the global timer. */
export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
