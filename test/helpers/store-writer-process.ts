import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT } from './spool.js';

/** Runs store-writer.ts as its own process: COUNT records named PREFIX-0… into DB (a file or a postgresql:// URL). */
export function runStoreWriter(db: string, prefix: string, count: number, env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT, 'test/helpers/store-writer.ts'), db, prefix, String(count)], {
      cwd: PROJECT,
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status, signal) => resolve({ status, signal, stderr }));
  });
}
