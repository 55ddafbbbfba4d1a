/**
 * The metrics the dashboard's matrix can show (issue 16's metric selector) and their names,
 * apart from their computation (./metric-matrix.ts, run in the worker) so that the page's
 * controls and URL state do not load it.
 */

/** The metrics the selector offers: error kappa (the default, the analysis's) and those computable from answers alone. */
export const DASHBOARD_METRICS = ["error-kappa", "response-kappa", "capa-discrete"] as const;
export type DashboardMetric = (typeof DASHBOARD_METRICS)[number];
/** The response-level metrics of the selector. */
export type AnswerMetric = Exclude<DashboardMetric, "error-kappa">;

/** How the selector and the matrix's legend name each metric. */
export const METRIC_NAMES: Readonly<Record<DashboardMetric, { option: string; symbol: string }>> = {
  "error-kappa": { option: "error consistency κ (correct/wrong)", symbol: "κ" },
  "response-kappa": { option: "response κ (the answers themselves)", symbol: "response κ" },
  "capa-discrete": { option: "CAPA κ_p on the answers (capa-discrete)", symbol: "κ_p" },
};
