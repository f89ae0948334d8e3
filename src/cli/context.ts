/** Turns the global options (--root, --config, --json) into an open spool and an output. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, resolveRoot, thresholdsOf, type Config } from '../config/config.js';
import { SpoolError } from '../errors.js';
import { entryId, type EntryId } from '../spool/identity.js';
import { validateName } from '../spool/names.js';
import { type Spool, openSpool } from '../spool/spool.js';
import { type Output, makeOutput } from './output.js';

export interface GlobalOptions {
  root?: string;
  config?: string;
  json?: boolean;
}

export interface CommandContext {
  readonly spool: Spool;
  readonly config: Config;
  readonly out: Output;
}

export function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const loaded = loadConfig(options.config ?? process.env.REPRO_SPOOL_CONFIG);
  const given = resolveRoot(options.root, loaded);
  if (fs.existsSync(given) && !fs.statSync(given).isDirectory()) {
    throw new SpoolError('usage', `spool root ${JSON.stringify(given)} is not a directory`);
  }
  // The root itself may be a symlink (/srv/workspace → /data/…); below it, none may be.
  const root = fs.existsSync(given) ? fs.realpathSync(given) : given;
  return { spool: openSpool(root, thresholdsOf(loaded.config)), config: loaded.config, out: makeOutput(options.json ?? false) };
}

/** This node's name: --node, then REPRO_SPOOL_NODE, then the configuration's "node". */
export function nodeName(flag: string | undefined, config: Config): string {
  const node = flag ?? process.env.REPRO_SPOOL_NODE ?? config.node;
  if (!node) throw new SpoolError('usage', 'no node name: pass --node NAME, set REPRO_SPOOL_NODE, or set "node" in the configuration');
  return validateName('node', node);
}

export interface IdOptions {
  suite: string;
  arch: string;
}

/** PKG VERSION positionals plus --suite/--arch, all validated before any file is touched. */
export function idFrom(pkg: string, version: string, options: IdOptions): EntryId {
  return entryId(options.suite, options.arch, pkg, version);
}

export function optionalName(kind: 'suite' | 'architecture', value: string | undefined): string | undefined {
  return value === undefined ? undefined : validateName(kind, value);
}
