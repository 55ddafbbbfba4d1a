/**
 * The layers of src/ and the rules between them, checked by `npm run check:layers`
 * (dependency-cruiser; part of `npm test`). CONTRIBUTING.md describes the layers.
 *
 * isomorphic: src/core (only itself), src/figures, src/web (browser code): no Node built-ins,
 *   not even through what they import;
 * libraries: src/io, src/kernel: may import src/core, not the apps;
 * apps: src/cli, src/serve, src/experiment, src/evaluate, src/reproduce, src/report.
 * No import cycles anywhere.
 */
const APPS = "^src/(cli|serve|experiment|evaluate|reproduce|report)/";
const ISOMORPHIC = "^src/(core|figures|web)/";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make load order matter and the layers meaningless.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment: "src/core is isomorphic and at the bottom: it imports only src/core (no Node built-ins, no packages).",
      from: { path: "^src/core/" },
      to: { pathNot: "^src/core/" },
    },
    {
      name: "isomorphic-without-node",
      severity: "error",
      comment: "src/core, src/figures and src/web run in browsers: no Node built-in, directly or through what they import.",
      from: { path: ISOMORPHIC },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "isomorphic-reaches-no-node",
      severity: "error",
      comment: "What browser code imports must not import Node built-ins either (a module that does is Node only).",
      from: { path: ISOMORPHIC },
      to: {
        reachable: true,
        path: "^(node:)?(fs|path|os|crypto|worker_threads|child_process|stream|url|module|net|http|events|util|zlib|readline|process|buffer|timers)(/|$)",
      },
    },
    {
      name: "figures-imports-core",
      severity: "error",
      comment: "src/figures builds figure specs from src/core's results.",
      from: { path: "^src/figures/" },
      to: { path: "^src/", pathNot: "^src/(core|figures)/" },
    },
    {
      name: "libraries-import-no-apps",
      severity: "error",
      comment: "src/io and src/kernel serve the apps; they import src/core (and each other), never an app or browser code.",
      from: { path: "^src/(io|kernel)/" },
      to: { path: [APPS, "^src/(web|figures)/"] },
    },
    {
      name: "nothing-imports-web",
      severity: "error",
      comment: "src/web is bundled for the browser (scripts/build-web.ts); Node code loads the bundles as files, never imports them.",
      from: { pathNot: "^src/web/" },
      to: { path: "^src/web/" },
    },
    {
      name: "src-imports-no-dev-dependency",
      severity: "error",
      comment:
        "A package src/ imports at run time must be a dependency (or onnxruntime-node, the optional peer evaluate loads): a library user has no devDependencies.",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only", "npm-peer"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import of something that is not there.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
    // `npm run graph:imports` draws the folders of src/ and the imports between them.
    reporterOptions: {
      archi: { collapsePattern: "^src/[^/]+/" },
    },
  },
};
