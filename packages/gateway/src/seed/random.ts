/**
 * Deterministic randomness for the demo world. Never `Math.random`: the same seed must give the
 * same world on every machine and every run.
 */

/** mulberry32 (Tommy Ettinger): a 32-bit state PRNG, fast and good enough for synthetic data. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** MurmurHash3's 32-bit finaliser: spreads (seed, stream) into an independent sub-seed. */
export function mixSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = entries.at(-1);
    if (!last) throw new Error('cannot pick from an empty list');
    return last[0];
  }

  digits(count: number): string {
    let text = '';
    for (let i = 0; i < count; i++) text += String(this.int(0, 9));
    return text;
  }
}

/**
 * A bijection of [0, modulus): `index * multiplier + offset mod modulus` with a multiplier coprime
 * to the modulus. Distinct customers get distinct numbers without remembering the ones handed out,
 * which keeps a million-customer world streaming.
 */
export function scramble(index: number, modulus: number, salt: number): number {
  const multipliers = [7_919, 104_729, 1_299_709, 15_485_863, 32_452_843] as const;
  const multiplier = multipliers[salt % multipliers.length] ?? 7_919;
  // index * multiplier stays below 2^53 for index < 2^28: exact in a double.
  return ((index % modulus) * multiplier + (salt % modulus)) % modulus;
}
