/**
 * Which variations make a package unreproducible, in few builds. A trial builds the
 * package again varying only a subset S of the check's variations (everything else as
 * build 1 gets it) and says whether its packages differ from build 1's.
 *
 * - The check's own build 2 varied everything and differed: the search starts from there.
 * - First the control, S = ∅, the exact profile of build 1: if it differs, the package
 *   is nondeterministic and the search stops.
 * - Then binary splitting, the likelier half first (each variation's `prior`): a half that
 *   differs is narrowed further; when the likelier half does not differ the other half is
 *   narrowed without being built, and the single culprit found at the end is built alone,
 *   which proves it (and is the build whose report is kept).
 * - A culprit found, the rest of the set is tried without it: if that still differs,
 *   there is another culprit and the search goes on in the rest.
 * - Where no single variation differs alone (two that only matter together), the group is
 *   minimized by leaving out halves, then quarters, then single members while the rest
 *   still differs (delta debugging's 1-minimal set).
 *
 * reprotest's --auto-build tries each variation in turn: 3 + n builds. Here one culprit
 * costs about 1 + log2(n), and the priors make the common culprits cheaper still.
 */
import { SpoolError } from '../errors.js';

export const EXPLAIN_OUTCOMES = ['explained', 'nondeterministic', 'unexplained'] as const;
export type ExplainOutcome = (typeof EXPLAIN_OUTCOMES)[number];

export interface Trial<Id extends string> {
  readonly varied: readonly Id[];
  readonly differs: boolean;
}

export interface SearchResult<Id extends string> {
  readonly outcome: ExplainOutcome;
  /** Each group differs alone; a group of more than one differs only with all of its members. */
  readonly culprits: ReadonlyArray<readonly Id[]>;
  /** The builds run, in order (the check's own two are not among them). */
  readonly trials: ReadonlyArray<Trial<Id>>;
  /** Why the search ended without an explanation. */
  readonly detail?: string;
}

/** The search ran out of its budget of builds: what it found so far is not an explanation. */
class BudgetSpent extends Error {}

/**
 * all: the variations the check varied (its build 2 differed with all of them), in the
 * table's order; prior: how likely each is the culprit; differs: one trial build;
 * maxBuilds: the most trial builds this search may run.
 */
export async function findCulprits<Id extends string>(
  all: readonly Id[],
  prior: (id: Id) => number,
  differs: (varied: readonly Id[]) => Promise<boolean>,
  maxBuilds: number,
): Promise<SearchResult<Id>> {
  if (all.length === 0) throw new SpoolError('usage', 'the check varied nothing: there is no variation to explain its difference by');
  const trials: Array<Trial<Id>> = [];
  const known = new Map<string, boolean>();
  const key = (set: readonly Id[]) => [...set].sort().join(',');
  const test = async (set: readonly Id[]): Promise<boolean> => {
    const k = key(set);
    const seen = known.get(k);
    if (seen !== undefined) return seen;
    if (trials.length >= maxBuilds) throw new BudgetSpent();
    const result = await differs(set);
    trials.push({ varied: set, differs: result });
    known.set(k, result);
    return result;
  };
  /** Likelier half first: the prefix (by prior) whose weight is closest to half the set's. */
  const split = (set: readonly Id[]): [Id[], Id[]] => {
    const order = [...set].sort((a, b) => prior(b) - prior(a));
    const total = order.reduce((sum, id) => sum + prior(id), 0);
    let best = 1;
    let bestGap = Infinity;
    for (let n = 1, mass = 0; n < order.length; n++) {
      mass += prior(order[n - 1]!);
      const gap = Math.abs(total / 2 - mass);
      if (gap < bestGap) [best, bestGap] = [n, gap];
    }
    return [order.slice(0, best), order.slice(best)];
  };

  /**
   * A group that differs alone (built), within `set`, which differs (verified: built here)
   * or is assumed to; undefined: the assumption was wrong, and the nearest verified set
   * above is minimized instead (the halves act together, or the difference is not here).
   */
  const narrow = async (set: readonly Id[], verified: boolean): Promise<Id[] | undefined> => {
    if (set.length === 1) return (await test(set)) ? [...set] : undefined;
    const [likelier, rest] = split(set);
    if (await test(likelier)) return narrow(likelier, true); // verified: it ends in minimize rather than fail
    const found = await narrow(rest, false);
    if (found) return found;
    return verified ? minimize(set) : undefined;
  };

  /**
   * `set` differs (built): leaves out chunks while the rest still differs, halves first,
   * then quarters, down to single members (delta debugging's complement step): a group of
   * k among n costs about 2k·log2(n) builds instead of n.
   */
  const minimize = async (set: readonly Id[]): Promise<Id[]> => {
    let group = [...set].sort((a, b) => prior(a) - prior(b)); // the unlikely ones are dropped first
    for (let size = Math.ceil(group.length / 2); ; size = Math.ceil(size / 2)) {
      for (let i = 0; i < group.length && group.length > 1;) {
        const without = [...group.slice(0, i), ...group.slice(i + size)];
        if (without.length > 0 && (await test(without))) group = without;
        else i += size;
      }
      if (size === 1 || group.length === 1) return group;
    }
  };

  // The check's build 2 (every variation) differed, but on the second node: narrowing starts
  // from its halves, and the whole set is built here only if no half explains it.
  const culprits: Id[][] = [];
  try {
    if (await test([])) return { outcome: 'nondeterministic', culprits: [], trials };
    let remaining = [...all];
    let verified = false; // the whole set differed on the second node; each rest below was built here
    while (remaining.length > 0) {
      const found = (await narrow(remaining, verified)) ?? (!verified && (await test(remaining)) ? await minimize(remaining) : undefined);
      if (!found) break;
      culprits.push(found);
      remaining = remaining.filter((id) => !found.includes(id));
      if (remaining.length === 0 || !(await test(remaining))) break;
      verified = true;
    }
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
    return { outcome: 'unexplained', culprits, trials, detail: `stopped after ${trials.length} builds (explainMaxBuilds)` };
  }
  if (culprits.length === 0) {
    return {
      outcome: 'unexplained',
      culprits,
      trials,
      detail: "no variation makes a difference on this node: the check's build 2 differed by its node, not by what it varied",
    };
  }
  return { outcome: 'explained', culprits, trials };
}
