import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { CONTROL_CHARACTERS, SpoolError } from '../../errors.js';
import { formatId } from '../../spool/identity.js';
import { SCHEDULED, nodePlace, placeName } from '../../spool/layout.js';
import { enqueue } from '../../spool/transitions/enqueue.js';
import { contextOf, idFrom, type IdOptions } from '../context.js';

interface Options extends IdOptions {
  dscSha256: string;
  node?: string;
  field?: string[];
}

export async function run(pkg: string, version: string, options: Options, command: Command): Promise<void> {
  const id = idFrom(pkg, version, options);
  const place = options.node === undefined ? SCHEDULED : nodePlace(options.node);
  if (!/^[0-9a-f]{64}$/.test(options.dscSha256)) {
    throw new SpoolError('usage', `invalid --dsc-sha256 ${JSON.stringify(options.dscSha256)}: expected 64 lowercase hex digits`);
  }
  const extra = (options.field ?? []).map(parseField);
  const { spool, out } = contextOf(command);
  const entry = await enqueue(spool, place, { id, dscSha256: options.dscSha256, extra });
  const file = spool.layout.entryPath(place, id);
  out.result(
    { state: placeName(place), ...id, path: file, fields: Object.fromEntries(entry.fields.entries()) },
    () => `enqueued ${formatId(id)} in ${placeName(place)}/`,
  );
}

function parseField(text: string): [string, string] {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq);
  if (eq <= 0 || !/^[A-Za-z][A-Za-z0-9-]*$/.test(name) || CONTROL_CHARACTERS.test(text.slice(eq + 1))) {
    throw new SpoolError('usage', `invalid --field ${JSON.stringify(text)}: expected Name=value (a deb822 field name, a one-line value)`);
  }
  return [name, text.slice(eq + 1)];
}
