import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { PROJECT, cli, sandbox } from '../helpers/spool.js';

const EXAMPLE = path.join(PROJECT, 'src/config/example.json');

describe('the example configuration', () => {
  it("reproduces the seed's 14 jobs: amd64_1..5 build1→build2, amd64_6..10 swapped, armhf_1..4 as listed", () => {
    const { config } = loadConfig(EXAMPLE);
    const pairs = Object.fromEntries(config.jobs.map((j) => [j.name, `${j.node1} → ${j.node2}`]));
    for (let i = 1; i <= 5; i++) assert.equal(pairs[`reproducible_build_amd64_${i}`], 'profitbricks-build1-amd64 → profitbricks-build2-amd64');
    for (let i = 6; i <= 10; i++) assert.equal(pairs[`reproducible_build_amd64_${i}`], 'profitbricks-build2-amd64 → profitbricks-build1-amd64');
    assert.equal(pairs.reproducible_build_armhf_1, 'wbq0-armhf-rb → bpi0-armhf-rb');
    assert.equal(pairs.reproducible_build_armhf_2, 'wbq0-armhf-rb → cbxi4pro0-armhf-rb');
    assert.equal(pairs.reproducible_build_armhf_3, 'cbxi4pro0-armhf-rb → hb0-armhf-rb.debian.net');
    assert.equal(pairs.reproducible_build_armhf_4, 'cbxi4pro0-armhf-rb → wbq0-armhf-rb');
    assert.equal(config.jobs.length, 14);
  });
});

describe('jobs render', () => {
  it('prints Jenkins Job Builder YAML with one job per configured job, each calling build --job', () => {
    const s = sandbox('render');
    const result = cli(s.root, ['--config', EXAMPLE, 'jobs', 'render', '--format', 'jjb']);
    assert.equal(result.status, 0, result.stderr);
    const parsed = spawnSync('/usr/bin/python3', ['-c', 'import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
      input: result.stdout,
      encoding: 'utf8',
    });
    assert.equal(parsed.status, 0, parsed.stderr);
    const jobs = JSON.parse(parsed.stdout) as Array<{ job: { name: string; builders: Array<{ shell: string }> } }>;
    assert.equal(jobs.length, 15, '14 build jobs and the scheduler');
    assert.equal(jobs[5]!.job.name, 'reproducible_build_amd64_6');
    assert.equal(jobs[5]!.job.builders[0]!.shell, `repro-spool --config ${EXAMPLE} build --job reproducible_build_amd64_6 --for 3600 || [ $? -eq 3 ]`);
    const scheduler = jobs[14]!.job;
    assert.equal(scheduler.name, 'repro-spool_scheduler');
    const base = `repro-spool --config ${EXAMPLE}`;
    assert.deepEqual(
      scheduler.builders.map((b) => b.shell),
      [`${base} sources import --suite bookworm --arch amd64 --arch armhf --json`, `${base} schedule --auto --json`],
    );
    for (const builder of scheduler.builders) assert.equal(spawnSync('sh', ['-n', '-c', builder.shell]).status, 0, 'valid sh');
  });

  it('prints the crontab of the main node', () => {
    const s = sandbox('render-cron');
    const result = cli(s.root, ['--config', EXAMPLE, 'jobs', 'render', '--format', 'cron', '--command', '/usr/local/bin/repro-spool']);
    assert.match(result.stdout, /^\*\/5 \* \* \* \* \/usr\/local\/bin\/repro-spool --config \S+ reap --json >> /m);
    assert.match(result.stdout, /^7,37 \* \* \* \* \/usr\/local\/bin\/repro-spool --config \S+ collect-info --json >> /m);
    assert.match(
      result.stdout,
      /^\*\/15 \* \* \* \* \{ \/usr\/local\/bin\/repro-spool --config \S+ dashboard --json; \/usr\/local\/bin\/repro-spool --config \S+ export json --json; \} >> /m,
      'the published files after the dashboard that links them',
    );
    assert.match(
      result.stdout,
      /^43 \*\/2 \* \* \* \{ \/usr\/local\/bin\/repro-spool --config \S+ sources import --suite bookworm --arch amd64 --arch armhf --json; \/usr\/local\/bin\/repro-spool --config \S+ schedule --auto --json; \} >> \/var\/log\/repro-spool\/schedule\.log 2>&1$/m,
    );
    const line = result.stdout.split('\n').find((l) => l.includes('schedule --auto'))!;
    assert.equal(spawnSync('sh', ['-n', '-c', line.replace(/^(\S+ ){5}/, '')]).status, 0, 'the whole line, redirection included, is one valid sh command');
  });

  it('delivers notification events every minute and spools the digests daily, only where a notify.command delivers them', () => {
    const s = sandbox('render-notify');
    const render = (config: Record<string, unknown>) => {
      const file = path.join(s.dir, 'c.json');
      fs.writeFileSync(file, JSON.stringify(config));
      return cli(s.root, ['--config', file, 'jobs', 'render', '--format', 'cron', '--command', 'repro-spool']).stdout;
    };
    assert.doesNotMatch(render({}), /notify (deliver|digest)/);
    const lines = render({ notify: { command: ['/usr/local/lib/repro-spool/sendmail'] } });
    assert.match(lines, /^\* \* \* \* \* repro-spool --config \S+ notify deliver --json >> \/var\/log\/repro-spool\/notify\.log 2>&1$/m);
    assert.match(lines, /^3 0 \* \* \* repro-spool --config \S+ notify digest --json >> /m);
  });

  it("escapes every % (cron's newline) in paths and node commands, so each line runs as written", () => {
    const s = sandbox('render-percent');
    const config = path.join(s.dir, '100%.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        nodes: { n1: { host: 'n1', arch: 'amd64', root: '/srv/50%', command: ['/opt/rs%d/repro-spool'] } },
        jobs: [],
      }),
    );
    const result = cli(s.root, ['--config', config, 'jobs', 'render', '--format', 'cron', '--command', '/usr/local/bin/repro-spool']);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n').filter((l) => l.includes('%'));
    assert.ok(lines.length > 5);
    for (const line of lines) assert.doesNotMatch(line, /(^|[^\\])%/, `every % escaped in ${line}`);
    assert.match(result.stdout, /'\/opt\/rs\\%d\/repro-spool' --root '\/srv\/50\\%' reap/);
  });

  it('refuses a newline or control character in a node command word (exit 2, naming the key), or in --command', () => {
    const s = sandbox('render-newline');
    const config = path.join(s.dir, 'c.json');
    fs.writeFileSync(config, JSON.stringify({ nodes: { n1: { host: 'n1', arch: 'amd64', command: ['repro-spool\n* * * * * root rm -rf /'] } } }));
    const result = cli(s.root, ['--config', config, 'jobs', 'render', '--format', 'cron']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /nodes\.n1\.command\.0 = .*expected a command word without newlines or control characters/);
    const flag = cli(s.root, ['--config', EXAMPLE, 'jobs', 'render', '--format', 'cron', '--command', 'repro-spool\nevil']);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /invalid --command "repro-spool\\nevil"/);
  });
});

describe('nodes and jobs in the configuration', () => {
  it('names the job, the key and the problem when a job does not fit its nodes', () => {
    const s = sandbox('bad-jobs');
    const file = path.join(s.dir, 'c.json');
    const nodes = { a: { host: 'a', arch: 'amd64' }, b: { host: 'b', arch: 'armhf' } };
    const cases: Array<[unknown, RegExp]> = [
      [{ nodes, jobs: [{ name: 'j', arch: 'amd64', node1: 'a', node2: 'c' }] }, /jobs\.0\.node2 = "c": no node "c" in "nodes"/],
      [{ nodes, jobs: [{ name: 'j', arch: 'amd64', node1: 'a', node2: 'b' }] }, /jobs\.0\.node2 = "b": node b builds armhf, the job amd64/],
      [{ nodes, jobs: [{ name: 'j', arch: 'amd64', node1: 'a', node2: 'a' }] }, /node1 and node2 must differ/],
      [{ nodes: { a: { host: 'a;rm -rf /', arch: 'amd64' } } }, /nodes\.a\.host = "a;rm -rf \/": expected a host name/],
      [{ nodes: { a: { host: 'a', arch: 'amd64', root: 'relative/path' } } }, /nodes\.a\.root = "relative\/path": expected an absolute path/],
    ];
    for (const [config, message] of cases) {
      fs.writeFileSync(file, JSON.stringify(config));
      const result = cli(s.root, ['--config', file, 'status']);
      assert.equal(result.status, 2);
      assert.match(result.stderr, message);
    }
  });
});
