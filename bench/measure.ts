/** Turning grant timestamps into the benchmark's figures. */

export interface Grant {
  acquired: number;
  released: number;
  tab: number;
}

export interface Measured {
  perSecond: number;
  handoffP50: number;
  handoffP99: number;
  sameTabShare: number;
}

export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
export const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 0.5);

/** Handoff: the next grant's acquisition minus the previous grant's release, across all tabs in time order. */
export function measure(grants: Grant[], seconds: number): Measured {
  grants.sort((a, b) => a.acquired - b.acquired);
  const handoffs: number[] = [];
  let same = 0;
  for (let i = 1; i < grants.length; i++) {
    handoffs.push(grants[i]!.acquired - grants[i - 1]!.released);
    if (grants[i]!.tab === grants[i - 1]!.tab) same++;
  }
  handoffs.sort((a, b) => a - b);
  return {
    perSecond: grants.length / seconds,
    handoffP50: percentile(handoffs, 0.5),
    handoffP99: percentile(handoffs, 0.99),
    sameTabShare: grants.length > 1 ? same / (grants.length - 1) : 0,
  };
}
