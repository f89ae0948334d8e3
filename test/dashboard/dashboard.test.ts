import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { recordFailure } from '../../src/remote/node-health.js';
import { nodePlace } from '../../src/spool/layout.js';
import { openSpool } from '../../src/spool/spool.js';
import { FileStore } from '../../src/store/file-store.js';
import { launchChromium } from '../helpers/browser.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { PROJECT, SHA, cliAsync, fromJson, id, sandbox, writeEntry } from '../helpers/spool.js';

const SCREENSHOTS = path.join(PROJECT, 'test-output', 'dashboard');
let mirror: Mirror;
let browser: BrowserContext;
before(async () => {
  mirror = await startMirror([
    { name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] },
    { name: 'wobbly', version: '1:1.0', build: ['mkdir -p out', 'umask > out/umask'] },
    { name: 'needy', version: '1.0', buildDepends: 'no-such-package-anywhere' },
    { name: 'unbuilt', version: '2.0' },
  ]);
  browser = await launchChromium();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});
after(async () => {
  await browser.close();
  await mirror.close();
});

/** Opens a page from file:// and collects whatever the browser complains about. */
async function open(file: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('dialog', (d) => void problems.push(`dialog: ${d.message()}`));
  await page.goto(pathToFileURL(file).href);
  return { page, problems };
}

/** Links the notes make to elsewhere: Debian's bug tracker, an issue's URL. */
const EXTERNAL = ['https://bugs.debian.org/', 'https://example.org/'];

/** Every link is a file of the site, or (a .dsc) on the configured mirror, and it exists. */
async function assertLinksResolve(page: Page): Promise<number> {
  const hrefs = await page.$$eval('a[href]', (links) => links.map((a) => (a as HTMLAnchorElement).href));
  for (const href of hrefs) {
    if (href.startsWith(`${mirror.url}/`)) {
      assert.equal((await fetch(href)).status, 200, `${href} is on the mirror`);
      continue;
    }
    if (EXTERNAL.some((prefix) => href.startsWith(prefix))) continue; // the notes' bugs and issue URLs: not fetched (no network here)
    assert.ok(href.startsWith('file://'), `${href} stays on this machine`);
    assert.ok(fs.existsSync(fileURLToPath(href.split('#')[0]!)), `${href} points at an existing file`);
  }
  return hrefs.length;
}

describe('the dashboard in headless Chromium', () => {
  it('shows the variations, the nodes, the verdicts and the builds, with every link resolving to a file', async () => {
    const s = sandbox('dashboard');
    const config = path.join(s.dir, 'repro-spool.json');
    const node = (port: number) => ({ host: '127.0.0.1', port, user: 'root', identityFile: '/nonexistent/key', root: '/srv/workspace', arch: 'amd64' });
    fs.writeFileSync(
      config,
      JSON.stringify({
        root: 'root',
        builder: 'host',
        mirror: mirror.url,
        suites: ['bookworm'],
        variations: '-nice',
        nodes: { node1: node(2201), node2: node(2202) },
        jobs: [{ name: 'amd64_1', arch: 'amd64', node1: 'node1', node2: 'node2' }],
      }),
    );
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
    for (const pkg of ['steady', 'wobbly', 'needy']) assert.equal((await run('build', pkg, '--arch', 'amd64')).status, 0);

    // What collect-info and the jobs would have left: node information, a failing node, an entry at node1.
    const store = new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 });
    const queue = { SPOOL_INBOX: '2', SPOOL_PENDING: '1', SPOOL_STALE: '0', SPOOL_OLDEST_PENDING_SECONDS: '95' };
    const info = (cpus: string, kernel: string) => ({
      ARCH: 'amd64',
      NUM_CPU: cpus,
      KERNEL: kernel,
      TZ: 'UTC',
      CPU_MODEL: '<script>alert("owned")</script> EPYC',
      DATETIME: '2026-11-25T03:00:07.000Z',
      ...queue,
    });
    await store.record([
      { kind: 'node-info', node: 'node1', collectedAt: '2026-11-25T03:00:00.000Z', values: info('16', 'Linux 6.1.0-28-amd64') },
      { kind: 'node-info', node: 'node2', collectedAt: '2026-11-25T03:00:00.000Z', values: info('8', 'Linux 6.12.9-amd64') },
    ]);
    const spool = openSpool(s.root);
    for (let i = 0; i < 3; i++)
      recordFailure(spool, 'node2', 'ssh: connect to host 127.0.0.1 port 2202: Connection refused', { offlineAfterFailures: 3, recheckMs: 900_000 });
    writeEntry(s.layout, nodePlace('node1'), id('hello', '2.10-3'), { 'Dsc-Sha256': SHA });

    // The published files of these real checks, read as tracker.debian.org reads them, then linked by the dashboard beside them.
    const exported = await run('--json', 'export', 'json');
    assert.equal(exported.status, 0, exported.stderr);
    const exportedSummary = fromJson<{ rows: number; trackerPackages: number; trackerSuite: string }>(exported.stdout);
    assert.deepEqual([exportedSummary.rows, exportedSummary.trackerPackages, exportedSummary.trackerSuite], [3, 3, 'bookworm']);
    const tracker = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import bz2,json,sys; print(json.dumps([[e["package"], e["status"]] for e in json.loads(bz2.open(sys.argv[1]).read())]))',
        path.join(s.root, 'dashboard', 'reproducible-tracker.json.bz2'),
      ],
      { encoding: 'utf8' },
    );
    assert.deepEqual(JSON.parse(tracker.stdout), [
      ['needy', 'depwait'],
      ['steady', 'reproducible'],
      ['wobbly', 'FTBR'],
    ]);
    const elsewhere = path.join(s.dir, 'www');
    assert.equal((await run('export', 'json', '--out', elsewhere)).status, 0, '--out outside the root');
    assert.equal(
      fs.readFileSync(path.join(elsewhere, 'reproducible.json'), 'utf8'),
      fs.readFileSync(path.join(s.root, 'dashboard', 'reproducible.json'), 'utf8'),
    );

    // Notes as the reproducible-notes repository has them: wobbly's written for an older version (it applies), steady's for a later one (it does not).
    const packagesYml = path.join(s.dir, 'packages.yml');
    const issuesYml = path.join(s.dir, 'issues.yml');
    fs.writeFileSync(
      packagesYml,
      [
        'wobbly:',
        '  version: 1:0.9',
        '  issues:',
        '  - umask_in_output',
        '  bugs:',
        '  - 1012345',
        '  comments: |',
        '    The umask of the build <b>ends up</b> in /usr/share/wobbly/umask.',
        'steady:',
        '  version: 2.0',
        '  issues: [umask_in_output]',
        'ghost:',
        '  version: 1.0',
        '  comments: not in the archive any more',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(issuesYml, 'umask_in_output:\n  description: The build umask is recorded in a file.\n  url: https://example.org/umask\n');
    const broken = path.join(s.dir, 'broken.yml');
    fs.writeFileSync(broken, 'wobbly:\n  version: 1:0.9\n  bugs:\n  - not-a-bug\n');
    const refusedNotes = await run('notes', 'import', '--packages', broken, '--issues', issuesYml);
    assert.equal(refusedNotes.status, 2);
    assert.match(refusedNotes.stderr, /broken\.yml:4: wobbly: bugs: "not-a-bug": expected a Debian bug number/);
    const imported = await run('--json', 'notes', 'import', '--packages', packagesYml, '--issues', issuesYml);
    assert.equal(imported.status, 0, imported.stderr);
    assert.deepEqual(fromJson(imported.stdout), { notes: 3, issues: 1, withoutVersion: [], unknownPackages: ['ghost'] });

    const generated = await run('--json', 'dashboard');
    assert.equal(generated.status, 0, generated.stderr);
    const summary = JSON.parse(generated.stdout) as { index: string; packagePages: { written: number; total: number } };
    assert.deepEqual([summary.packagePages.written, summary.packagePages.total], [4, 4], 'steady, wobbly, needy, and hello (in the spool)');

    const { page, problems } = await open(summary.index);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'index.png'), fullPage: true });
    const row = (key: string) => page.locator(`table.pair tr[data-key="${key}"]`);
    assert.deepEqual(await row('NUM_CPU').locator('td').allTextContents(), ['NUM_CPU', '16', '8']);
    assert.equal(await row('NUM_CPU').getAttribute('class'), 'differs');
    assert.equal(await row('KERNEL').getAttribute('class'), 'differs');
    assert.equal(await row('TZ').getAttribute('class'), 'same');
    assert.deepEqual(await row('CLOCK_DRIFT').locator('td').allTextContents(), ['CLOCK_DRIFT (vs main at collection)', '+7 s', '+7 s']);
    assert.match((await row('CPU_MODEL').locator('td').nth(1).textContent()) ?? '', /^<script>alert\("owned"\)<\/script> EPYC$/, 'shown as text, never run');
    assert.match((await page.locator('table.variations').first().textContent()) ?? '', /umask\s*0022\s*0002/);
    assert.deepEqual(
      await page.locator('table.variations').first().locator('tr.not-varied td:nth-child(2)').allTextContents(),
      ['nice'],
      "the configuration's variations key: nice not varied",
    );

    const nodeRow = (name: string) => page.locator(`table.nodes tr[data-node="${name}"] td`).allTextContents();
    const node1 = await nodeRow('node1');
    assert.equal(node1[2], '1', 'one entry shipped to node1');
    assert.deepEqual(node1.slice(3, 7), ['2', '1', '0', '95s'], "node1's queue as its collected info reported it");
    assert.equal(await row('SPOOL_INBOX').count(), 0, 'the queue is not a build environment difference');
    assert.match(node1[8]!, /^2026-11-25T03:00:00.000Z/);
    assert.match((await nodeRow('node2'))[7]!, /OFFLINE since .* \(3 failures: ssh: connect to host 127.0.0.1 port 2202: Connection refused\)/);
    assert.deepEqual((await nodeRow('local1')).slice(3, 6), ['0', '0', '0'], "the local node's own spool: inbox, pending, stale");

    // Against the whole catalogue (steady, wobbly, needy, unbuilt): hello, at node1, is not in the mirror's index.
    const suiteHeads = await page.locator('table.suites th').allTextContents();
    const suiteRow = await page.locator('table.suites tr[data-suite="bookworm/amd64"] td').allTextContents();
    assert.deepEqual(Object.fromEntries(suiteHeads.map((h, i) => [h, suiteRow[i]])), {
      'suite/arch': 'bookworm/amd64',
      catalogue: '4',
      tested: '3 (75.0%)',
      untested: '1 (25.0%)',
      scheduled: '0 (0.0%)',
      'building now': '1 (25.0%)',
      'failed (gave up)': '0 (0.0%)',
      depwait: '1 (25.0%)',
      reproducible: '1 (25.0%)',
      unreproducible: '1 (25.0%)',
      removed: '',
      'same as the archive': '0 of 2',
    });
    assert.equal((await page.locator('svg[aria-label="verdicts of bookworm/amd64 over time"] rect').count()) > 0, true, 'the history chart is drawn');
    const building = await page.locator('table.building tr[data-package="hello"] td').allTextContents();
    assert.deepEqual(building.slice(0, 5), ['hello', '2.10-3', 'bookworm/amd64', 'node1', 'build 1']);
    assert.match(building[5]!, /^\d+s$/, 'how long it has been at the node');
    assert.deepEqual(
      await page.locator('table.durations tr[data-node="local1"] td').nth(2).textContent(),
      '2',
      "steady's and wobbly's: needy's depwait is no build duration",
    );
    assert.deepEqual(
      await page.locator('table.published a').allTextContents(),
      ['reproducible.json', 'reproducible.json.bz2', 'reproducible-tracker.json', 'reproducible-tracker.json.bz2'],
      'the published files are linked',
    );
    const recent = await page.locator('table.recent').textContent();
    assert.match(recent ?? '', /wobbly.*1:1\.0.*unreproducible.*wobbly_1\.0_all\.deb.*diffoscope\.html/s);
    assert.ok((await assertLinksResolve(page)) >= 8, 'logs, .buildinfo files, the diffoscope report and package pages are linked');

    await page.locator('table.recent a', { hasText: 'wobbly' }).click();
    assert.equal(await page.locator('h1').textContent(), 'wobbly');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'package-wobbly.png'), fullPage: true });
    assert.match((await page.locator('table.history').textContent()) ?? '', /unreproducible.*build 1 on local1: built.*build 2 on local2: built/s);
    assert.match(
      (await page.locator('table.history td.differing').first().textContent()) ?? '',
      /^wobbly_1\.0_all\.deb: .*\.\/usr\/share\/wobbly\/umask/,
      'the differing package and the path inside it',
    );
    assert.equal(await page.locator('ul.sources a').getAttribute('href'), `${mirror.url}/${mirror.dsc.wobbly!.path}`, 'the .dsc on the configured mirror');
    assert.match((await page.locator('div.notes p').first().textContent()) ?? '', /written for version 1:0\.9; applies to bookworm\/amd64 1:1\.0/);
    assert.equal(await page.locator('div.notes pre.comments').textContent(), 'The umask of the build <b>ends up</b> in /usr/share/wobbly/umask.\n', 'as text');
    assert.deepEqual(await page.locator('div.notes ul.bugs a').allTextContents(), ['#1012345']);
    await page.locator('div.notes ul.issues a', { hasText: 'umask_in_output' }).click();
    assert.equal(await page.locator('h1').textContent(), 'umask_in_output');
    assert.deepEqual(
      await page.locator('table.affected[data-verdict="unreproducible"] a').allTextContents(),
      ['wobbly'],
      "steady's note is for a later version than the tested one: not listed",
    );
    await assertLinksResolve(page);
    await page.goBack();
    assert.equal((await assertLinksResolve(page)) >= 6, true);
    await page.goto(pathToFileURL(path.join(path.dirname(summary.index), 'packages', 'needy.html')).href);
    assert.match(
      (await page.locator('table.history').textContent()) ?? '',
      /depwait.*unsatisfiable build dependencies: no-such-package-anywhere/s,
      'the unmet build dependency',
    );
    await page.goto(pathToFileURL(summary.index).href);
    await page.locator('table.suites a', { hasText: '1 (25.0%)' }).last().click();
    assert.equal(await page.locator('h1').textContent(), 'bookworm/amd64: unreproducible');
    assert.deepEqual(await page.locator('table.list a').allTextContents(), ['wobbly'], 'the list of unreproducible packages');
    assert.equal(await page.locator('table.list tr[data-package="wobbly"] td.noted').textContent(), 'notes');
    await page.locator('a', { hasText: 'without notes' }).click();
    assert.equal(await page.locator('table.list a').count(), 0, 'the only unreproducible package has notes');
    await assertLinksResolve(page);
    await page.goto(pathToFileURL(path.join(path.dirname(summary.index), 'packages', 'hello.html')).href);
    assert.match((await page.locator('body').textContent()) ?? '', /bookworm\/amd64 2\.10-3: node1/);
    assert.deepEqual(problems, []);
    await page.close();

    const again = JSON.parse((await run('--json', 'dashboard')).stdout) as { packagePages: { written: number; unchanged: number } };
    assert.deepEqual([again.packagePages.written, again.packagePages.unchanged], [0, 4], 'nothing changed, nothing rewritten');

    // The queue page: a manual request and an old re-test waiting, oldest first, with why, by whom and the previous verdict.
    writeEntry(s.layout, { state: 'scheduled' }, id('steady', '1.0'), {
      Category: 'old',
      Reason: 're-test: last tested long ago',
      Requester: 'scheduler',
      Scheduled: '2026-11-20T00:00:00.000Z',
    });
    const manual = await run('schedule', 'unbuilt', '--arch', 'amd64', '--reason', 'a <b>bold</b> request', '--requester', 'holger');
    assert.equal(manual.status, 0, manual.stderr);
    assert.equal((await run('dashboard')).status, 0);
    const queuePage = await open(summary.index);
    await queuePage.page.locator('a', { hasText: '2 scheduled' }).click();
    assert.equal(await queuePage.page.locator('h1').textContent(), 'Queue');
    await queuePage.page.screenshot({ path: path.join(SCREENSHOTS, 'queue.png'), fullPage: true });
    const queueRow = (pkg: string) => queuePage.page.locator(`table.queue tr[data-package="${pkg}"] td`).allTextContents();
    assert.deepEqual(
      await queuePage.page.locator('table.queue tr[data-package]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-package'))),
      ['steady', 'unbuilt'],
      'oldest first',
    );
    const steadyRow = await queueRow('steady');
    assert.deepEqual(steadyRow.slice(0, 7), ['2', 'steady', '1.0', 'bookworm/amd64', 'old', 're-test: last tested long ago', 'scheduler']);
    assert.match(steadyRow[7]!, /^reproducible 1\.0 \(\d{4}-\d{2}-\d{2}\)$/, 'its previous verdict');
    assert.match(steadyRow[8]!, /^\d+d/, 'waiting for days');
    const unbuiltRow = await queueRow('unbuilt');
    assert.deepEqual(
      unbuiltRow.slice(0, 8),
      ['1', 'unbuilt', '2.0', 'bookworm/amd64', 'manual', 'a <b>bold</b> request', 'holger', 'never tested'],
      'builds first; escaped',
    );
    const summaryCells = await queuePage.page.locator('table.queue-summary tr[data-suite="bookworm/amd64"] td').allTextContents();
    assert.deepEqual(summaryCells.slice(0, 9), ['bookworm/amd64', '1', '0', '0', '0', '0', '0', '1', '2'], 'per category: manual 1, old 1; 2 queued');
    assert.match(summaryCells[9]!, /^\d{4}-\d{2}-\d{2} \(.* ago\)$/, 'the oldest result');
    assert.equal(summaryCells.at(-1), '3', "today's checks: steady, wobbly, needy");
    await assertLinksResolve(queuePage.page);
    assert.deepEqual(queuePage.problems, []);
    await queuePage.page.close();
  });
});
