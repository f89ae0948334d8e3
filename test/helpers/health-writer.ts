/**
 * A process recording COUNT connection failures of NODE in the main spool at ROOT, as
 * jobs failing on the same node at once do. Usage: node --import tsx health-writer.ts ROOT NODE COUNT
 */
import { recordFailure } from '../../src/remote/node-health.js';
import { openSpool } from '../../src/spool/spool.js';

const [root, node, count] = process.argv.slice(2) as [string, string, string];
const spool = openSpool(root);
for (let i = 0; i < Number(count); i++)
  recordFailure(spool, node, `ssh: connect to host ${node} port 22: Connection refused (writer ${process.pid}, try ${i})`, {
    offlineAfterFailures: 3,
    recheckMs: 60_000,
  });
