import { expect } from 'vitest';

/**
 * The error `run` throws, which must be a `type`; fails the test with
 * `otherwise` when `run` returns.
 */
export function thrown<E extends Error>(run: () => unknown, type: abstract new (...args: never[]) => E, otherwise: string): E {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(otherwise);
}
