/**
 * The daily backups of reproducible.db under $ROOT/backups/: one file a day,
 * reproducible-YYYY-MM-DD.db (the embedded store, a SQLite file) or .pgdump (PostgreSQL,
 * pg_dump's custom format). Kept: the last keepDays days, and the first of every month
 * for ever (a month's state stays recoverable after the daily ones are gone).
 */
const BACKUP_NAME = /^reproducible-([0-9]{4})-([0-9]{2})-([0-9]{2})\.(db|pgdump)$/;

export type BackupKind = 'db' | 'pgdump';

export function backupName(day: Date, kind: BackupKind): string {
  return `reproducible-${day.toISOString().slice(0, 10)}.${kind}`;
}

/** Of the names in the backups directory, the backups to remove on `today` (other files are never touched). */
export function expiredBackups(names: readonly string[], today: Date, keepDays: number): string[] {
  const oldestKept = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - (keepDays - 1) * 86_400_000;
  return names.filter((name) => {
    const match = BACKUP_NAME.exec(name);
    if (!match) return false;
    const [, year, month, day] = match as unknown as [string, string, string, string];
    if (day === '01') return false;
    return Date.UTC(Number(year), Number(month) - 1, Number(day)) < oldestKept;
  });
}
