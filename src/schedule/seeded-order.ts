/**
 * A random order that can be replayed: each name's place is the sha256 of the seed and
 * the name, so the same seed orders the same names the same way whatever else the list
 * holds, and each run's new seed gives another order. Untested packages are taken in
 * this order, so `a*` is not always tested first.
 */
import crypto from 'node:crypto';

export function seededOrder<T>(items: readonly T[], nameOf: (item: T) => string, seed: number): T[] {
  const keyed = items.map((item) => ({
    item,
    key: crypto
      .createHash('sha256')
      .update(`${seed}\0${nameOf(item)}`)
      .digest('hex'),
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

/** A fresh seed: 32 bits, printed by every run so that it can be replayed (--seed). */
export function newSeed(): number {
  return crypto.randomInt(0, 2 ** 32 - 1);
}
