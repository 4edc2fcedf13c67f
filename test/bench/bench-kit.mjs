// Shared pieces of the benchmarks: percentiles and the ratio line every benchmark prints.
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarize(latenciesMs) {
  const s = [...latenciesMs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

/** Runs `task(i)` for i in [0, n) with `concurrency` workers; returns per-task latencies and wall time. */
export async function runConcurrent(n, concurrency, task) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

export function printRow(label, perSecond, unit, p50, p99) {
  console.log(`${label.padEnd(44)} ${fmt(perSecond, 0).padStart(8)} ${unit}/s   p50 ${fmt(p50, 2).padStart(7)} ms   p99 ${fmt(p99, 2).padStart(7)} ms`);
}
