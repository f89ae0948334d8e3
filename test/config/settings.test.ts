import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../../src/config/config.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../src/config/settings.js';
import { openSpool } from '../../src/spool/spool.js';
import { ALL_VARIED } from '../../src/builder/variations.js';

describe('settings', () => {
  it('resolves the defaults the README documents, in the units the code uses', () => {
    assert.deepEqual(DEFAULT_SETTINGS, {
      spool: {
        lockStaleMs: 60_000,
        lockUpdateMs: 15_000,
        maxBuildMs: 64_800_000,
        maxAttempts: 3,
        killGraceMs: 10_000,
        tmpMaxAgeMs: 86_400_000,
        abandonedMaxAgeMs: 172_800_000,
      },
      download: { idleTimeoutMs: 30_000, deadlineMs: 3_600_000, retries: 3, backoffMs: 2_000, maxBytes: 64 * 1024 * 1024, dscMaxBytes: 1024 * 1024 },
      catalogue: { sourcesIndexMaxAgeMs: 21_600_000, packagesIndexMaxAgeMs: 21_600_000 },
      database: { waitMs: 120_000, pollMs: 10, queryTimeoutMs: 600_000 },
      history: { foldAfterDays: 365, backupKeepDays: 30 },
      archive: { keepDebsDays: 30, archiveKeepDays: 365, goneGraceDays: 30, abandonedMaxAgeMs: 2 * 24 * 3600 * 1000 },
      build: {
        buildTimeoutMs: 57_600_000,
        diffoscopeTimeoutMs: 1_800_000,
        diffoscopeMaxReportBytes: 41_943_040,
        chrootCreateTimeoutMs: 3_600_000,
        varied: ALL_VARIED,
        explainMaxBuilds: 24,
        aptUpdateMaxAgeMs: 26 * 3_600_000,
      },
      ssh: {
        connectTimeoutSeconds: 10,
        retries: 2,
        backoffMs: 2_000,
        commandTimeoutSeconds: 57_600 + 3_600,
        maxOutputBytes: 1024 * 1024,
        resultsMaxBytes: 16 * 1024 ** 3,
      },
      health: { offlineAfterFailures: 3, recheckMs: 900_000, events: false },
      watch: { rescanMs: 30_000, debounceMs: 100, parallelBuilds: 1 },
      scheduler: {
        queueMax: { byArch: {}, fallback: 2000 },
        retestAfterMs: { byArch: {}, fallback: 9 * 86_400_000 },
        retryAfterMs: { depwait: 48 * 3_600_000, E404: 12 * 3_600_000, FTBFS: 72 * 3_600_000 },
        releaseFailedAfterMs: 72 * 3_600_000,
        limits: {
          untested: [{ perRun: 255 }],
          new: [{ queueAtMost: 1000, perRun: 500 }, { queueAtMost: 1500, perRun: 750 }, { perRun: 150 }],
          FTBFS: [{ queueAtMost: 1000, perRun: 40 }, { queueAtMost: 1500, perRun: 20 }, { perRun: 5 }],
          depwait: [{ queueAtMost: 1000, perRun: 400 }, { queueAtMost: 1500, perRun: 200 }, { perRun: 50 }],
          E404: [{ perRun: 255 }],
          old: [{ queueAtMost: 1000, perRun: 1000 }, { queueAtMost: 1500, perRun: 850 }, { perRun: 0 }],
        },
        manualDailyLimit: 500,
      },
      publish: { compressTimeoutMs: 600_000 },
      notify: {
        command: undefined,
        regressionSuites: ['unstable'],
        timeoutMs: 60_000,
        retries: 2,
        backoffMs: 5_000,
        maxBackoffMs: 3_600_000,
        keepDeliveredDays: 7,
      },
    });
  });

  it('converts configured seconds once, and a spool opened without thresholds takes the defaults', () => {
    const settings = resolveSettings(
      ConfigSchema.parse({ thresholds: { lockStaleSeconds: 2.5, lockUpdateSeconds: 0.5, buildTimeoutSeconds: 100, watchDebounceSeconds: 0.05 } }),
    );
    assert.deepEqual(
      [settings.spool.lockStaleMs, settings.spool.lockUpdateMs, settings.build.buildTimeoutMs, settings.ssh.commandTimeoutSeconds, settings.watch.debounceMs],
      [2_500, 500, 100_000, 3_700, 50],
    );
    assert.deepEqual(openSpool('/nonexistent').thresholds, DEFAULT_SETTINGS.spool);
  });

  it('resolves per-architecture scheduler values with "*" for the rest', () => {
    const { scheduler } = resolveSettings(ConfigSchema.parse({ scheduler: { queueMax: { armhf: 1800, '*': 2500 }, retestAfterDays: { armhf: 25 } } }));
    assert.deepEqual(scheduler.queueMax, { byArch: { armhf: 1800 }, fallback: 2500 });
    assert.deepEqual(scheduler.retestAfterMs, { byArch: { armhf: 25 * 86_400_000 }, fallback: 9 * 86_400_000 });
  });
});
