import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCulprits } from '../../src/explain/search.js';
import { VARIATIONS, type VariationId } from '../../src/builder/variations.js';

const ALL = VARIATIONS.map((v) => v.id);
const prior = (id: VariationId) => VARIATIONS.find((v) => v.id === id)!.prior;

/** A package whose packages differ when any of `alone` is varied, or all of `together`, or always when `random`. */
function pkg(alone: VariationId[], together: VariationId[] = [], random = false) {
  return async (varied: readonly VariationId[]) =>
    random || varied.some((id) => alone.includes(id)) || (together.length > 0 && together.every((id) => varied.includes(id)));
}

describe('finding the culprit variations', () => {
  it("finds a lone culprit of every kind, the culprit built alone, in far fewer builds than reprotest's 3 + n", async () => {
    const counts: number[] = [];
    for (const culprit of ALL) {
      const result = await findCulprits(ALL, prior, pkg([culprit]), 40);
      assert.equal(result.outcome, 'explained', culprit);
      assert.deepEqual(result.culprits, [[culprit]]);
      assert.deepEqual(result.trials[0], { varied: [], differs: false }, 'the control first');
      assert.ok(
        result.trials.some((t) => t.varied.length === 1 && t.varied[0] === culprit && t.differs),
        `${culprit} was built alone`,
      );
      counts.push(result.trials.length);
    }
    // Rare culprits sit deeper (the likelier ones are tried first): bounded by control + 2 per level + the rest without it.
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    assert.ok(Math.max(...counts) <= 2 + 2 * Math.ceil(Math.log2(ALL.length)), `builds per culprit: ${counts.join(' ')}`);
    assert.ok(mean <= (3 + ALL.length) / 2, `mean ${mean.toFixed(1)} builds, reprotest ${3 + ALL.length}`);
  });

  it('finds the clock (the likeliest after the build path) in at most 6 builds', async () => {
    const result = await findCulprits(ALL, prior, pkg(['clock']), 40);
    assert.deepEqual(result.culprits, [['clock']]);
    assert.ok(result.trials.length <= 6, `${result.trials.length} builds`);
  });

  it('finds two independent culprits, and proves the rest makes no difference', async () => {
    const result = await findCulprits(ALL, prior, pkg(['build-path', 'timezone']), 40);
    assert.equal(result.outcome, 'explained');
    assert.deepEqual(result.culprits.map((g) => g.join()).sort(), ['build-path', 'timezone']);
    const last = result.trials.at(-1)!;
    assert.equal(last.differs, false);
    assert.deepEqual([...last.varied].sort(), ALL.filter((id) => id !== 'build-path' && id !== 'timezone').sort());
  });

  it('says nondeterministic after the control alone when the package differs from itself', async () => {
    const result = await findCulprits(ALL, prior, pkg([], [], true), 40);
    assert.equal(result.outcome, 'nondeterministic');
    assert.equal(result.trials.length, 1);
  });

  it('finds two variations that only matter together as one group', async () => {
    const result = await findCulprits(ALL, prior, pkg([], ['umask', 'locale']), 60);
    assert.equal(result.outcome, 'explained');
    assert.deepEqual(
      result.culprits.map((g) => [...g].sort()),
      [['locale', 'umask']],
    );
  });

  it('says unexplained when nothing it varies makes a difference on this node, and when the budget runs out', async () => {
    const nothing = await findCulprits(ALL, prior, pkg([]), 60);
    assert.equal(nothing.outcome, 'unexplained');
    assert.match(nothing.detail!, /differed by its node/);
    assert.ok(
      nothing.trials.some((t) => t.varied.length === ALL.length),
      'the whole set was built here before saying so',
    );
    const spent = await findCulprits(ALL, prior, pkg(['nice']), 2);
    assert.equal(spent.outcome, 'unexplained');
    assert.equal(spent.trials.length, 2);
    assert.match(spent.detail!, /stopped after 2 builds/);
  });
});
