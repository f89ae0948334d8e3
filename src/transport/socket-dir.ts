/**
 * Where ssh's control sockets (and the lock that starts each master) live: a directory
 * only the invoking user can write. In a shared one such as /tmp, another local user
 * could create the socket first and have every job talk to their process instead of the
 * node. $XDG_RUNTIME_DIR (systemd's /run/user/$UID, 0700) when the session has one, else
 * $TMPDIR/repro-spool-$UID made 0700 here. Either is refused unless it is a real directory
 * owned by this user that nobody else can write. The path stays short: ssh binds the
 * socket at ControlPath + 17 characters, within the 108 bytes of a Unix socket path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpoolError, errnoCode } from '../errors.js';

/** sun_path is 108 bytes; ssh appends ".XXXXXXXXXXXXXXXX" while binding and %C is 40 hex digits. */
const SOCKET_PATH_MAX = 107;
const CONTROL_NAME_LENGTH = 40 + 17;

function ownedPrivateDir(dir: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
  if (!stat.isDirectory()) return `${dir} is not a directory (a symlink or a file there is refused)`;
  const uid = os.userInfo().uid;
  if (stat.uid !== uid) return `${dir} belongs to uid ${stat.uid}, not to this user (uid ${uid})`;
  if ((stat.mode & 0o022) !== 0) return `${dir} is writable by others (mode ${(stat.mode & 0o777).toString(8)})`;
  return undefined;
}

/** The private directory for control sockets, made if missing; SpoolError('usage') when the place is not safe. */
export function privateSocketDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  const base = runtime && path.isAbsolute(runtime) && ownedPrivateDir(runtime) === undefined ? path.join(runtime, 'repro-spool') : undefined;
  const dir = base ?? path.join(os.tmpdir(), `repro-spool-${os.userInfo().uid}`);
  if (dir.length + 1 + CONTROL_NAME_LENGTH > SOCKET_PATH_MAX) {
    throw new SpoolError(
      'usage',
      `ssh control sockets under ${JSON.stringify(dir)} would exceed the ${SOCKET_PATH_MAX}-byte socket path limit: set TMPDIR shorter`,
    );
  }
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
  }
  const problem = ownedPrivateDir(dir);
  if (problem !== undefined) {
    throw new SpoolError('usage', `refusing to keep ssh control sockets in ${JSON.stringify(dir)}: ${problem}; expected a directory only this user can write`);
  }
  return dir;
}
