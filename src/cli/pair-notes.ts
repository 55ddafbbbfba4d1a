import type { PairMetrics, UndefinedKappaPolicy } from "../core/metrics.ts";
import type { StimulusMismatch } from "../core/pairs.ts";

interface UnitNotes {
  skipped: number;
  intersected: number;
  dropped: number;
  example?: string;
}

/**
 * What `pairs` and `summary` say on standard error about skipped, intersected and undefined
 * pairs (nothing silently), gathered as the pairs stream by: counts per analysis unit and one
 * example, not the reports themselves.
 */
export class PairNotes {
  /** Pairs whose kappa is undefined (c_exp = 1). */
  undefinedKappa = 0;
  private readonly units = new Map<string, UnitNotes>();
  /** Units in the order of their first skipped pair, and of their first intersected pair. */
  private readonly firstSkipped: string[] = [];
  private readonly firstIntersected: string[] = [];

  pair(metrics: PairMetrics): void {
    if (metrics.c_exp === 1) this.undefinedKappa++;
  }

  mismatch(report: StimulusMismatch): void {
    const key = report.condition === "all" ? report.dataset : `${report.dataset} [${report.condition}]`;
    let entry = this.units.get(key);
    if (!entry) this.units.set(key, (entry = { skipped: 0, intersected: 0, dropped: 0 }));
    if (report.outcome === "computed on common stimuli") {
      if (entry.intersected === 0) this.firstIntersected.push(key);
      entry.intersected++;
      entry.dropped += report.n_only_observer1 + report.n_only_observer2;
    } else {
      if (entry.skipped === 0) this.firstSkipped.push(key);
      entry.skipped++;
      entry.example ??= `${report.observer1} vs ${report.observer2}: ${report.n_common} common, ${report.n_only_observer1} and ${report.n_only_observer2} only one saw`;
    }
  }

  /** The notes: per unit (those with skipped pairs first), then the undefined kappas. */
  report(policy: UndefinedKappaPolicy | undefined, note: (text: string) => void): void {
    const keys = new Set([...this.firstSkipped, ...this.firstIntersected]);
    for (const key of keys) {
      const entry = this.units.get(key)!;
      if (entry.skipped > 0) {
        note(
          `${key}: skipped ${entry.skipped} pair(s) whose stimulus sets differ (e.g. ${entry.example}); --intersect pairs them on common stimuli, --skipped FILE lists them`,
        );
      }
      if (entry.intersected > 0) {
        note(`${key}: ${entry.intersected} pair(s) computed on common stimuli only, dropping ${entry.dropped} trial(s) in all`);
      }
    }
    if (this.undefinedKappa > 0) {
      const shown =
        policy === "one"
          ? "set to 1 as --undefined-kappa one asks"
          : "left empty; --undefined-kappa one sets them to 1 as the 2020 code did";
      note(`${this.undefinedKappa} pair(s) have undefined kappa (c_exp = 1: both observers all correct or all wrong), ${shown}`);
    }
  }
}
