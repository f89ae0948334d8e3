import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StageTimer, describeStageSeconds, formatStageSeconds, parseStageSeconds, stageOfSbuildHeader, stagesOf } from '../../src/builder/stages.js';

function clockAt(start: number) {
  let now = start;
  return { clock: { now: () => now }, advance: (ms: number) => (now += ms) };
}

describe('build stages', () => {
  it('times each stage from its start to the next one, and they add up to the whole', () => {
    const { clock, advance } = clockAt(1_000_000);
    const timer = new StageTimer(clock, 1_000_000);
    advance(4_000);
    timer.enter('install');
    advance(9_000);
    timer.enter('build');
    advance(22_000);
    timer.enter('package');
    advance(1_500);
    assert.deepEqual(timer.secondsUntil(clock.now()), { setup: 4, install: 9, build: 22, package: 1.5 });
  });

  it('ignores a stage that goes backwards or repeats, and leaves out stages never reached', () => {
    const { clock, advance } = clockAt(0);
    const timer = new StageTimer(clock, 0);
    advance(2_000);
    timer.enter('install');
    advance(1_000);
    timer.enter('setup');
    timer.enter('install');
    advance(1_000);
    assert.deepEqual(timer.secondsUntil(clock.now()), { setup: 2, install: 2 });
  });

  it('never makes a stage negative when the clock is stepped back', () => {
    const { clock, advance } = clockAt(10_000);
    const timer = new StageTimer(clock, 10_000);
    advance(-5_000);
    timer.enter('build');
    const seconds = timer.secondsUntil(clock.now());
    assert.equal(seconds.setup, 0);
    assert.equal(seconds.build, 0);
  });

  it('maps the sbuild headers that begin a stage, and no others', () => {
    assert.equal(stageOfSbuildHeader('Install package build dependencies'), 'install');
    assert.equal(stageOfSbuildHeader('Build'), 'build');
    assert.equal(stageOfSbuildHeader('Changes'), 'package');
    assert.equal(stageOfSbuildHeader('Build environment'), undefined);
    assert.equal(stageOfSbuildHeader('Update chroot'), undefined);
  });

  it('round-trips the result field and refuses what a node should not send', () => {
    const text = formatStageSeconds({ setup: 4.1234, install: 9, build: 22.5, package: 1 });
    assert.equal(text, 'setup=4.123 install=9.000 build=22.500 package=1.000');
    assert.deepEqual(parseStageSeconds(text), { setup: 4.123, install: 9, build: 22.5, package: 1 });
    for (const bad of ['', 'setup=-1', 'setup=1 setup=2', 'rm=1', 'setup=1e9', 'setup=99999999', 'setup=NaN', `setup=1 ${'x'.repeat(300)}`]) {
      assert.equal(parseStageSeconds(bad), undefined, bad);
    }
    assert.equal(parseStageSeconds(undefined), undefined);
  });

  it('describes the stages for people', () => {
    assert.equal(describeStageSeconds({ setup: 4.12, build: 22 }), 'setup 4.1 s, build 22.0 s');
    assert.equal(stagesOf(undefined), '');
    assert.equal(stagesOf({ install: 3 }), ' (install 3.0 s)');
  });
});
