/**
 * Benchmark plumbing: variants are run in interleaved rounds within one run (this disk's
 * speed drifts for minutes after bulk deletes), and results are reported as ratios to a
 * baseline measured in the same run, never against figures from another run.
 */
export interface Variant {
  readonly name: string;
  /** Builds the fixture; not timed. */
  prepare(): Promise<void> | void;
  /** The timed part; returns the number of operations done. */
  run(): Promise<number> | number;
  cleanup?(): Promise<void> | void;
}

export interface Measured {
  readonly name: string;
  readonly medianMs: number;
  readonly opsPerSecond: number;
  readonly samplesMs: number[];
}

export async function compare(variants: readonly Variant[], rounds: number): Promise<Measured[]> {
  const samples = new Map<string, { ms: number[]; ops: number }>(variants.map((v) => [v.name, { ms: [], ops: 0 }]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      await variant.prepare();
      const start = performance.now();
      const ops = await variant.run();
      const ms = performance.now() - start;
      await variant.cleanup?.();
      const sample = samples.get(variant.name)!;
      sample.ms.push(ms);
      sample.ops = ops;
      process.stderr.write(`  round ${round + 1}/${rounds} ${variant.name}: ${ms.toFixed(0)} ms for ${ops} ops\n`);
    }
  }
  return variants.map((v) => {
    const { ms, ops } = samples.get(v.name)!;
    const medianMs = median(ms);
    return { name: v.name, medianMs, opsPerSecond: (ops / medianMs) * 1000, samplesMs: ms.map((x) => Math.round(x)) };
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One line per variant: median, throughput, and the ratio to the baseline (the first variant). */
export function report(title: string, results: readonly Measured[]): void {
  const baseline = results[0]!;
  console.log(`\n${title}`);
  for (const r of results) {
    const ratio = r.medianMs / baseline.medianMs;
    console.log(
      `  ${r.name.padEnd(34)} median ${r.medianMs.toFixed(1).padStart(9)} ms  ${r.opsPerSecond.toFixed(0).padStart(8)} ops/s  ${ratio.toFixed(2).padStart(7)}× ${r === baseline ? '(baseline)' : `of ${baseline.name}`}`,
    );
  }
}
