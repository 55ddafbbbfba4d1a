/**
 * The `trialwise serve` dashboard page. It fetches the datasets from the server, hands them to
 * the workers for every computation, and renders linked views: observers, the clustered kappa
 * matrix, consistency scatters with the chance region, kappa vs accuracy, group summaries, the
 * model ranking, per-condition curves and the trials behind the selected pair.
 *
 * Where things are:
 * - ./session.ts: what the reader is looking at (view state, picks, analysis generations), changed by named transitions;
 * - ./url.ts: the state in the URL's query string (./state.ts), and the section scrolled to;
 * - ./update.ts: a change of state applied, and the views redrawn (a new analysis where needed);
 *   views ask for changes through ./requests.ts, which this file connects to it;
 * - ./layout.ts: the page's elements and controls;
 * - ./sections/: one file per section of the page (observers, heatmap, pair, scatter, groups, ranking, accuracy, conditions);
 * - ./datasets.ts: the server's datasets, their payloads, uploads and removing them;
 * - ./workers.ts: the two computation workers (./worker.entry.ts, messages in ./messages.ts);
 * - ./figure-views.ts and ./exports.ts: drawing named figures, and their SVG, PNG and CSV exports;
 * - ./status.ts: the status line, errors and whether an update is in progress;
 * - ./exposed.ts: `window.__trialwise`, for tests and tools.
 */
import "./app.css";
import { loadDatasetList } from "./datasets.ts";
import { exposeForTools } from "./exposed.ts";
import { buildLayout } from "./layout.ts";
import { tracked } from "./status.ts";
import { connectUpdateCycle } from "./requests.ts";
import { analyse, chooseDataset, update } from "./update.ts";

connectUpdateCycle({ update, analyse, chooseDataset });
exposeForTools();
buildLayout();
void tracked(async () => {
  await loadDatasetList();
  await analyse();
});
