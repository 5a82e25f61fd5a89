/**
 * The timer functions the client uses, injectable so that tests can run on a
 * virtual clock (vitest fake timers, or their own scheduler) and never sleep.
 */
export interface Timers {
  /** Run `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancel a timer set with `setTimeout`; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The host's timers, looked up at each call rather than captured at import,
 * so that fake timers installed later (e.g. `vi.useFakeTimers()`) are used.
 */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** Milliseconds on the clock the timers use. */
export type Clock = () => number;

/** `Date.now`, looked up at each call for the same reason as {@link systemTimers}. */
export const systemClock: Clock = () => Date.now();
