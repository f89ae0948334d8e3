/**
 * repro-spool's command line. Definitions (options, help, examples) live here; each
 * command's code is imported only when that command runs, so `--version` and `--help`
 * start as fast as cron and Jenkins need.
 */
import { Command, CommanderError, type CommandUnknownOpts, Option, type OptionValues } from '@commander-js/extra-typings';
import { createRequire } from 'node:module';
import { EXIT_CODES } from '../errors.js';
import { BUILD_STATUSES } from '../spool/build-status.js';
import { closeOpenStores } from '../store/store.js';
import { reportError } from './output.js';

const EXIT_CODE_HELP = `
Exit codes:
  0  ok                      4  busy: a live process holds the lock
  1  failed                  5  integrity: corrupt entry or checksum mismatch
  2  bad usage or input      6  node unreachable
  3  nothing to do`;

function withExamples<C extends CommandUnknownOpts>(command: C, ...examples: string[]): C {
  command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  return command;
}

function idOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.requiredOption('--suite <suite>', 'suite, e.g. bookworm').requiredOption('--arch <arch>', 'architecture, e.g. amd64');
}

/**
 * Loads the command's module when it runs. Its run() declares the arguments and options
 * it expects; the type checker holds them against what the definition here declares
 * (argument for argument, each option's name and type), so the two cannot drift apart.
 */
function lazy<P extends unknown[]>(load: () => Promise<{ run: (...args: P) => Promise<void> }>): (...args: P) => Promise<void> {
  return async (...args) => (await load()).run(...args);
}

export function buildProgram(): Command {
  const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  const program = new Command('repro-spool')
    .description('Debian reproducible-builds checks across build nodes, on a crash-safe spool')
    .version(version)
    .option('--root <dir>', "spool root (default: $REPRO_SPOOL_ROOT, the config's root, else ./var/workspace)")
    .option('--config <file>', 'configuration file (JSON; default: $REPRO_SPOOL_CONFIG)')
    .option('--json', 'print only JSON on stdout')
    // A mistyped command or option: the error and commander's "Did you mean …?" alone, not 60 lines of help after it.
    .showHelpAfterError('(repro-spool --help lists the commands, repro-spool COMMAND --help their options and examples)')
    // Every command's --help also lists --root, --config and --json.
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXIT_CODE_HELP);

  withExamples(
    program
      .command('init')
      .description(
        "make --root a spool (its directory and the repro-spool-root marker) and record whose it is: main's, or with --node a build " +
          "node's, which every later command then takes as its --node; idempotent, and a different role is refused (exit 2). Every other " +
          'command refuses a root that is not a spool, except the local build, which makes its own',
      )
      .option('--node <node>', "this spool is the build node NAME's (default: $REPRO_SPOOL_NODE or the config's node, else main's)")
      .action(lazy(() => import('./commands/init.js'))),
    'repro-spool --root /srv/workspace init',
    'repro-spool --root /srv/workspace init --node node1',
    'repro-spool --config /etc/repro-spool/node.json init --node node1 --json',
  );

  withExamples(
    idOptions(program.command('enqueue').argument('<pkg>', 'source package').argument('<version>', 'Debian version, epoch included'))
      .description("put a new entry into scheduled/ (or straight into a node's inbox with --node)")
      .requiredOption('--dsc-sha256 <hex>', "sha256 of the source package's .dsc")
      .option('--node <node>', "enqueue into this node's directory instead of scheduled/")
      .option('--field <name=value...>', 'extra entry fields (kept as given)')
      .action(lazy(() => import('./commands/enqueue.js'))),
    'repro-spool enqueue hello 2.10-3 --suite bookworm --arch amd64 --dsc-sha256 1f8a…',
    'repro-spool enqueue --node node1 hello 1:2.10-3 --suite bookworm --arch amd64 --dsc-sha256 1f8a…',
  );

  withExamples(
    program
      .command('build')
      .argument('[target...]', 'nothing or PKG[=VERSION]: local two-build check; 1 or 2: build the next inbox entry on this node; NODE1 NODE2: check over ssh')
      .description('build: the local two-build check, one build on a node, or (main) a check over ssh on two nodes')
      .option('--suite <suite>', "suite (default: the configuration's first, else this system's)")
      .option('--arch <arch>', "architecture (default: this machine's)")
      .option('--node <node>', 'for build 1|2: this node (default: $REPRO_SPOOL_NODE or the config)')
      .option('--job <name>', "main: check on the configured job's two nodes")
      .option('--entry <id>', 'for build 1|2: build only SUITE/ARCH/PKG/VERSION (what a main job that shares the node asks for)')
      .option('--vary <spec>', "what build 2 varies, changing the config's choice: -NAME stops varying one, +NAME varies one again, =A,B exactly these")
      .option('--dry-run', 'print the variations that would apply, as a table; build nothing')
      .addOption(
        new Option('--max-checks <n>', 'checks: check one entry after another, at most N (with --json one JSON object per line)').argParser(positiveInt),
      )
      .addOption(
        new Option('--for <seconds>', 'checks: check one entry after another, starting none after SECONDS; stops early when the queue is empty').argParser(
          positiveInt,
        ),
      )
      .action(lazy(() => import('./commands/build.js'))),
    'repro-spool build hello',
    'repro-spool build hello=2.10-3 --suite bookworm --json',
    'repro-spool build hello=2.10-3 --vary=-clock',
    'repro-spool build hello --vary=-clock,-build-path --dry-run',
    'repro-spool --root /srv/workspace build 1 --node profitbricks-build1-amd64',
    'repro-spool --config /etc/repro-spool.json build profitbricks-build1-amd64 profitbricks-build2-amd64',
    'repro-spool --config /etc/repro-spool.json build --job reproducible_build_amd64_1',
    'repro-spool --config /etc/repro-spool.json --json build --job reproducible_build_amd64_1 --for 3600',
  );

  withExamples(
    program
      .command('explain')
      .argument('<pkg>', 'the package whose latest check was unreproducible')
      .argument('[nodes...]', 'NODE1 NODE2: run the trial builds over ssh on NODE1 (default: locally)')
      .description(
        'explain: which variations make the latest unreproducible check of PKG differ: a control build, then trial builds varying halves ' +
          '(the likelier first), then diffoscope on the culprit alone. Verdict nondeterministic when the control differs already',
      )
      .option('--suite <suite>', "suite (default: the configuration's first, else this system's)")
      .option('--arch <arch>', "architecture (default: this machine's)")
      .option('--job <name>', "main: run on the configured job's first node")
      .action(lazy(() => import('./commands/explain.js'))),
    'repro-spool explain hello',
    'repro-spool --json explain hello --suite bookworm',
    'repro-spool --config /etc/repro-spool.json explain hello --job reproducible_build_amd64_1',
  );

  withExamples(
    program
      .command('pick')
      .description("main: move the next scheduled entry to NODE's directory (its outbox)")
      .requiredOption('--node <node>', 'node the entry is picked for')
      .option('--suite <suite>', 'only this suite')
      .option('--arch <arch>', 'only this architecture')
      .option('--job <name>', 'job name recorded in the entry and lock')
      .action(lazy(() => import('./commands/pick.js'))),
    'repro-spool pick --node node1 --arch amd64 --job reproducible_build_amd64_1',
  );

  withExamples(
    program
      .command('claim')
      .description('node: move inbox entries to pending/ (exit 3 when the inbox is empty)')
      .option('--node <node>', "this node (default: $REPRO_SPOOL_NODE or the config's node)")
      .option('--suite <suite>', 'only this suite')
      .option('--arch <arch>', 'only this architecture')
      .addOption(new Option('--max <n>', 'claim up to N entries').default(1).argParser(positiveInt))
      .action(lazy(() => import('./commands/claim.js'))),
    'repro-spool claim --node node1 --json',
    'repro-spool claim --node node1 --max 10',
  );

  withExamples(
    idOptions(program.command('complete').argument('<pkg>').argument('<version>'))
      .description("node: move a pending entry's build into reproducible-results/$NODE/")
      .addOption(new Option('--status <status>', 'how the build ended').choices(BUILD_STATUSES).default('built'))
      .action(lazy(() => import('./commands/complete.js'))),
    'repro-spool complete hello 2.10-3 --suite bookworm --arch amd64 --status built',
  );

  withExamples(
    idOptions(program.command('requeue').argument('<pkg>').argument('<version>'))
      .description("hand a pending entry back to its node's inbox, or (main) an outbox entry back to scheduled/, with Attempt+1; to failed/ after maxAttempts")
      .option('--reason <text>', 'why (recorded as Last-Failure)', 'requeued by an operator')
      .option(
        '--node <node>',
        "this node, when this spool is a node's: its inbox entries are never sent to scheduled/ (default: $REPRO_SPOOL_NODE or the config's node)",
      )
      .action(lazy(() => import('./commands/requeue.js'))),
    'repro-spool requeue hello 2.10-3 --suite bookworm --arch amd64 --reason "node rebooted"',
  );

  withExamples(
    idOptions(program.command('release').argument('<pkg>').argument('<version>'))
      .description(
        'main: give an entry in failed/ another chance: back to scheduled/ with Attempt 1 (schedule --auto does this by itself after ' +
          'releaseFailedAfterHours); exit 3 if it is not in failed/',
      )
      .action(lazy(() => import('./commands/release.js'))),
    'repro-spool release hello 2.10-3 --suite bookworm --arch amd64',
  );

  withExamples(
    program
      .command('ls')
      .description('list entries')
      .option('--state <state>', 'scheduled, pending, failed or a node name')
      .option('--suite <suite>', 'only this suite')
      .option('--arch <arch>', 'only this architecture')
      .action(lazy(() => import('./commands/ls.js'))),
    'repro-spool ls --state pending',
    "repro-spool ls --json | jq -r '.[].pkg'",
  );

  withExamples(
    program
      .command('show')
      .argument('<pkg>', 'source package')
      .argument('[version]', 'only this version')
      .description('everything known about a package: its entries (state, fields, lock holder, results) and its verdicts (reproducible.db)')
      .option('--suite <suite>', 'only this suite')
      .option('--arch <arch>', 'only this architecture')
      .action(lazy(() => import('./commands/show.js'))),
    'repro-spool show hello',
    'repro-spool show hello 1:2.10-3 --suite bookworm --json',
  );

  withExamples(
    program
      .command('status')
      .description('counts per state and node, oldest and stale pending builds, quarantine')
      .option('--watch', 'keep the view up to date as the spool changes (chokidar events, not polling) until Ctrl-C; with --json one JSON object per line')
      .action(lazy(() => import('./commands/status.js'))),
    'repro-spool status',
    'repro-spool --root /srv/workspace status --json',
    'repro-spool --root /srv/workspace status --watch',
  );

  withExamples(
    program
      .command('watch')
      .description(
        "node agent: build inbox entries as they arrive (build 1 or 2, as each entry's Build-Number says) until SIGTERM, which ends the " +
          'running builds and hands their entries back',
      )
      .option('--node <node>', 'this node (default: $REPRO_SPOOL_NODE or the config)')
      .addOption(new Option('--parallel <n>', "builds at once (default: the config's watchParallelBuilds, 1)").argParser(positiveInt))
      .action(lazy(() => import('./commands/watch.js'))),
    'repro-spool --root /srv/workspace watch --node profitbricks-build1-amd64',
    'systemd-run --unit repro-spool-agent repro-spool --config /etc/repro-spool.json watch --parallel 2',
  );

  withExamples(
    program
      .command('exchange')
      .argument('<build>', '1 or 2')
      .description(
        'node: one whole build in one ssh round trip (what main runs for nodes without a watch agent): the shipped entry on stdin is ' +
          'placed in the inbox and built, and its results go to stdout as a tar stream (the JSON answer first), then are removed here',
      )
      .option('--node <node>', 'this node (default: $REPRO_SPOOL_NODE or the config)')
      .requiredOption('--entry <id>', 'SUITE/ARCH/PKG/VERSION: the entry on stdin')
      .action(lazy(() => import('./commands/exchange.js'))),
    'repro-spool --root /srv/workspace --json exchange 1 --node node1 --entry bookworm/amd64/hello/2.10-3 < entry > results.tar',
  );

  withExamples(
    program
      .command('await-result')
      .description(
        "node: wait (chokidar, no polling) until this node's watch agent has completed an entry; print its status (what main runs for " +
          'nodes with "agent": true)',
      )
      .option('--node <node>', 'this node (default: $REPRO_SPOOL_NODE or the config)')
      .requiredOption('--entry <id>', 'SUITE/ARCH/PKG/VERSION')
      .action(lazy(() => import('./commands/await-result.js'))),
    'repro-spool --root /srv/workspace await-result --node node1 --entry bookworm/amd64/hello/2.10-3 --json',
  );

  withExamples(
    program
      .command('dashboard')
      .description(
        'write the static HTML dashboard (variations, nodes, verdicts over time, durations, recent builds, a page per package) from the ' +
          'spool and reproducible.db',
      )
      .option('--out <dir>', 'where to write it (default: "publish.dir" of the configuration, else $ROOT/dashboard)')
      .action(lazy(() => import('./commands/dashboard.js'))),
    'repro-spool dashboard && xdg-open var/workspace/dashboard/index.html',
    '*/15 * * * * repro-spool --config /etc/repro-spool.json dashboard --out /var/www/reproducible',
  );

  const exporter = program.command('export').description('main: publish the results in the formats of the system this project replaces');
  withExamples(
    exporter
      .command('json')
      .description(
        "write reproducible.json (every package's latest verdict per suite and architecture) and reproducible-tracker.json (the tracker suite, " +
          "one entry per package, as tracker.debian.org reads it), each with its .bz2, in the original's format and status words " +
          '(README.md, "Published files"); each file is replaced whole, so a reader sees the previous export or this one',
      )
      .option('--out <dir>', 'where to write them; outside the root is fine (default: "publish.dir" of the configuration, else $ROOT/dashboard)')
      .option('--tracker-suite <suite>', 'the suite of reproducible-tracker.json (default: "publish.trackerSuite", else the first of "suites")')
      .action(lazy(() => import('./commands/export-json.js'))),
    'repro-spool --root /srv/workspace export json',
    'repro-spool export json --out /var/www/reproducible --tracker-suite trixie --json',
  );

  const notes = program.command('notes').description("main: the reproducible-notes repository's packages.yml and issues.yml");
  withExamples(
    notes
      .command('import')
      .description(
        'validate packages.yml and issues.yml strictly (exit 2 naming the file, the line and the value; nothing is stored then) and replace ' +
          "reproducible.db's notes with them; a note applies to a package's tested versions from its own version on; notes of packages " +
          'neither in the catalogue nor tested are reported',
      )
      .requiredOption('--packages <file>', 'packages.yml: PKG: {version, comments, bugs: [N…], issues: [NAME…]}')
      .requiredOption('--issues <file>', 'issues.yml: NAME: {description, url}')
      .action(lazy(() => import('./commands/notes-import.js'))),
    'repro-spool --root /srv/workspace notes import --packages notes/packages.yml --issues notes/issues.yml',
    'cd /srv/reproducible-notes && git pull -q && repro-spool notes import --packages packages.yml --issues issues.yml --json',
  );

  const notify = program.command('notify').description('main: notification events (regressions, nodes offline or back, manual requests finished, digests)');
  withExamples(
    notify
      .command('deliver')
      .description(
        'give each event waiting in events/pending/ to notify.command (the event as JSON on stdin; its id in REPRO_SPOOL_EVENT_ID for the hook ' +
          'to deduplicate: delivery is at-least-once), retrying with backoff; exit 1 when one could not be delivered (it waits for the next run)',
      )
      .action(lazy(() => import('./commands/notify-deliver.js'))),
    'repro-spool --root /srv/workspace notify deliver',
    '* * * * * repro-spool --config /etc/repro-spool.json notify deliver --json',
  );
  withExamples(
    notify
      .command('digest')
      .description(
        "spool each subscribed package's daily digest: its status changes of one UTC day, leaving out changes to or from depwait and E404 " +
          '(subscriptions: notify.subscriptions, else $ROOT/notify-subscriptions, "PKG ADDRESS…" per line)',
      )
      .option('--day <YYYY-MM-DD>', 'the day (default: yesterday, UTC)')
      .action(lazy(() => import('./commands/notify-digest.js'))),
    'repro-spool --root /srv/workspace notify digest',
    'repro-spool notify digest --day 2026-12-03 --json',
  );

  withExamples(
    idOptions(program.command('forget').argument('<pkg>').argument('<version>'))
      .description("node: remove an entry's copies and results after its main job died (run by main before shipping again)")
      .option('--node <node>', 'this node (default: $REPRO_SPOOL_NODE or the config)')
      .action(lazy(() => import('./commands/forget.js'))),
    'repro-spool --root /srv/workspace forget hello 1:2.10-3 --suite bookworm --arch amd64 --node node1',
  );

  withExamples(
    program
      .command('info')
      .description("this node's facts as key=value lines (ARCH, NUM_CPU, CPU_MODEL, DATETIME, KERNEL, TZ, LANG, …)")
      .action(lazy(() => import('./commands/info.js'))),
    'repro-spool info',
    'repro-spool --json info | jq -r .KERNEL',
  );

  withExamples(
    program
      .command('collect-info')
      .description('main: run info on every configured node over ssh into reproducible-results/node-information/ and reproducible.db (exit 6 if a node failed)')
      .action(lazy(() => import('./commands/collect-info.js'))),
    'repro-spool --config /etc/repro-spool.json collect-info',
  );

  const chroot = program.command('chroot').description('the base chroots every build runs in a fresh copy of (mmdebstrap --variant=buildd)');
  for (const [name, description] of [
    ['create', 'make the base chroot of a suite and architecture unless it exists (about a minute, ~450 MB)'],
    ['update', 'make it anew from the mirror and replace the old one atomically (builds already running keep theirs)'],
  ] as const) {
    withExamples(
      chroot
        .command(name)
        .description(description)
        .option('--suite <suite>', "suite (default: the configuration's first, else this system's)")
        .option('--arch <arch>', "architecture (default: this machine's)")
        .action(lazy(() => import('./commands/chroot.js'))),
      `repro-spool chroot ${name}`,
      `repro-spool --config /etc/repro-spool.json chroot ${name} --suite bookworm --arch amd64`,
    );
  }
  withExamples(
    chroot
      .command('ls')
      .description('list the base chroots: suite, architecture, when made, size')
      .action(lazy(() => import('./commands/chroot.js'))),
    'repro-spool chroot ls',
    'repro-spool --json chroot ls',
  );

  const jobs = program.command('jobs').description('what Jenkins and cron run, from the configuration');
  withExamples(
    jobs
      .command('render')
      .description('print Jenkins Job Builder YAML for every configured job, or the crontab of the main node')
      .addOption(new Option('--format <format>', 'jjb or cron').choices(['jjb', 'cron']).makeOptionMandatory())
      .option('--command <path>', 'how Jenkins and cron call repro-spool', 'repro-spool')
      .action(lazy(() => import('./commands/jobs-render.js'))),
    'repro-spool --config /etc/repro-spool.json jobs render --format jjb > jobs.yaml && jenkins-jobs update jobs.yaml',
    'repro-spool --config /etc/repro-spool.json jobs render --format cron | crontab -',
  );

  const sources = program.command('sources').description('the catalogue of source packages (reproducible.db)');
  withExamples(
    sources
      .command('import')
      .description('load a Sources index into the catalogue (idempotent; packages gone from the index leave it)')
      .requiredOption('--suite <suite>', 'suite the index belongs to')
      .requiredOption('--arch <arch...>', 'architectures to catalogue (repeatable)')
      .option('--index <file>', 'a Sources, Sources.gz or Sources.xz file (default: fetch it from the mirror)')
      .option('--component <name>', 'archive component when fetching from the mirror', 'main')
      .action(lazy(() => import('./commands/sources-import.js'))),
    'repro-spool sources import --suite bookworm --arch amd64 --arch arm64',
    'repro-spool sources import --suite bookworm --arch amd64 --index Sources.xz',
  );

  withExamples(
    program
      .command('check')
      .description(
        'main: do the archive, reproducible.db and the spool agree? unreproducible without a diffoscope report, a report for another verdict, ' +
          'built without .buildinfo, an archived check the database lacks and the reverse, verdicts of packages gone from the catalogue, ' +
          'checks killed before their verdict, entries in two states; exit 1 naming each finding and its class',
      )
      .option('--repair', 'fix the classes that are safe to fix (record what the archive holds, prune dead checks, reap), then check again')
      .action(lazy(() => import('./commands/check.js'))),
    'repro-spool --root /srv/workspace check',
    'repro-spool check --repair --json',
  );

  const archive = program.command('archive').description('main: the archive of concluded checks ($ROOT/archive/)');
  withExamples(
    archive
      .command('prune')
      .description(
        "keep the archive bounded: drop the .debs of every check but an unreproducible package's latest (kept keepDebsDays, 30), remove checks " +
          "older than archiveKeepDays (365) but each package's latest, and remove directories of checks killed before their verdict; " +
          'the .buildinfo, logs, records and reports stay',
      )
      .option('--dry-run', 'say what would go, change nothing')
      .action(lazy(() => import('./commands/archive-prune.js'))),
    'repro-spool --root /srv/workspace archive prune',
    'repro-spool archive prune --dry-run --json',
  );

  const keys = program
    .command('keys')
    .description("the Ed25519 keys that sign every build (a node's) and every verdict (main's) as in-toto links, and the node keys main pins");
  withExamples(
    keys
      .command('show')
      .description(
        "print this spool's public signing key (made on first use), current and previous, as PEM and as securesystemslib's key " +
          "(what in-toto's tools load with --key-types ed25519); on main also each node's pinned keys and the key it last published",
      )
      .action(lazy(() => import('./commands/keys-show.js'))),
    'repro-spool --root /srv/workspace keys show',
    'repro-spool --config /etc/repro-spool.json --json keys show',
  );
  withExamples(
    keys
      .command('rotate')
      .description('make a new signing key for this spool; the old public key stays listed as previous, so what it signed still verifies')
      .option('--node <node>', "rotate a local check's node key instead (local1 or local2); a remote node rotates on its own spool")
      .action(lazy(() => import('./commands/keys-rotate.js'))),
    'repro-spool --root /srv/workspace keys rotate',
    'repro-spool keys rotate --node local2 --json',
  );
  withExamples(
    keys
      .command('pin')
      .argument('<node>', 'the node whose keys main accepts build links from')
      .description(
        'main: accept build links signed by the keys NODE published in its collected information (collect-info); until then its builds ' +
          'are refused (exit 5). Compare the key id with `keys show` on the node, or give it with --key-id',
      )
      .option('--key-id <hex>', "pin only if the node's collected key id starts with these hex digits (at least 8)")
      .action(lazy(() => import('./commands/keys-pin.js'))),
    'repro-spool --config /etc/repro-spool.json keys pin profitbricks-build1-amd64 --key-id 3f9a0c1d',
    'repro-spool --json keys pin node1',
  );

  withExamples(
    program
      .command('verify')
      .argument('<target>', "a check's directory in the archive, or a package (its latest archived check)")
      .description(
        "verify a check's in-toto links against the published keys: main's statement of the verdict, and each build's link against the " +
          'pinned key of the node that built it and the products kept; exit 0, or 5 naming what failed',
      )
      .option('--suite <suite>', 'with a package: only checks of this suite')
      .option('--arch <arch>', 'with a package: only checks of this architecture')
      .action(lazy(() => import('./commands/verify.js'))),
    'repro-spool verify hello',
    'repro-spool --json verify hello --suite bookworm --arch amd64',
    'repro-spool verify var/workspace/archive/bookworm/amd64/hello/2.10-3/2026-12-04T10-00-00-000Z',
  );

  const db = program.command('db').description('reproducible.db itself');
  withExamples(
    db
      .command('migrate')
      .description(
        'copy every table of the embedded reproducible.db (history included) into a PostgreSQL database; idempotent, verified by counting each table',
      )
      .requiredOption('--to <url>', 'the PostgreSQL database: postgresql://user[:password]@host[:port]/database')
      .option('--from <file>', "the embedded file (default: the configuration's database, else $ROOT/reproducible.db)")
      .action(lazy(() => import('./commands/db-migrate.js'))),
    'repro-spool --root /srv/workspace db migrate --to postgresql://jenkins@localhost/reproducible',
    'repro-spool db migrate --from /var/lib/jenkins/reproducible.db --to postgresql://jenkins@db.example.org/reproducible --json',
  );

  withExamples(
    db
      .command('fold')
      .description(
        'keep reproducible.db bounded: fold checks older than historyFoldAfterDays into the daily counts the history chart shows ' +
          "(each package's latest check stays)",
      )
      .addOption(new Option('--older-than-days <n>', 'fold checks older than N days (default: the configuration, 365)').argParser(positiveInt))
      .action(lazy(() => import('./commands/db-fold.js'))),
    'repro-spool --root /srv/workspace db fold',
    'repro-spool db fold --older-than-days 90 --json',
  );

  withExamples(
    db
      .command('backup')
      .description(
        'a consistent snapshot of reproducible.db (records waiting in the journal merged first): a SQLite file, or with PostgreSQL a pg_dump ' +
          'archive; by default $ROOT/backups/reproducible-YYYY-MM-DD.db|.pgdump, keeping backupKeepDays days (30) and every first of a month',
      )
      .option('--to <file>', 'write the backup there instead (never rotated)')
      .action(lazy(() => import('./commands/db-backup.js'))),
    'repro-spool --root /srv/workspace db backup',
    'repro-spool db backup --to /srv/backups/reproducible.db --json',
  );

  withExamples(
    db
      .command('rebuild')
      .description(
        "rebuild reproducible.db's results, history and builds from the archive's record files (each concluded check's record.json), when " +
          "the database is lost or corrupt (move a corrupt file aside first), then import the suites' Sources indexes again; idempotent: a " +
          'check already there adds nothing. Exit 5 if a record file cannot be read (named; the others are applied)',
      )
      .option('--from-archive', 'from the archive (required: the only source)')
      .option('--no-catalogue', 'do not import the Sources indexes again')
      .action(lazy(() => import('./commands/db-rebuild.js'))),
    'repro-spool --root /srv/workspace db rebuild --from-archive',
    'repro-spool db rebuild --from-archive --no-catalogue --json',
  );

  withExamples(
    db
      .command('restore')
      .argument('<file>', 'a file `db backup` wrote')
      .description(
        "put a backup's data in place of reproducible.db's (the embedded file: as its next generation, records waiting in the journal merged " +
          "on top; PostgreSQL: pg_restore --clean under the writers' lock); a file that is not a backup is refused (exit 5) before anything changes",
      )
      .action(lazy(() => import('./commands/db-restore.js'))),
    'repro-spool --root /srv/workspace db restore /srv/workspace/backups/reproducible-2026-12-01.db',
  );

  withExamples(
    program
      .command('schedule')
      .argument('[pkg...]', 'source packages to schedule (a manual request)')
      .description(
        'main: put catalogue packages into scheduled/. Named packages and --status filters are manual requests (built first, counted per ' +
          'requester and day); --auto is the scheduler cron runs: new versions, untested packages in a seeded random order, depwait/E404/' +
          'FTBFS retries and old re-tests, within each architecture\'s queue cap (the configuration\'s "scheduler")',
      )
      .addOption(new Option('--suite <suite>', "suite, repeatable (default: the configuration's first; --auto: all its suites)").argParser(collect).default([]))
      .addOption(
        new Option('--arch <arch>', "architecture, repeatable (default: this machine's; --auto: every one the jobs build)").argParser(collect).default([]),
      )
      .option('--auto', 'the scheduler: re-tests, retries, new uploads first, within queueMax (see README.md, "Keeping an archive checked")')
      .option('--new', 'schedule what was never tested or has a newer version than its last verdict')
      .option('--status <verdict>', 'manual, by filter: packages whose latest verdict is this (blacklisted ones only when named)')
      .option('--built-before <date>', 'manual, by filter: whose latest verdict is older than this (YYYY-MM-DD or RFC 3339)')
      .option('--built-after <date>', 'manual, by filter: whose latest verdict is newer than this')
      .option('--dry-run', 'print what would be scheduled, in build order; change nothing')
      .addOption(new Option('--seed <n>', "--auto: the seed of the untested packages' random order (printed by every run, to replay it)").argParser(seedNumber))
      .addOption(new Option('--limit <n>', '--new and filters: schedule at most N packages per suite/arch').default(100).argParser(positiveInt))
      .addOption(new Option('--priority <n>', 'higher is picked first').default(0).argParser(integer))
      .option('--reason <text>', 'why: kept in the entry, the schedule history and the verdict (default: "scheduled by an operator")')
      .option('--requester <name>', 'who asks (default: $SUDO_USER, else $USER); manual requests count against scheduler.manualDailyLimit')
      .action(lazy(() => import('./commands/schedule.js'))),
    'repro-spool schedule hello xz-utils --suite bookworm --arch amd64 --reason "fixed upstream" --requester holger',
    'repro-spool schedule --status FTBFS --built-before 2026-11-01 --suite bookworm --arch amd64 --reason "gcc-12 fix" --dry-run',
    'repro-spool schedule --auto --dry-run --json',
    'repro-spool schedule --auto --seed 2718281828 --dry-run   # replay the choice of an earlier run',
    '43 */2 * * * repro-spool --config /etc/repro-spool.json schedule --auto --json >> /var/log/repro-spool/schedule.log 2>&1',
  );

  withExamples(
    program
      .command('reap')
      .description('repair what crashes left: stale builds back to their queue, orphans removed, corrupt files quarantined')
      .option('--dry-run', 'only report what would be done')
      .option(
        '--node <node>',
        "this node, when this spool is a node's: its inbox entries nobody claimed for abandonedMaxAgeSeconds are removed (default: " +
          "$REPRO_SPOOL_NODE or the config's node)",
      )
      .action(lazy(() => import('./commands/reap.js'))),
    'repro-spool reap --dry-run',
    '*/5 * * * * repro-spool --root /srv/workspace reap --json >> /var/log/repro-spool/reap.log',
  );
  return program;
}

function positiveInt(value: string): number {
  if (!/^[1-9][0-9]{0,6}$/.test(value))
    throw new CommanderError(EXIT_CODES.usage, 'repro-spool.invalidArgument', `invalid number ${JSON.stringify(value)}: expected a positive integer`);
  return Number(value);
}

/** A repeatable option: each occurrence adds its value. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function seedNumber(value: string): number {
  if (!/^[0-9]{1,10}$/.test(value) || Number(value) > 2 ** 32 - 1)
    throw new CommanderError(
      EXIT_CODES.usage,
      'repro-spool.invalidArgument',
      `invalid seed ${JSON.stringify(value)}: expected an integer from 0 to 4294967295`,
    );
  return Number(value);
}

function integer(value: string): number {
  if (!/^-?[0-9]{1,6}$/.test(value))
    throw new CommanderError(EXIT_CODES.usage, 'repro-spool.invalidArgument', `invalid number ${JSON.stringify(value)}: expected an integer`);
  return Number(value);
}

export async function main(argv: string[]): Promise<number> {
  // `repro-spool ls | head` closes our stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(EXIT_CODES.ok);
  });
  const program = buildProgram();
  program.exitOverride();
  const override = (command: CommandUnknownOpts): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT_CODES.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_CODES.ok;
      if (error.code === 'repro-spool.invalidArgument') process.stderr.write(`repro-spool: ${error.message}\n`);
      return EXIT_CODES.usage;
    }
    return reportError(error, argv.includes('--json'));
  } finally {
    await closeOpenStores().catch(() => undefined); // a connection already gone has nothing to close
  }
}
