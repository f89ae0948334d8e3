/**
 * What signing costs a check: for an archived check (default: the latest of PKG in
 * --root), the node's work (hashing the source and the products, signing the link), main's
 * on fetch (hashing what arrived, verifying the signature), main's statement of the
 * verdict, and a whole `verify`, each the median of ROUNDS runs, against the check's two
 * builds as record.json recorded them (the same check's own figures). Plus the bytes its
 * links add. The source is fetched once from the mirror, untimed, as the node has it.
 * Aim: < 1 % of the build time.
 * Usage: node --import tsx scripts/bench/signing.ts [--root DIR] [--config FILE] [PKG] [ROUNDS]
 */
import fs from 'node:fs';
import path from 'node:path';
import { walkArchive, readArchivedRecord } from '../../src/archive/checks.js';
import { RECORD_FILE, VERDICT_FILE, buildDir } from '../../src/archive/format.js';
import { parseStanza } from '../../src/debian/deb822.js';
import { withFetchedSource } from '../../src/fetch/source-fetch.js';
import { loadConfig, resolveRoot } from '../../src/config/config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { mirrorFromApt, readAptSources } from '../../src/debian/apt-sources.js';
import { BUILD_NUMBERS } from '../../src/spool/build-status.js';
import { openSpool } from '../../src/spool/spool.js';
import { FileStore } from '../../src/store/file-store.js';
import { verifyBuildLink, signBuildLink } from '../../src/trust/build-link.js';
import { KeyDir } from '../../src/trust/keys.js';
import { REBUILD_LINK, VERDICT_LINK } from '../../src/trust/link.js';
import { signVerdictLink } from '../../src/trust/verdict-link.js';
import { verifyCheck } from '../../src/trust/verify-check.js';
import { isBuildProduct } from '../../src/builder/compare.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args.splice(at, 2)[1];
};
const configFile = option('--config');
const loaded = loadConfig(configFile);
const { config } = loaded;
const root = resolveRoot(option('--root'), loaded);
const [pkg = 'hello', roundsArg = '20'] = args;
const rounds = Number(roundsArg);
const spool = openSpool(root);
const check = walkArchive(spool.layout)
  .checks.filter((c) => c.id.pkg === pkg && fs.existsSync(path.join(c.dir, VERDICT_LINK)))
  .sort((a, b) => b.at - a.at)[0];
if (!check) throw new Error(`no signed check of ${pkg} in ${root}: run \`repro-spool build ${pkg}\` first`);
const record = readArchivedRecord(check.dir);
if (!record || 'problem' in record || record.record.kind !== 'result') throw new Error(`${check.dir} has no readable ${RECORD_FILE}`);
const buildSeconds = record.record.builds.reduce((sum, b) => sum + b.durationSeconds, 0);

const median = (fn: () => void): number => {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
};

const settings = resolveSettings(config);
const store = new FileStore(path.join(root, 'reproducible.db'), { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 60_000, pollMs: 5 });
const source = await store.read(
  async (db) =>
    (
      await db.all<{ dsc_path: string; dsc_sha256: string }>(
        'SELECT dsc_path, dsc_sha256 FROM sources WHERE name = ? AND version = ? AND suite = ? AND architecture = ?',
        [pkg, check.id.version, check.id.suite, check.id.arch],
      )
    )[0],
);
if (!source) throw new Error(`${pkg} ${check.id.version} is not in the catalogue of ${root}`);
const mirror = config.mirror ?? mirrorFromApt(readAptSources(), check.id.suite);
if (!mirror) throw new Error(`no mirror for ${check.id.suite}: set "mirror" in the configuration`);
const key = new KeyDir(spool.layout).signingKey();
const timings = await withFetchedSource(
  spool,
  mirror,
  { dscPath: source.dsc_path, dscSha256: source.dsc_sha256 },
  { ...settings.download, dscMaxBytes: settings.download.dscMaxBytes },
  async (fetched) => {
    if (fetched.outcome !== 'fetched') throw new Error(`the source of ${pkg} could not be fetched: ${fetched.outcome}`);
    const sourceFiles = { dscFile: fetched.dscFile, files: fetched.dsc.files.map((f) => f.name) };
    const perBuild = BUILD_NUMBERS.map((n) => {
      const dir = buildDir(check.dir, n);
      const link = JSON.parse(fs.readFileSync(path.join(dir, REBUILD_LINK), 'utf8')) as { signed: { environment: Record<string, string> } };
      const env = link.signed.environment;
      const facts = {
        id: check.id,
        node: env.node!,
        buildNumber: n,
        status: 'built' as const,
        dscSha256: source.dsc_sha256,
        source: sourceFiles,
        variations: parseStanza(fs.readFileSync(path.join(dir, 'variations'), 'utf8')),
      };
      const products = Object.fromEntries(
        fs
          .readdirSync(dir)
          .filter(isBuildProduct)
          .map((name) => [name, { copyFrom: path.join(dir, name) }]),
      );
      const sign = median(() => signBuildLink(facts, products, key));
      // A link signed here by main's key, verified as main verifies a node's on fetch.
      const scratch = fs.mkdtempSync(path.join(spool.layout.tmpDir, 'bench-signing-'));
      for (const name of Object.keys(products)) fs.linkSync(path.join(dir, name), path.join(scratch, name));
      fs.writeFileSync(path.join(scratch, REBUILD_LINK), signBuildLink(facts, products, key));
      const verify = median(() => verifyBuildLink(scratch, facts, [key]));
      fs.rmSync(scratch, { recursive: true, force: true });
      return { sign, verify };
    });
    const texts = { verdict: fs.readFileSync(path.join(check.dir, VERDICT_FILE), 'utf8'), record: fs.readFileSync(path.join(check.dir, RECORD_FILE), 'utf8') };
    const statement = median(() => signVerdictLink(check.dir, check.id, record.record.kind === 'result' ? record.record.verdict : '', texts, key));
    const verifyAll = median(() => verifyCheck(spool.layout, check.dir));
    return { perBuild, statement, verifyAll };
  },
);
const linkBytes = [path.join(check.dir, VERDICT_LINK), ...BUILD_NUMBERS.map((n) => path.join(buildDir(check.dir, n), REBUILD_LINK))].reduce(
  (sum, file) => sum + fs.statSync(file).size,
  0,
);
const perCheckMs = timings.perBuild.reduce((sum, b) => sum + b.sign + b.verify, 0) + timings.statement;
const row = (label: string, ms: number) =>
  process.stdout.write(`${label.padEnd(52)} ${ms.toFixed(2).padStart(8)} ms  ${((100 * ms) / 1000 / buildSeconds).toFixed(4)} % of the builds\n`);
process.stdout.write(`${pkg} ${check.id.version}: ${path.relative(root, check.dir)}, builds ${buildSeconds.toFixed(1)} s in all, median of ${rounds}\n`);
timings.perBuild.forEach((b, i) => {
  row(`build ${i + 1}: node hashes and signs its link`, b.sign);
  row(`build ${i + 1}: main verifies it on fetch`, b.verify);
});
row("main signs the verdict's statement", timings.statement);
row('signing and verification per check', perCheckMs);
row('verify (the whole check, afterwards)', timings.verifyAll);
process.stdout.write(`bytes the links add per check: ${linkBytes}\n`);
