/**
 * Runs `echo hello` on a node through the transport, in a process of its own, so that a
 * test can give it the environment of cron or a Jenkins agent (the transport reads it at start).
 * Usage: node --import tsx ssh-echo.ts NODE_JSON
 */
import { SshTransport } from '../../src/transport/ssh.js';
import type { NodeConfig } from '../../src/config/config.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';

const transport = new SshTransport('node1', JSON.parse(process.argv[2]!) as NodeConfig, {
  ...DEFAULT_SETTINGS.ssh,
  connectTimeoutSeconds: 3,
  retries: 0,
  backoffMs: 50,
  commandTimeoutSeconds: 60,
});
process.stdout.write(await transport.check(['echo', 'hello']));
transport.close();
