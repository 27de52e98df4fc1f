/** The current time, injectable so tests can move it (expiry, rate-limit windows). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
