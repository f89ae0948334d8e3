import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { type WatchAgent, startWatchAgent } from '../../builder/watch-agent.js';
import { ensureDirInside } from '../../durable/atomic.js';
import { nodePlace } from '../../spool/layout.js';
import { holdSingletonLock } from '../../spool/singleton-lock.js';
import { contextOf, nodeName } from '../context.js';
import { builderSettings } from '../node-build.js';

interface Options {
  node?: string;
  parallel?: number;
}

/** Runs the node agent until SIGTERM or SIGINT, then returns (exit 0) once no build is left halfway. */
export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const node = nodeName(options.node, ctx);
  const { rescanMs, debounceMs, parallelBuilds } = ctx.settings.watch;
  const parallel = options.parallel ?? parallelBuilds;
  const inbox = ctx.spool.layout.placeDir(nodePlace(node));
  ensureDirInside(ctx.spool.layout.root, inbox); // chokidar needs it to exist before main's first entry arrives
  const progress = (line: string) => ctx.out.progress(line);
  // One agent per node; await-result (main's jobs) checks this lock to know someone builds what they ship.
  const lockDir = ctx.spool.layout.agentLockDir(node);
  const releaseLock = await holdSingletonLock(ctx.spool, lockDir, `a watch agent already serves ${node} on ${ctx.spool.layout.root} (${lockDir})`, (error) =>
    progress(`agent lock lost (${error.message}): jobs may stop shipping to ${node} until it is back`),
  );
  const agent = startWatchAgent(
    ctx.spool,
    { node, parallel, watch: { rescanMs, debounceMs }, builderFor: (suite) => builderSettings(ctx, suite) },
    {
      progress,
      built: (build) => {
        // One compact object per line, so a reader can act on each build as it ends.
        if (ctx.out.json) process.stdout.write(`${JSON.stringify(build)}\n`);
      },
    },
  );
  const stopped = stopOnSignal(agent, progress);
  await agent.ready;
  progress(`watching ${ctx.spool.layout.relative(inbox)}/ for ${node} (${parallel} build(s) at a time)`);
  await stopped;
  await releaseLock();
  progress('stopped');
}

/** Resolves once the first SIGTERM or SIGINT has stopped the agent; later ones only say it is still stopping. */
function stopOnSignal(agent: WatchAgent, progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      // Exiting on a second signal could leave an entry halfway between two states: keep waiting.
      if (stopping) return progress(`${signal}: already stopping, waiting for ${agent.building} build(s) to be handed back`);
      stopping = true;
      progress(`${signal}: stopping; ${agent.building} running build(s) go back to the inbox`);
      agent
        .stop()
        .then(resolve, reject)
        .finally(() => process.off('SIGTERM', onSignal).off('SIGINT', onSignal));
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
}
