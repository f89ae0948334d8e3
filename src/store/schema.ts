/**
 * reproducible.db's schema, versioned: each migration runs once, in order, and the
 * version is stored in the file. One row per single build in `builds` answers the
 * seed's open question (build host and the time of a single build, not both combined).
 */
import { CHANGES_FROM_HISTORY } from './verdict-days.js';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sources (
     name TEXT NOT NULL, version TEXT NOT NULL, suite TEXT NOT NULL, architecture TEXT NOT NULL,
     dsc_path TEXT NOT NULL, dsc_sha256 TEXT NOT NULL, imported_at TEXT NOT NULL,
     PRIMARY KEY (name, suite, architecture));
   CREATE TABLE schedule_history (
     journal_id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, suite TEXT NOT NULL,
     architecture TEXT NOT NULL, priority INTEGER NOT NULL, scheduled_at TEXT NOT NULL, reason TEXT NOT NULL);
   CREATE TABLE results (
     name TEXT NOT NULL, version TEXT NOT NULL, suite TEXT NOT NULL, architecture TEXT NOT NULL,
     verdict TEXT NOT NULL, node1 TEXT, node2 TEXT, build_date TEXT NOT NULL,
     PRIMARY KEY (name, suite, architecture));
   CREATE TABLE builds (
     journal_id TEXT NOT NULL, build_number INTEGER NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
     suite TEXT NOT NULL, architecture TEXT NOT NULL, node TEXT NOT NULL, job TEXT, started_at TEXT NOT NULL,
     duration_seconds REAL NOT NULL, exit_code INTEGER, status TEXT NOT NULL,
     PRIMARY KEY (journal_id, build_number));
   CREATE INDEX builds_by_node ON builds (node, build_number);
   CREATE TABLE node_info (
     node TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, collected_at TEXT NOT NULL,
     PRIMARY KEY (node, key));`,
  // Every verdict, not only the latest: the dashboard's history over time and a package's page.
  `CREATE TABLE result_history (
     journal_id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, suite TEXT NOT NULL,
     architecture TEXT NOT NULL, verdict TEXT NOT NULL, node1 TEXT, node2 TEXT, build_date TEXT NOT NULL);
   CREATE INDEX result_history_by_date ON result_history (suite, architecture, build_date);
   CREATE INDEX result_history_by_name ON result_history (name);
   INSERT INTO result_history (journal_id, name, version, suite, architecture, verdict, node1, node2, build_date)
     SELECT 'before-history/' || name || '/' || suite || '/' || architecture, name, version, suite, architecture, verdict, node1, node2, build_date
       FROM results;`,
  // What explains a verdict beyond its word: the unsatisfiable build dependencies of a
  // depwait, a failure in build 2 only (a variation of ours breaks the build).
  `ALTER TABLE results ADD COLUMN detail TEXT;
   ALTER TABLE result_history ADD COLUMN detail TEXT;`,
  // History folded by db fold: the daily snapshots of the days whose checks left result_history.
  `CREATE TABLE verdict_days (
     day TEXT NOT NULL, suite TEXT NOT NULL, architecture TEXT NOT NULL, verdict TEXT NOT NULL, packages INTEGER NOT NULL,
     PRIMARY KEY (day, suite, architecture, verdict));`,
  // The dashboard's reads in SQL, each costing what it shows: the chart from verdict_changes
  // (appended to by each record, summed up by db fold; see verdict-days.ts), a package's neighbouring checks
  // and its page by (name, suite, architecture, build_date), each node's latest builds.
  `CREATE TABLE verdict_changes (
     day TEXT NOT NULL, suite TEXT NOT NULL, architecture TEXT NOT NULL, verdict TEXT NOT NULL, change INTEGER NOT NULL);
   CREATE INDEX verdict_changes_by_day ON verdict_changes (day, suite, architecture);
   INSERT INTO verdict_changes (day, suite, architecture, verdict, change) ${CHANGES_FROM_HISTORY};
   DROP INDEX result_history_by_name;
   CREATE INDEX result_history_by_package ON result_history (name, suite, architecture, build_date, journal_id);
   DROP INDEX builds_by_node;
   CREATE INDEX builds_by_node ON builds (node, build_number, started_at);`,
  // The scheduler (schedule --auto): why each package was scheduled (category), by whom
  // (requester, counted per day for manual requests), carried on to its verdict; and its
  // aged categories read oldest verdict first per suite/arch.
  `ALTER TABLE schedule_history ADD COLUMN category TEXT;
   ALTER TABLE schedule_history ADD COLUMN requester TEXT;
   CREATE INDEX schedule_history_by_requester ON schedule_history (requester, scheduled_at);
   ALTER TABLE result_history ADD COLUMN category TEXT;
   ALTER TABLE result_history ADD COLUMN reason TEXT;
   ALTER TABLE result_history ADD COLUMN requester TEXT;
   CREATE INDEX results_by_date ON results (suite, architecture, build_date);`,
  // The reproducible-notes files (notes import): a note per package, its issues, and the
  // issues' descriptions. Replaced whole by each import; not in the archive, so a database
  // rebuilt from the archive gets them back by importing the files again.
  `CREATE TABLE notes (
     name TEXT PRIMARY KEY, version TEXT, comments TEXT, bugs TEXT NOT NULL, imported_at TEXT NOT NULL);
   CREATE TABLE note_issues (name TEXT NOT NULL, issue TEXT NOT NULL, PRIMARY KEY (issue, name));
   CREATE TABLE issues (name TEXT PRIMARY KEY, description TEXT NOT NULL, url TEXT);`,
  // What build 2 did not vary (the variations chosen off, comma-separated); NULL: it varied every one.
  // An explanation's findings (explain), as the JSON of its record's explanation.
  `ALTER TABLE results ADD COLUMN not_varied TEXT;
   ALTER TABLE result_history ADD COLUMN not_varied TEXT;
   ALTER TABLE result_history ADD COLUMN explanation TEXT;`,
  // Build 1's .debs against the archive's (archive/versus-archive.ts), as the JSON of its record's versusArchive.
  `ALTER TABLE results ADD COLUMN versus_archive TEXT;
   ALTER TABLE result_history ADD COLUMN versus_archive TEXT;`,
  // Where each single build's time went (builder/stages.ts); NULL: not recorded (an older build, a node that did not say).
  `ALTER TABLE builds ADD COLUMN setup_seconds REAL;
   ALTER TABLE builds ADD COLUMN install_seconds REAL;
   ALTER TABLE builds ADD COLUMN build_seconds REAL;
   ALTER TABLE builds ADD COLUMN package_seconds REAL;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
