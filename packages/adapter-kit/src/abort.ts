/**
 * Waiting on a promise under an `AbortSignal`, for the kit's HTTP client and paginator (one copy).
 *
 * @module
 */
import { AbortedError, type AbortSignalLike } from '@crmkit/model';

interface AbortEventTarget {
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Settles as `promise` does, unless `signal` aborts first: then it rejects at once with an `AbortedError` (the
 * signal's reason as `cause`), even if the work behind `promise` ignores the signal. A signal without
 * `addEventListener` is only checked up front.
 *
 * @example
 * ```ts
 * const tokens = await raceAbort(refreshTokens(), signal);
 * ```
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignalLike | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {}); // its outcome no longer matters; do not leave it unhandled
    return Promise.reject(new AbortedError({ cause: signal.reason }));
  }
  const target = signal as AbortSignalLike & Partial<AbortEventTarget>;
  if (typeof target.addEventListener !== 'function') return promise;
  const events = target as AbortSignalLike & AbortEventTarget;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError({ cause: events.reason }));
    events.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        events.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        events.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
