/**
 * The metrics the dashboard's matrix can show (issue 16's metric selector) and their names,
 * apart from their computation (./metric-matrix.ts, run in the worker) so that the page's
 * controls and URL state do not load it.
 */

/**
 * The metrics the selector offers: error kappa (the default, the analysis's), those computable
 * from the answers alone, and those that compare the models' probabilities (where the server
 * was given their scores, `trialwise serve --scores`).
 */
export const DASHBOARD_METRICS = ["error-kappa", "response-kappa", "capa-discrete", "capa", "dmc"] as const;
export type DashboardMetric = (typeof DASHBOARD_METRICS)[number];
/** The response-level metrics of the selector (`trialwise pairs --metric <m>`). */
export type ResponseLevelMetric = Exclude<DashboardMetric, "error-kappa">;

/** The metrics that need the models' scores (`trialwise pairs --metric <m> --scores`). */
export const SCORE_METRICS: readonly ResponseLevelMetric[] = ["capa", "dmc"];

/** How the selector and the matrix's legend name each metric. */
export const METRIC_NAMES: Readonly<Record<DashboardMetric, { option: string; symbol: string }>> = {
  "error-kappa": { option: "error consistency κ (correct/wrong)", symbol: "κ" },
  "response-kappa": { option: "response κ (the answers themselves)", symbol: "response κ" },
  "capa-discrete": { option: "CAPA κ_p on the answers (capa-discrete)", symbol: "κ_p" },
  capa: { option: "CAPA κ_p on the models' probabilities (capa)", symbol: "κ_p" },
  dmc: { option: "decision-margin consistency (dmc)", symbol: "dmc" },
};
