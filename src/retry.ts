/**
 * The one retry loop: an attempt says whether it is done or worth another try (and
 * why), and tries are spaced by exponential backoff (backoffMs, then ×2 each time),
 * never blocking the event loop, and cut short when the caller is told to stop.
 */
export type Attempt<T> = { readonly value: T } | { readonly retry: string };

export type Retried<T> = { readonly value: T; readonly attempts: number } | { readonly gaveUp: string; readonly attempts: number; readonly stopped: boolean };

export interface RetryPolicy {
  /** Tries after the first one. */
  readonly retries: number;
  readonly backoffMs: number;
  /** The doubling stops here (waiting for a server to come back: look every second, not every minute). */
  readonly maxBackoffMs?: number;
  /** Ends the waiting and the trying (the job was told to stop). */
  readonly signal?: AbortSignal;
  /** Injectable for tests that must not wait for real. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function retrying<T>(policy: RetryPolicy, attempt: (n: number) => Promise<Attempt<T>>): Promise<Retried<T>> {
  let reason = '';
  for (let n = 1; n <= policy.retries + 1; n++) {
    if (policy.signal?.aborted) return { gaveUp: 'stopped', attempts: n - 1, stopped: true };
    const outcome = await attempt(n);
    if ('value' in outcome) return { value: outcome.value, attempts: n };
    reason = outcome.retry;
    if (policy.signal?.aborted) return { gaveUp: 'stopped', attempts: n, stopped: true };
    if (n <= policy.retries) await backoff(policy, Math.min(policy.backoffMs * 2 ** (n - 1), policy.maxBackoffMs ?? Infinity));
  }
  return { gaveUp: reason, attempts: policy.retries + 1, stopped: false };
}

function backoff(policy: RetryPolicy, ms: number): Promise<void> {
  const waited = (policy.sleep ?? sleep)(ms);
  const signal = policy.signal;
  if (!signal) return waited;
  // The listener goes once the wait is over: a job checking for hours shares one signal across every retry.
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', (stop = () => resolve()), { once: true }));
  return Promise.race([waited, stopped]).finally(() => signal.removeEventListener('abort', stop));
}
