/**
 * A small seeded random source, so that mock drivers draw the same delays,
 * ids and injected failures on every run with the same seed.
 *
 * @module
 */

/**
 * A deterministic source of numbers in `[0, 1)` (mulberry32). Not for
 * cryptography: it exists so that a failing test can be replayed exactly.
 *
 * @param seed - any number; its low 32 bits select the sequence.
 * @example
 * ```ts
 * const random = createSeededRandom(42);
 * const driver = new MockDockerDriver({ random });
 * ```
 */
export function createSeededRandom(seed: number): () => number {
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
