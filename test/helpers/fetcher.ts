/**
 * Fetches one source into a spool's tmp/ (for crash tests: run with REPRO_SPOOL_FAULT).
 * Usage: node --import tsx fetcher.ts ROOT MIRROR DSC_PATH DSC_SHA256
 */
import { withFetchedSource } from '../../src/fetch/source-fetch.js';
import { openSpool } from '../../src/spool/spool.js';

const [root, mirror, dscPath, dscSha256] = process.argv.slice(2) as [string, string, string, string];
const options = { idleTimeoutMs: 2000, deadlineMs: 60_000, retries: 0, backoffMs: 10, maxBytes: 1 << 20, dscMaxBytes: 1 << 16 };
const outcome = await withFetchedSource(openSpool(root), mirror, { dscPath, dscSha256 }, options, async (r) => r.outcome);
process.stdout.write(outcome);
