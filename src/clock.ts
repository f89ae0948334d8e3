/** Time as the spool sees it; tests pass their own to judge staleness without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
