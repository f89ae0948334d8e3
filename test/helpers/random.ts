/** Seeded randomness for the randomized harnesses, so that a failing run replays from its seed (xorshift32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** A JavaScript stack trace in a process's stderr: what a person must never be shown instead of a message. */
export const STACK_TRACE = /\n\s+at .+:\d+:\d+\)?$/m;
