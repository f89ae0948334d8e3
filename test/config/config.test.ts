import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, resolveRoot } from '../../src/config/config.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../src/config/settings.js';
import { cli, tempDir } from '../helpers/spool.js';

function configFile(content: unknown): string {
  const file = path.join(tempDir('config'), 'repro-spool.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('configuration', () => {
  it('fills every threshold with its documented default', () => {
    assert.deepEqual(resolveSettings(loadConfig(undefined).config), DEFAULT_SETTINGS);
    assert.deepEqual(resolveSettings(loadConfig(configFile({ thresholds: {} })).config), DEFAULT_SETTINGS);
    assert.equal(resolveSettings(loadConfig(configFile({ thresholds: { maxAttempts: 5 } })).config).spool.maxAttempts, 5);
  });

  it('names the key and the bad value of an invalid file', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ thresholds: { maxAttempts: 0 } }, /thresholds\.maxAttempts = 0: .*>=1/],
      [{ thresholds: { lockStaleSeconds: 1e308 } }, /thresholds\.lockStaleSeconds = 1e\+308: .*<=604800/],
      [{ thresholds: { downloadRetries: 1e9 } }, /thresholds\.downloadRetries = 1000000000: .*<=20/],
      [{ builder: 'chroot' }, /builder = "chroot": .*"sbuild"\|"host"/],
      [{ clock: 'later' }, /clock = "later"/],
      [
        { chroots: { extraRepositories: ['deb http://example.org/debian bookworm main; touch /tmp/x'] } },
        /chroots\.extraRepositories\.0 = .*expected an apt source line/,
      ],
      [{ chroots: { unpackDir: 'relative/dir' } }, /chroots\.unpackDir = "relative\/dir": expected an absolute path/],
      [{ thresholds: { lockStaleSecs: 5 } }, /thresholds: Unrecognized key: "lockStaleSecs"/],
      [{ node: 'pending' }, /node = "pending": expected a node name/],
      [{ thresholds: { lockStaleSeconds: 10, lockUpdateSeconds: 8 } }, /lockUpdateSeconds must be at most half of lockStaleSeconds/],
      ['{ not json', /is not valid JSON/],
    ];
    for (const [content, message] of cases) assert.throws(() => loadConfig(configFile(content)), message);
  });

  it('resolves the root from --root, then the environment, then the file (relative to it), then ./var/workspace', () => {
    const file = configFile({ root: 'spool' });
    const loaded = loadConfig(file);
    assert.equal(resolveRoot('/x/y', loaded), '/x/y');
    assert.equal(resolveRoot(undefined, loaded), path.join(path.dirname(file), 'spool'));
    assert.equal(resolveRoot(undefined, loadConfig(undefined)), path.resolve('var/workspace'));
  });

  it('makes the CLI exit 2 on a bad file, before touching the spool', () => {
    const file = configFile({ thresholds: { maxAttempts: 'three' } });
    const root = path.join(path.dirname(file), 'root');
    const result = cli(root, ['--config', file, 'status']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /thresholds\.maxAttempts = "three"/);
    assert.equal(fs.existsSync(root), false);
  });
});
