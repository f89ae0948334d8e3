/**
 * Signed builds through the CLI, on a generated package built with the host builder from
 * the test mirror: every build's link and main's verdict statement verify with `verify`
 * and with Debian's in-toto 1.3.1 (python3's in_toto, and in-toto-verify with a layout
 * that requires a rebuild link from a node key); a .deb altered afterwards, a link signed
 * by another key, and a key that is not pinned are refused; after `keys rotate` the old
 * check still verifies. (Links made in a real chroot: test/builder/sbuild.test.ts; over
 * ssh: test/remote/trust.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';

/** Debian's in-toto, not whatever python3 is first on PATH. */
const PYTHON = '/usr/bin/python3';

interface ShownKey {
  keyid: string;
  securesystemslib: Record<string, unknown>;
}
interface Shown {
  current: ShownKey;
  previous: ShownKey[];
  nodes: Record<string, { pinned: ShownKey[] }>;
}

let mirror: Mirror;
before(async () => {
  mirror = await startMirror([{ name: 'signed', version: '1.0', build: ['mkdir -p out', 'echo same > out/file'] }]);
});
after(() => mirror.close());

/** python3's in_toto loading the link and verifying its signature with the key; its error text when it fails. */
function inTotoVerifiesLink(link: string, key: ShownKey, dir: string): string | undefined {
  const keyFile = path.join(dir, `${key.keyid}.pub`);
  fs.writeFileSync(keyFile, JSON.stringify(key.securesystemslib));
  const script = [
    'import sys',
    'from in_toto.models.metadata import Metablock',
    'from securesystemslib.interface import import_ed25519_publickey_from_file',
    'key = import_ed25519_publickey_from_file(sys.argv[2])',
    'assert key["keyid"] == sys.argv[3], key["keyid"]',
    'Metablock.load(sys.argv[1]).verify_signature(key)',
  ].join('\n');
  const run = spawnSync(PYTHON, ['-c', script, link, keyFile, key.keyid], { encoding: 'utf8' });
  return run.status === 0 ? undefined : run.stderr.trim().split('\n').pop();
}

describe('signed builds', () => {
  it('signs every build and verdict, verifiable by verify and by in-toto; refuses what was altered or signed by another key', async () => {
    const s = sandbox('trust');
    const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'] });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
    const built = await run('--json', 'build', 'signed', '--arch', 'amd64');
    assert.equal(built.status, 0, built.stderr);
    const { archive, verdict } = fromJson<{ archive: string; verdict: string }>(built.stdout);
    assert.equal(verdict, 'reproducible');
    for (const file of ['verdict.link', 'build1/rebuild.link', 'build2/rebuild.link']) assert.ok(fs.existsSync(path.join(archive, file)), file);

    const link = JSON.parse(fs.readFileSync(path.join(archive, 'build1', 'rebuild.link'), 'utf8')) as {
      signed: { materials: Record<string, unknown>; products: Record<string, { sha256: string }>; environment: Record<string, unknown> };
    };
    assert.deepEqual(Object.keys(link.signed.materials).sort(), ['signed_1.0.dsc', 'signed_1.0.tar.gz']);
    const deb = Object.keys(link.signed.products).find((n) => n.endsWith('.deb'))!;
    assert.ok(deb && Object.keys(link.signed.products).some((n) => n.endsWith('.buildinfo')), 'the .deb and the .buildinfo are products');
    assert.equal(
      link.signed.products[deb]!.sha256,
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(archive, 'build1', deb)))
        .digest('hex'),
    );
    assert.equal(link.signed.environment.node, 'local1');
    assert.equal(link.signed.environment['build-number'], '1');
    assert.equal((link.signed.environment.variations as Record<string, string>).umask, '0022', 'the applied variations are signed too');

    const verified = await run('--json', 'verify', 'signed');
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.deepEqual(
      fromJson<{ links: Array<{ file: string; signedFor: string }> }>(verified.stdout).links.map((l) => [l.file, l.signedFor]),
      [
        ['verdict.link', 'main'],
        ['build1/rebuild.link', 'local1'],
        ['build2/rebuild.link', 'local2'],
      ],
    );

    const shownChecks = fromJson<{ verdicts: Array<{ links: string[] }> }>((await run('--json', 'show', 'signed')).stdout).verdicts;
    assert.deepEqual(shownChecks[0]!.links, ['verdict.link', 'build1/rebuild.link', 'build2/rebuild.link'], 'show lists the links');

    // Debian's in-toto as the independent verifier, with the keys `keys show` publishes.
    const keys = fromJson<Shown>((await run('--json', 'keys', 'show')).stdout);
    const work = fs.mkdtempSync(path.join(s.dir, 'in-toto-'));
    assert.equal(inTotoVerifiesLink(path.join(archive, 'verdict.link'), keys.current, work), undefined);
    const node1 = keys.nodes.local1!.pinned[0]!;
    const node2 = keys.nodes.local2!.pinned[0]!;
    assert.equal(inTotoVerifiesLink(path.join(archive, 'build1', 'rebuild.link'), node1, work), undefined);
    assert.equal(inTotoVerifiesLink(path.join(archive, 'build2', 'rebuild.link'), node2, work), undefined);
    assert.match(
      inTotoVerifiesLink(path.join(archive, 'build1', 'rebuild.link'), node2, work) ?? '',
      /Signature|signature|keyid/,
      'the other node key does not verify it',
    );
    assert.equal(inTotoVerify(work, path.join(archive, 'build1', 'rebuild.link'), node1), 0, 'in-toto-verify accepts the rebuild link of a node key');

    // Altered after the build: the .deb no longer matches its link.
    const altered = fs.mkdtempSync(path.join(s.dir, 'altered-'));
    fs.cpSync(archive, altered, { recursive: true });
    fs.appendFileSync(path.join(altered, 'build2', deb), 'x');
    const tampered = await run('verify', altered);
    assert.equal(tampered.status, 5, tampered.stdout);
    assert.match(tampered.stdout, new RegExp(`FAILED: build2/rebuild.link: "${deb.replace(/[.+]/g, '\\$&')}" has sha256 [0-9a-f]{64}, the link says`));

    // Signed by another key: its signature does not verify with the node's pinned key.
    const forged = fs.mkdtempSync(path.join(s.dir, 'forged-'));
    fs.cpSync(archive, forged, { recursive: true });
    const other = crypto.generateKeyPairSync('ed25519');
    const forgedLink = JSON.parse(fs.readFileSync(path.join(forged, 'build1', 'rebuild.link'), 'utf8')) as {
      signatures: Array<{ keyid: string; sig: string }>;
    };
    forgedLink.signatures = [{ keyid: forgedLink.signatures[0]!.keyid, sig: crypto.sign(null, Buffer.from('other'), other.privateKey).toString('hex') }];
    fs.writeFileSync(path.join(forged, 'build1', 'rebuild.link'), JSON.stringify(forgedLink));
    const refused = await run('verify', forged);
    assert.equal(refused.status, 5);
    assert.match(refused.stdout, /build1\/rebuild\.link: not signed by a key pinned for node local1/);
    assert.match(
      refused.stdout,
      /verdict\.link.*changed since main signed|build1\/rebuild\.link: changed since main signed/,
      "main's statement names the original link",
    );

    // Rotation: new checks are signed by the new keys, and the old check still verifies.
    const rotated = await run('--json', 'keys', 'rotate');
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.equal(fromJson<{ previous: ShownKey }>(rotated.stdout).previous.keyid, keys.current.keyid);
    assert.equal((await run('keys', 'rotate', '--node', 'local1')).status, 0);
    assert.equal((await run('keys', 'rotate', '--node', 'elsewhere')).status, 2, 'only a local node is rotated from main');
    assert.equal((await run('verify', archive)).status, 0, 'links signed before the rotation still verify');
    const after = fromJson<Shown>((await run('--json', 'keys', 'show')).stdout);
    assert.deepEqual(
      after.previous.map((k) => k.keyid),
      [keys.current.keyid],
    );
    assert.equal(after.nodes.local1!.pinned.length, 2, "the local node's old and new keys are pinned");
  });
});

/** in-toto-verify with a layout (signed by a key of its own) whose one step, rebuild, needs a link from `node`; its exit code. */
function inTotoVerify(work: string, link: string, node: ShownKey): number {
  const links = fs.mkdtempSync(path.join(work, 'links-'));
  fs.copyFileSync(link, path.join(links, `rebuild.${node.keyid.slice(0, 8)}.link`));
  const script = [
    'import sys, json',
    'from securesystemslib.keys import generate_ed25519_key',
    'from securesystemslib.interface import import_ed25519_publickey_from_file',
    'from in_toto.models.layout import Layout, Step',
    'from in_toto.models.metadata import Metablock',
    'owner = generate_ed25519_key()',
    'node = import_ed25519_publickey_from_file(sys.argv[1])',
    'layout = Layout()',
    'layout.set_relative_expiration(days=1)',
    'layout.add_functionary_key(node)',
    'step = Step(name="rebuild", pubkeys=[node["keyid"]], threshold=1, expected_materials=[["ALLOW", "*"]], expected_products=[["ALLOW", "*"]])',
    'layout.steps = [step]',
    'block = Metablock(signed=layout)',
    'block.sign(owner)',
    'block.dump(sys.argv[2] + "/root.layout")',
    'public = {k: v for k, v in owner.items() if k != "keyid"}',
    'public["keyval"] = {"public": owner["keyval"]["public"]}',
    'json.dump(public, open(sys.argv[2] + "/owner.pub", "w"))',
  ].join('\n');
  execFileSync(PYTHON, ['-c', script, path.join(work, `${node.keyid}.pub`), links]);
  const verify = spawnSync('in-toto-verify', ['--layout', 'root.layout', '--layout-keys', 'owner.pub', '--key-types', 'ed25519', '--link-dir', '.'], {
    cwd: links,
    encoding: 'utf8',
  });
  if (verify.status !== 0) console.error(verify.stdout, verify.stderr);
  return verify.status ?? -1;
}
