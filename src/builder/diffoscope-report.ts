/**
 * What differs, read from diffoscope's JSON report: each top-level file (a .deb, the
 * .buildinfo), the package paths inside it that differ, and cause tags: the variation
 * whose capture value (its row's canary) shows in build 2's lines of a .deb's diff, with
 * where ("build-path (DW_AT_comp_dir)", "clock (./usr/share/doc/x/built)"). Tags are
 * hints beside explain's proof, never a verdict. The report is of files a node built:
 * its shape is checked and its size bounded (diffoscope's --max-report-size).
 */
import { z } from 'zod';
import { VARIATIONS, type Variation, type VariationId } from './variations.js';

export interface DifferingFile {
  readonly file: string;
  readonly members: string[];
  /** Which variations show in the difference, and where: "ID (context)". */
  readonly causes?: string[];
}

/** Between a differing file's members and its causes in the verdict file and on screen. */
export const CAUSES_SEPARATOR = ' | ';

/** At most this many paths per file, and tags per file: the report has the rest. */
const MAX_MEMBERS = 20;

interface ReportNode {
  readonly source1: string;
  readonly unified_diff?: string | null;
  readonly details?: readonly ReportNode[];
}

const reportNode: z.ZodType<ReportNode> = z.lazy(() =>
  z.object({ source1: z.string(), unified_diff: z.string().nullable().optional(), details: z.array(reportNode).optional() }),
);

const FILE_NAME = /^[^\s/]+\.(deb|udeb|ddeb|buildinfo|dsc|tar\.\w+)$/;
const PACKAGE_NAME = /\.(deb|udeb|ddeb)$/;

/** The report's differing files; undefined for a text that is not a diffoscope JSON report. */
export function readJsonReport(text: string, checkedAt: Date): DifferingFile[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined; // a report cut short (diffoscope killed at its timeout): the text and HTML reports still say what they can
  }
  const parsed = reportNode.safeParse(json);
  if (!parsed.success) return undefined;
  const root = parsed.data;
  const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  // Two .changes compared: their files are the root's details; two files compared directly: the root is the file.
  const files = root.source1.endsWith('.changes')
    ? (root.details ?? []).filter((d) => FILE_NAME.test(d.source1)).map((d) => ({ name: d.source1, node: d }))
    : FILE_NAME.test(base(root.source1))
      ? [{ name: base(root.source1), node: root }]
      : [];
  const packageCanaries = VARIATIONS.flatMap((v: Variation<VariationId>) => (v.canary ? [{ id: v.id, canary: v.canary(checkedAt) }] : []));
  return files.map(({ name, node }) => {
    const members: string[] = [];
    const causes = new Map<string, string>();
    const canaries = PACKAGE_NAME.test(name) ? packageCanaries : [];
    const walk = (n: ReportNode, member: string | undefined) => {
      const here = n.source1.startsWith('./') ? n.source1 : member;
      if (n.source1.startsWith('./') && members.length < MAX_MEMBERS && !members.includes(n.source1)) members.push(n.source1);
      for (const line of (n.unified_diff ?? '').split('\n')) {
        if (!line.startsWith('+') || line.startsWith('+++')) continue;
        for (const { id, canary } of canaries) {
          if (!canary.test(line)) continue;
          const context = /\bDW_AT_\w+/.exec(line)?.[0] ?? here ?? n.source1;
          // One tag per variation; a debug-info attribute says more than a path.
          if (!causes.has(id) || (context.startsWith('DW_AT_') && !causes.get(id)!.startsWith('DW_AT_'))) causes.set(id, context);
        }
      }
      for (const child of n.details ?? []) walk(child, here);
    };
    walk(node, undefined);
    const tags = [...causes].slice(0, MAX_MEMBERS).map(([id, context]) => `${id} (${context})`);
    return { file: name, members, ...(tags.length > 0 && { causes: tags }) };
  });
}

/** The variations a differing file's cause tags name. */
export function causeIds(files: readonly DifferingFile[]): string[] {
  return [...new Set(files.flatMap((f) => (f.causes ?? []).map((c) => c.split(' ', 1)[0]!)))];
}

/** One differing file for people: "NAME: ./path ./path… | cause; cause", or NAME alone (the verdict file's lines; show and build print it so). */
export function describeDifferingFile(file: DifferingFile): string {
  const causes = file.causes?.length ? `${CAUSES_SEPARATOR}${file.causes.join('; ')}` : '';
  return `${file.file}${file.members.length ? `: ${file.members.join(' ')}` : ''}${causes}`;
}
