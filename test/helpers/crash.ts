/**
 * The crash-safety contract, run for real: a CLI child SIGKILLs itself at a named fault
 * point; then one `reap` and a rerun of the work must leave every entry in exactly one
 * state (none lost, none duplicated), no temps, no locks, and nothing left for a second reap.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cli, census, sandbox } from './spool.js';

type Sandbox = ReturnType<typeof sandbox>;

export interface CrashScenario {
  readonly faults: readonly string[];
  setup(s: Sandbox): void;
  /** CLI arguments of the step that is killed. */
  readonly crash: readonly string[];
  /** CLI steps that finish the work after the reap (each may find nothing to do). */
  readonly rerun: ReadonlyArray<readonly string[]>;
  /** idKey → the one place it must end in. */
  readonly expectEntries: Readonly<Record<string, string>>;
  readonly expectResults?: readonly string[];
  readonly expectQuarantined?: number;
}

export function crashScenario(name: string, scenario: CrashScenario): void {
  for (const fault of scenario.faults) {
    it(`${name}: SIGKILL at ${fault}, then reap and rerun, leaves each entry in exactly one state`, () => {
      const s = sandbox(fault.replace(/:/g, '-'));
      scenario.setup(s);
      const crashed = cli(s.root, [...scenario.crash], { REPRO_SPOOL_FAULT: fault });
      assert.equal(crashed.signal, 'SIGKILL', `the fault point ${fault} was reached (stderr: ${crashed.stderr})`);

      const reaped = cli(s.root, ['reap', '--json']);
      assert.equal(reaped.status, 0, reaped.stderr);
      for (const step of scenario.rerun) {
        const result = cli(s.root, [...step]);
        assert.ok([0, 1, 3].includes(result.status ?? -1), `rerun ${step.join(' ')}: ${result.status} ${result.stderr}`);
      }

      const after = census(s.layout);
      const places = Object.fromEntries([...after.entries].map(([key, where]) => [key, where.join('+')]));
      assert.deepEqual(places, scenario.expectEntries);
      assert.deepEqual([...after.results].sort(), [...(scenario.expectResults ?? [])].sort());
      assert.deepEqual(after.temps, [], 'no temp left');
      assert.deepEqual(after.locks, [], 'no lock left');
      assert.equal(after.quarantineItems, scenario.expectQuarantined ?? 0);
      assert.equal(after.quarantineSlots, after.quarantineItems, 'no empty quarantine slot');

      const again = JSON.parse(cli(s.root, ['reap', '--json']).stdout) as { actions: Array<{ action: string }> };
      assert.deepEqual(
        again.actions.filter((a) => a.action !== 'prune-dir'),
        [],
        'a second reap finds nothing to repair',
      );
      assert.equal(cli(s.root, ['status']).status, 0);
    });
  }
}
