import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aptUpdateOf } from '../../src/builder/sbuild/apt-update.js';
import { sbuildConfig } from '../../src/builder/sbuild/config-file.js';
import { chrootSetupScript, wrapperScript } from '../../src/builder/sbuild/scripts.js';
import { buildProfile } from '../../src/builder/variations.js';

const HOUR = 3_600_000;
const young = { nowMs: 100 * HOUR, chrootCreatedMs: 97 * HOUR, maxAgeMs: 26 * HOUR, extraRepositories: 0, attempt: 1 };

describe("apt's update in a build", () => {
  it('is skipped while the base chroot is younger than the configured age, and says how old it is', () => {
    const decision = aptUpdateOf(young);
    assert.equal(decision.run, false);
    assert.match(decision.why, /^skipped: the base chroot's package lists are 3h00m old, under 26h00m$/);
  });

  it('runs for an old chroot, extra repositories, a retry, a chroot dated in the future, or an age of 0', () => {
    const cases: Array<[Partial<typeof young>, RegExp]> = [
      [{ chrootCreatedMs: 70 * HOUR }, /the base chroot is 30h00m old/],
      [{ extraRepositories: 1 }, /extra repositories/],
      [{ attempt: 2 }, /attempt 2/],
      [{ chrootCreatedMs: 101 * HOUR }, /dated in the future/],
      [{ maxAgeMs: 0 }, /every build updates/],
    ];
    for (const [change, why] of cases) {
      const decision = aptUpdateOf({ ...young, ...change });
      assert.equal(decision.run, true, JSON.stringify(change));
      assert.match(decision.why, why);
    }
  });

  it("turns sbuild's update, upgrade and dist-upgrade off only when skipped", () => {
    const base = {
      unpackTemplate: '/dev/shm/x.XXXXXXXXXX',
      scriptsDir: '/dev/shm/s',
      mountPoint: '/repro-spool',
      wrapper: '/repro-spool/build-wrapper',
      chrootSetup: '/repro-spool/chroot-setup',
      extraRepositories: [],
      stalledMinutes: 60,
    };
    const skipped = sbuildConfig({ ...base, aptUpdate: false });
    for (const option of ['$apt_update = 0;', '$apt_upgrade = 0;', '$apt_distupgrade = 0;']) assert.ok(skipped.includes(option), option);
    assert.ok(!sbuildConfig({ ...base, aptUpdate: true }).includes('$apt_update'));
  });
});

describe('quick setup', () => {
  const profile = buildProfile(1, 'amd64', 4);
  it("turns dpkg's fsyncs and man-db's index off in chroot setup, and the wrapper puts both back before the build", () => {
    const setup = chrootSetupScript(profile, true);
    assert.match(setup, /^echo force-unsafe-io > \/etc\/dpkg\/dpkg\.cfg\.d\/repro-spool-unsafe-io$/m);
    assert.match(setup, /mv \/var\/lib\/man-db\/auto-update /);
    const wrapper = wrapperScript(profile, '/build/1st/hello-2.10', undefined, true);
    const restore = wrapper.indexOf('rm -f /etc/dpkg/dpkg.cfg.d/repro-spool-unsafe-io');
    assert.ok(restore > 0 && restore < wrapper.indexOf('setpriv'), 'put back before dpkg-buildpackage runs');
    assert.match(wrapper, /mv \/var\/lib\/man-db\/auto-update\.repro-spool \/var\/lib\/man-db\/auto-update/);
  });

  it('changes nothing when off', () => {
    assert.ok(!chrootSetupScript(profile, false).includes('unsafe-io'));
    assert.ok(!wrapperScript(profile, '/build/1st/hello-2.10', undefined, false).includes('man-db'));
  });
});
