/**
 * The notes in reproducible.db: what `notes import` stores (replacing the previous import
 * whole, in one transaction) and what the dashboard and the export read of them.
 */
import { type SqlSession, inChunks, placeholders, valueRows } from './session.js';
import type { IssueDefinition, PackageNote } from '../notes/notes-file.js';
import { groupBy } from '../group-by.js';

/** Rows per INSERT: well under the bound-value limit at five columns. */
const ROWS_PER_INSERT = 1000;

export async function replaceNotes(db: SqlSession, notes: readonly PackageNote[], issues: readonly IssueDefinition[], importedAt: string): Promise<void> {
  await db.run('DELETE FROM note_issues');
  await db.run('DELETE FROM notes');
  await db.run('DELETE FROM issues');
  for (const chunk of inChunks(notes, ROWS_PER_INSERT)) {
    await db.run(
      `INSERT INTO notes (name, version, comments, bugs, imported_at) VALUES ${valueRows(chunk.length, 5)}`,
      chunk.flatMap((n) => [n.name, n.version ?? null, n.comments ?? null, JSON.stringify(n.bugs), importedAt]),
    );
  }
  const tags = notes.flatMap((n) => [...new Set(n.issues)].map((issue) => [n.name, issue] as const));
  for (const chunk of inChunks(tags, ROWS_PER_INSERT)) {
    await db.run(`INSERT INTO note_issues (name, issue) VALUES ${valueRows(chunk.length, 2)}`, chunk.flat());
  }
  for (const chunk of inChunks(issues, ROWS_PER_INSERT)) {
    await db.run(
      `INSERT INTO issues (name, description, url) VALUES ${valueRows(chunk.length, 3)}`,
      chunk.flatMap((i) => [i.name, i.description, i.url ?? null]),
    );
  }
}

/** The notes of these packages, by name. */
export async function notesOf(db: SqlSession, names: readonly string[]): Promise<Map<string, PackageNote>> {
  const notes = new Map<string, PackageNote>();
  for (const chunk of inChunks(names)) {
    if (chunk.length === 0) continue;
    const rows = await db.all<{ name: string; version: string | null; comments: string | null; bugs: string }>(
      `SELECT name, version, comments, bugs FROM notes WHERE name IN (${placeholders(chunk)})`,
      chunk,
    );
    const tags = await db.all<{ name: string; issue: string }>(
      `SELECT name, issue FROM note_issues WHERE name IN (${placeholders(chunk)}) ORDER BY issue`,
      chunk,
    );
    const issuesOf = groupBy(tags, (t) => t.name);
    for (const r of rows) {
      notes.set(r.name, {
        name: r.name,
        version: r.version ?? undefined,
        comments: r.comments ?? undefined,
        bugs: JSON.parse(r.bugs) as number[],
        issues: (issuesOf.get(r.name) ?? []).map((t) => t.issue),
      });
    }
  }
  return notes;
}

/** The notes that carry one of these issues (a few hundred at most: the export keeps them in memory). */
export async function notesWithIssues(db: SqlSession, issues: readonly string[]): Promise<Map<string, PackageNote>> {
  if (issues.length === 0) return new Map();
  const rows = await db.all<{ name: string }>(`SELECT DISTINCT name FROM note_issues WHERE issue IN (${placeholders(issues)})`, issues);
  return notesOf(
    db,
    rows.map((r) => r.name),
  );
}

export async function issueDefinitions(db: SqlSession): Promise<IssueDefinition[]> {
  const rows = await db.all<{ name: string; description: string; url: string | null }>('SELECT name, description, url FROM issues ORDER BY name');
  return rows.map((r) => ({ name: r.name, description: r.description, url: r.url ?? undefined }));
}

/** Each issue's packages, with their latest verdicts (for the per-issue pages). */
export async function packagesByIssue(
  db: SqlSession,
): Promise<Array<{ issue: string; name: string; version: string | null; suite: string | null; architecture: string | null; verdict: string | null }>> {
  return db.all(
    `SELECT t.issue, t.name, r.version, r.suite, r.architecture, r.verdict
       FROM note_issues t LEFT JOIN results r ON r.name = t.name
      ORDER BY t.issue, r.verdict, t.name, r.suite, r.architecture`,
  );
}

/** Names of every package with a note. */
export async function notedPackages(db: SqlSession): Promise<Set<string>> {
  return new Set((await db.all<{ name: string }>('SELECT name FROM notes')).map((r) => r.name));
}

/** Noted packages that are neither in the catalogue nor tested: what import reports. */
export async function unknownNotedPackages(db: SqlSession): Promise<string[]> {
  const rows = await db.all<{ name: string }>(
    `SELECT n.name FROM notes n
      WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.name = n.name) AND NOT EXISTS (SELECT 1 FROM results r WHERE r.name = n.name)
      ORDER BY n.name`,
  );
  return rows.map((r) => r.name);
}
