/**
 * `trialwise experiment serve`: the experiment page, its bundle, the stimuli (by id only) and a
 * JSON API that starts participants and stores every trial as it arrives. Node only (fastify,
 * DuckDB).
 *
 * API (JSON; a participant's calls carry `Authorization: Bearer <token>`):
 * - GET  /api/experiment: protocol, categories, response keys, consent and debrief (public settings)
 * - POST /api/participants: a new participant (body: the link's PROLIFIC_PID, STUDY_ID,
 *   SESSION_ID or participant id, if any): its name, secret token and design; an external id
 *   that has taken part already is refused (409)
 * - GET  /api/participants/:name: the design again and the next unstored trial (resuming)
 * - POST /api/participants/:name/calibration: the screen calibration (pixels per cm, distance)
 * - POST /api/participants/:name/trials: one main trial; 201, or 4xx with the reason (logged)
 * - POST /api/participants/:name/finish: marks the participant finished once all trials are in;
 *   answers where to send the participant (the completion redirect)
 *
 * Starts and submissions are limited per address (429), bodies to 8 KiB (413); every answer
 * carries security headers (a CSP the page passes). Export and status while it runs go to a
 * separate loopback-only admin listener (admin.ts); this listener has no admin route.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import sharp from "sharp";
import { InputError, UsageError } from "../core/errors.ts";
import { checkName } from "../core/file-names.ts";
import { contentType } from "../io/content-type.ts";
import { type Stimulus, readStimuli } from "../evaluate/stimuli.ts";
import {
  CATEGORIES_16,
  type ConditionOrder,
  type DesignStimulus,
  type ExperimentPlan,
  type ParticipantDesign,
  STUDY_ID_RULE,
  isStudyId,
  participantDesign,
  participantName,
  participantNumber,
  planExperiment,
  studyIdFromStore,
} from "./design.ts";
import { startAdmin } from "./admin.ts";
import { parseCalibration, stimulusSidePx } from "./calibration.ts";
import { markdownToHtml } from "./markdown.ts";
import { type Protocol, completionRedirect, measurementProtocol, responseKeys } from "./protocol.ts";
import { RateLimiter } from "./rate-limit.ts";
import { type ParticipantRecord, TrialStore, hashToken } from "./store.ts";
import { parseStartRequest, validateSubmission } from "./validation.ts";

/** Where `npm run build` puts the experiment's browser bundle (beside src/ and dist/ alike). */
export const BUNDLE_FOLDER = fileURLToPath(new URL("../../build/web/experiment/", import.meta.url));

export interface ExperimentServerOptions {
  /** Stimulus folder (`<category>/<image>`) or manifest CSV `file,category[,condition]`. */
  stimuli: string;
  /** Dataset name of the exported files; default: the stimulus folder's (or manifest's) name. */
  dataset?: string;
  store: string;
  protocol: Protocol;
  /** Response categories (grid order); default the 16 of the published experiments. */
  categories?: readonly string[];
  seed: number;
  trialsPerParticipant?: number;
  conditions?: readonly string[];
  conditionsPerParticipant?: number;
  conditionOrder?: ConditionOrder;
  /** Separate stimuli for practice; default: stimuli of the set not used in the main block. */
  practiceStimuli?: string;
  /** Folder with one image per category (`<category>.png`, .svg, .jpg) for the icon response grid. */
  icons?: string;
  /** Prefix of participant names (`<study>-subject-01`); default from the store's file name. */
  study?: string;
  /** Consent and debrief texts (HTML or Markdown files) shown before the start and after the end. */
  consent?: string;
  debrief?: string;
  host?: string;
  port?: number;
  /** Take the client address from X-Forwarded-For as a reverse proxy on this machine (127.0.0.1, ::1) adds it; only behind such a proxy. */
  trustProxy?: boolean;
  /** Per-address limits: new participants per hour, submissions (trials, calibration, finish) per minute. */
  limits?: Partial<RequestLimits>;
  /** Receives one line per event worth a log (participants, rejected trials). */
  log?: (line: string) => void;
}

export interface ExperimentServer {
  url: string;
  /** The study id that prefixes participant names. */
  study: string;
  plan: ExperimentPlan;
  store: TrialStore;
  close(): Promise<void>;
}

/** Icon files looked for, in this order: `<category><extension>`. */
const ICON_EXTENSIONS = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".svg", ".gif"];

function designStimuli(stimuli: readonly Stimulus[], prefix: string): { design: DesignStimulus[]; paths: Map<string, string> } {
  const paths = new Map<string, string>();
  const design = stimuli.map((s, i) => {
    const id = `${prefix}${i}`;
    paths.set(id, s.path);
    return { id, name: s.name, category: s.category, condition: s.condition };
  });
  return { design, paths };
}

/** SHA-256 over every stimulus's name, category and condition: a store is tied to its stimulus set. */
function fingerprint(stimuli: readonly DesignStimulus[]): string {
  const hash = createHash("sha256");
  for (const s of stimuli) hash.update(`${s.id}\u0000${s.name}\u0000${s.category}\u0000${s.condition}\n`);
  return hash.digest("hex").slice(0, 16);
}

function iconFiles(folder: string, categories: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const category of categories) {
    const file = ICON_EXTENSIONS.map((ext) => join(folder, `${category}${ext}`)).find((path) => existsSync(path));
    if (file) found.set(category, file);
  }
  const missing = categories.filter((c) => !found.has(c));
  if (missing.length > 0)
    throw new InputError(`no icon for ${missing.join(", ")}; expected <category>.png (or .svg, .jpg) for every category`, { file: folder });
  return found;
}

/** Formats of stimulus images (as sharp names them) that browsers display; of the others a stimulus set may hold, sharp reads TIFF only. */
const BROWSER_FORMATS: Record<string, string> = { png: "PNG", jpeg: "JPEG", webp: "WebP" };

/** Images decoded at once while checking a stimulus set (sharp decodes on libuv's threads). */
const DECODING_AT_ONCE = 8;

/**
 * Refuses stimulus images that a participant's browser would not show: every image is decoded
 * in full (sharp; a truncated file fails, not only a wrong header), and its format must be one
 * browsers display (TIFF, which sharp reads, is not). A broken image would otherwise be a trial
 * answered without a stimulus. The error names the first few images and how many there are.
 */
async function checkImagesShow(paths: readonly string[], source: string): Promise<void> {
  const problems: (string | undefined)[] = new Array(paths.length);
  for (let start = 0; start < paths.length; start += DECODING_AT_ONCE) {
    await Promise.all(
      paths.slice(start, start + DECODING_AT_ONCE).map(async (path, i) => {
        try {
          const image = sharp(path);
          const { format } = await image.metadata();
          if (!(format in BROWSER_FORMATS)) {
            problems[start + i] = `${String(format).toUpperCase()}, which browsers do not display`;
            return;
          }
          await image.raw().toBuffer();
        } catch (error) {
          problems[start + i] = `does not decode: ${(error as Error).message.split("\n")[0]}`;
        }
      }),
    );
  }
  const failed = paths.flatMap((path, i) => (problems[i] === undefined ? [] : [`${path} (${problems[i]})`]));
  if (failed.length === 0) return;
  const more = failed.length > 5 ? ` and ${failed.length - 5} more` : "";
  throw new InputError(
    `${failed.length} of ${paths.length} stimulus images cannot be shown in a browser: ${failed.slice(0, 5).join(", ")}${more}; expected ${Object.values(
      BROWSER_FORMATS,
    )
      .join(", ")
      .replace(/, (?=[^,]*$)/, " or ")} images that decode`,
    { file: source },
  );
}

export interface RequestLimits {
  /** New participants per address per hour. */
  startsPerHour: number;
  /** Trials, calibrations and finishes per address per minute (a participant sends about 20 trials a minute). */
  submissionsPerMinute: number;
}

/**
 * Defaults allow a lab behind one address (20 machines at once) and stop a script from
 * creating participants or rows in bulk.
 */
export const DEFAULT_LIMITS: Readonly<RequestLimits> = Object.freeze({ startsPerHour: 60, submissionsPerMinute: 600 });

/** Who a request is from, once its token is checked. */
type Identity = { number: number; name: string };

/** Largest request body: a trial is about 250 bytes. */
export const BODY_LIMIT_BYTES = 8 * 1024;

/** Longest part of a rejected body kept in the store's rejections (the reason is always kept whole). */
const STORED_BODY_CHARS = 1000;

/** Consent or debrief text from a file: HTML as it is, Markdown converted (see markdown.ts). */
async function protocolText(path: string | undefined, flag: string): Promise<string | null> {
  if (path === undefined) return null;
  const extension = extname(path).toLowerCase();
  if (![".html", ".htm", ".md", ".markdown"].includes(extension))
    throw new InputError(`expected an HTML (.html) or Markdown (.md) file for ${flag}`, { file: path });
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InputError(
      `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected an HTML or Markdown file for ${flag}`,
      { file: path },
    );
  }
  if (text.trim() === "") throw new InputError(`empty; expected the text of the ${flag.slice(2)} screen`, { file: path });
  return extension.startsWith(".htm") ? text : markdownToHtml(text);
}

/**
 * Headers on every answer. The CSP allows the page's own script, styles and images only (plus
 * the inline style of the page's background, by its hash, style attributes, and jsPsych's
 * embedded font), no framing, no forms, no other origin: a text injected into the page cannot
 * run a script or send data elsewhere.
 */
function securityHeaders(styleHash: string): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'none'",
      "script-src 'self'",
      `style-src 'self' '${styleHash}'`,
      // jsPsych's plugins write style attributes into their markup; attributes cannot load or run anything.
      "style-src-attr 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "connect-src 'self'",
      // jsPsych's stylesheet embeds its font as a data: URL.
      "font-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), fullscreen=(self)",
  };
}

/** Starts the experiment server; resolves once it listens. */
export async function startExperimentServer(options: ExperimentServerOptions): Promise<ExperimentServer> {
  if (!existsSync(join(BUNDLE_FOLDER, "experiment.js"))) {
    throw new InputError("the experiment's browser bundle is missing; run `npm run build` (or `npm run build:web`) first", {
      file: BUNDLE_FOLDER,
    });
  }
  // The dataset names the exported files.
  const dataset = options.dataset ?? basename(resolve(options.stimuli)).replace(/\.csv$/i, "");
  checkName(
    dataset,
    options.dataset === undefined
      ? {
          file: options.stimuli,
          what: `the dataset's name from the stimulus ${/\.csv$/i.test(options.stimuli) ? "manifest's" : "folder's"} name`,
          flag: "--name",
        }
      : { flag: "--name" },
  );
  const study = options.study ?? studyIdFromStore(options.store);
  if (!isStudyId(study)) throw new UsageError(`--study: ${JSON.stringify(study)} is not a study id; expected ${STUDY_ID_RULE}`);
  const categories = options.categories ?? CATEGORIES_16;
  const protocol = options.protocol;
  const keys = responseKeys(protocol, categories);
  if (protocol.responseLayout === "icons" && !options.icons) throw new InputError("the icon layout needs an icons folder (--icons)");
  const icons = protocol.responseLayout === "icons" ? iconFiles(options.icons!, categories) : undefined;
  const [consentHtml, debriefHtml] = [await protocolText(options.consent, "--consent"), await protocolText(options.debrief, "--debrief")];
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const main = designStimuli(await readStimuli(options.stimuli), "");
  const practiceSet = options.practiceStimuli ? designStimuli(await readStimuli(options.practiceStimuli), "p") : undefined;
  await checkImagesShow([...main.paths.values()], options.stimuli);
  if (practiceSet) await checkImagesShow([...practiceSet.paths.values()], options.practiceStimuli!);
  const paths = new Map([...main.paths, ...(practiceSet?.paths ?? [])]);
  const plan = planExperiment(
    main.design,
    {
      seed: options.seed,
      trialsPerParticipant: options.trialsPerParticipant,
      conditions: options.conditions,
      conditionsPerParticipant: options.conditionsPerParticipant,
      conditionOrder: options.conditionOrder,
      practiceTrials: protocol.practiceTrials,
      practiceStimuli: practiceSet?.design,
      categories,
      catchTrials: protocol.catchTrials,
    },
    options.stimuli,
  );
  // Every participant does the same number of main trials: the stimuli of its conditions and the attention checks.
  const trialsPerParticipant = [...plan.stimuliByCondition.values()][0].length * plan.conditionsPerParticipant + plan.catchTrials;
  const store = await TrialStore.open(options.store, {
    dataset,
    study,
    trialsPerParticipant,
    design: {
      stimuli: fingerprint(main.design),
      practiceStimuli: practiceSet ? fingerprint(practiceSet.design) : null,
      seed: plan.seed,
      conditions: plan.conditions,
      conditionsPerParticipant: plan.conditionsPerParticipant,
      conditionOrder: plan.conditionOrder,
      categories,
      protocol: measurementProtocol(protocol),
    },
  });
  const log = options.log ?? (() => undefined);
  const designs = new Map<number, ParticipantDesign>();
  const designOf = (number: number) => {
    let design = designs.get(number);
    if (!design) designs.set(number, (design = participantDesign(plan, number)));
    return design;
  };

  const page = pageHtml(dataset, protocol);
  const headers = securityHeaders(page.styleHash);
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Only a proxy on this machine is believed, and only for the address it appended (the last
    // in X-Forwarded-For), never one a client wrote in front of it.
    trustProxy: options.trustProxy === true ? "loopback" : false,
  });
  app.addHook("onSend", async (request, reply, payload) => {
    reply.headers(headers);
    if (request.url.startsWith("/api/")) reply.header("cache-control", "no-store");
    return payload;
  });

  // Per-address limits, checked before a body is parsed or the store is touched. A refusal is
  // logged once per address until it may send again, so a flood cannot flood the log either.
  const starts = new RateLimiter(limits.startsPerHour, 3_600_000);
  const submissions = new RateLimiter(limits.submissionsPerMinute, 60_000);
  const refusing = new Set<string>();
  const sweep = setInterval(() => {
    starts.sweep(Date.now());
    submissions.sweep(Date.now());
  }, 60_000);
  sweep.unref();
  app.addHook("onRequest", async (request, reply) => {
    if (request.method !== "POST") return;
    const [limiter, what] = request.url === "/api/participants" ? [starts, "new participants"] : [submissions, "submissions"];
    const now = Date.now();
    const key = `${what} ${request.ip}`;
    if (limiter.take(request.ip, now)) {
      refusing.delete(key);
      return;
    }
    const wait = Math.ceil(limiter.retryAfterMs(request.ip, now) / 1000);
    const reason = `too many ${what} from this address (at most ${limiter.limit} per ${limiter === starts ? "hour" : "minute"}); try again in ${wait} s`;
    if (!refusing.has(key)) {
      refusing.add(key);
      log(
        `refused ${request.method} ${request.url} from ${request.ip}: ${reason} (further refusals of this address are not logged until it may send again)`,
      );
    }
    return reply.code(429).header("retry-after", String(wait)).send({ error: reason });
  });

  await app.register(fastifyStatic, { root: BUNDLE_FOLDER, prefix: "/app/", index: false });

  app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(page.html));
  // Browsers ask for it; an empty answer keeps a 404 out of participants' consoles.
  app.get("/favicon.ico", async (_request, reply) => reply.code(204).send());

  app.get<{ Params: { id: string } }>("/stimuli/:id", async (request, reply) => {
    // Only ids of the stimulus set: a path never comes from the request.
    const path = paths.get(request.params.id);
    if (!path) return reply.code(404).send({ error: "no such stimulus" });
    reply.header("cache-control", "private, max-age=86400");
    return reply.type(contentType(path)).sendFile(basename(path), dirname(path));
  });

  app.get<{ Params: { category: string } }>("/icons/:category", async (request, reply) => {
    const path = icons?.get(request.params.category);
    if (!path) return reply.code(404).send({ error: "no such icon" });
    return reply.type(contentType(path)).sendFile(basename(path), dirname(path));
  });

  app.get("/api/experiment", async () => ({
    dataset,
    protocol: measurementProtocol(protocol),
    categories,
    keys,
    trialsPerParticipant,
    practiceTrials: plan.practice.length,
    consentHtml,
    debriefHtml,
  }));

  const publicDesign = (record: ParticipantRecord, next: number) => {
    const design = designOf(record.number);
    return {
      name: record.name,
      seed: design.seed,
      conditions: design.conditions,
      trials: design.trials.map((t) => t.stimulus.id),
      practice: design.practice.map((s) => ({ stimulus: s.id, category: s.category })),
      next,
      finished: record.finishedAt !== null,
      externalId: record.external?.id ?? null,
      stimulusPx: record.calibration?.stimulusPx ?? null,
    };
  };

  const rejectRequest = async (record: Identity | null, status: number, reason: string, body: unknown, reply: FastifyReply) => {
    const who = record ? record.name : "unknown participant";
    const trial =
      typeof body === "object" && body !== null && "trial" in body ? ` trial ${JSON.stringify((body as { trial: unknown }).trial)}` : "";
    log(`rejected${trial} from ${who}: ${reason}`);
    await store.reject(record?.number ?? null, reason, body === undefined ? null : truncated(body));
    return reply.code(status).send({ error: reason });
  };

  app.post("/api/participants", async (request, reply) => {
    const start = parseStartRequest(request.body);
    if (!start.ok) return rejectRequest(null, 400, start.reason, request.body, reply);
    const token = randomBytes(16).toString("hex");
    const userAgent = String(request.headers["user-agent"] ?? "").slice(0, 400);
    const added = await store.addParticipant(
      hashToken(token),
      userAgent,
      (number) => {
        const design = designOf(number);
        return { name: participantName(number, study), seed: design.seed, conditions: design.conditions };
      },
      start.external,
    );
    if ("duplicate" in added) {
      const earlier = added.duplicate;
      const label = start.external!.source === "prolific" ? "Prolific id" : "participant id";
      const state = earlier.finishedAt !== null ? "finished" : `${earlier.storedTrials} of ${trialsPerParticipant} trials stored`;
      return rejectRequest(
        earlier,
        409,
        `${label} ${start.external!.id} has already taken part (as ${earlier.name}, ${state}); it counts once: continue in the browser in which you started`,
        request.body,
        reply,
      );
    }
    const via = added.external ? `; ${added.external.source} id ${added.external.id}` : "";
    log(`${added.name} started (conditions ${added.conditions.join(", ")}; seed ${added.seed}${via})`);
    return reply.code(201).send({ ...publicDesign(added, 0), token });
  });

  /** The participant named in the URL, when the request carries its token; else a reply is sent. */
  const authorised = async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply): Promise<Identity | undefined> => {
    const number = participantNumber(request.params.name, study);
    const identity = number === undefined ? undefined : await store.identity(number);
    if (!identity || identity.name !== request.params.name) {
      await rejectRequest(null, 404, `unknown participant ${JSON.stringify(request.params.name.slice(0, 80))}`, request.body, reply);
      return undefined;
    }
    const token = /^Bearer ([0-9a-f]{32})$/.exec(String(request.headers.authorization ?? ""))?.[1];
    const ok = token !== undefined && timingSafeEqual(Buffer.from(hashToken(token)), Buffer.from(identity.tokenHash));
    if (!ok) {
      await rejectRequest(identity, 401, "missing or wrong participant token", request.body, reply);
      return undefined;
    }
    return identity;
  };

  app.get<{ Params: { name: string } }>("/api/participants/:name", async (request, reply) => {
    const identity = await authorised(request, reply);
    if (!identity) return reply;
    return publicDesign((await store.participant(identity.number))!, await store.storedCount(identity.number));
  });

  app.post<{ Params: { name: string } }>("/api/participants/:name/calibration", async (request, reply) => {
    const record = await authorised(request, reply);
    if (!record) return reply;
    if (protocol.stimulusDeg === 0)
      return rejectRequest(record, 409, "this experiment has no calibration (stimulusDeg is 0)", request.body, reply);
    const parsed = parseCalibration(request.body);
    if (!parsed.ok) return rejectRequest(record, 400, parsed.reason, request.body, reply);
    const stimulusPx = stimulusSidePx(protocol.stimulusDeg, parsed.measurement.viewingDistanceCm, parsed.measurement.pxPerCm);
    if (stimulusPx < 16)
      return rejectRequest(
        record,
        400,
        `${protocol.stimulusDeg} degrees at this calibration are ${stimulusPx} pixels; expected at least 16`,
        request.body,
        reply,
      );
    await store.setCalibration(record.number, { ...parsed.measurement, stimulusPx });
    log(
      `${record.name} calibrated: ${parsed.measurement.pxPerCm.toFixed(1)} px/cm at ${parsed.measurement.viewingDistanceCm} cm: stimulus ${stimulusPx} px`,
    );
    return reply.code(201).send({ stimulusPx });
  });

  app.post<{ Params: { name: string } }>("/api/participants/:name/trials", async (request, reply) => {
    const record = await authorised(request, reply);
    if (!record) return reply;
    if (protocol.stimulusDeg > 0 && !(await store.calibrated(record.number)))
      return rejectRequest(record, 409, "no calibration stored yet; expected the calibration before the trials", request.body, reply);
    const design = designOf(record.number);
    const verdict = await store.storeTrial(record.number, (stored) =>
      validateSubmission(request.body, design, stored, protocol, categories),
    );
    if (!verdict.ok) return rejectRequest(record, verdict.status, verdict.reason, request.body, reply);
    if (!verdict.trial.timingOk && !verdict.trial.stimulusInfo.catchTrial) {
      log(
        `${record.name} trial ${verdict.trial.trial + 1}: timing outside tolerance (stimulus ${verdict.trial.stimulusMs.toFixed(1)} ms, mask ${verdict.trial.maskMs.toFixed(1)} ms)`,
      );
    }
    return reply.code(201).send({ stored: verdict.trial.trial, next: verdict.trial.trial + 1, timingOk: verdict.trial.timingOk });
  });

  app.post<{ Params: { name: string } }>("/api/participants/:name/finish", async (request, reply) => {
    const record = await authorised(request, reply);
    if (!record) return reply;
    const stored = await store.storedCount(record.number);
    if (stored < trialsPerParticipant)
      return rejectRequest(record, 409, `only ${stored} of ${trialsPerParticipant} trials are stored`, request.body, reply);
    await store.markFinished(record.number);
    log(`${record.name} finished`);
    const external = (await store.participant(record.number))!.external;
    return { finished: true, name: record.name, redirect: completionRedirect(protocol, external?.id ?? null) };
  });

  app.setErrorHandler(async (error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) log(`internal error on ${request.method} ${request.url}: ${error.message}`);
    else {
      log(`rejected ${request.method} ${request.url} from ${request.ip}: ${error.message}`);
      await store.reject(null, error.message, null);
    }
    return reply.code(status).send({ error: status === 500 ? "internal error" : error.message });
  });

  let address: string;
  try {
    address = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 8080 });
  } catch (error) {
    clearInterval(sweep);
    await store.close();
    throw new InputError(
      `cannot listen on ${options.host ?? "127.0.0.1"}:${options.port ?? 8080} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let admin: Awaited<ReturnType<typeof startAdmin>>;
  try {
    admin = await startAdmin(store, log);
  } catch (error) {
    clearInterval(sweep);
    await app.close();
    await store.close();
    throw error;
  }
  return {
    url: address.replace("://127.0.0.1", "://localhost"),
    plan,
    store,
    study,
    close: async () => {
      clearInterval(sweep);
      await admin.close();
      await app.close();
      await store.close();
    },
  };
}

/** A rejected body as stored: its JSON cut to {@link STORED_BODY_CHARS} characters. */
function truncated(body: unknown): unknown {
  const text = JSON.stringify(body) ?? "null";
  return text.length <= STORED_BODY_CHARS ? body : `${text.slice(0, STORED_BODY_CHARS)}... (${text.length} characters)`;
}

/**
 * The experiment page: the bundle does the rest. Its one inline style (the background) is
 * allowed by the CSP through its SHA-256 hash.
 */
function pageHtml(dataset: string, protocol: Protocol): { html: string; styleHash: string } {
  const title = dataset.replace(/[<>&"]/g, "");
  const style = `html, body { background: ${protocol.background.replace(/[^#a-zA-Z0-9(),. %]/g, "")}; }`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – experiment</title>
<link rel="stylesheet" href="/app/experiment.css">
<style>${style}</style>
</head>
<body>
<script type="module" src="/app/experiment.js"></script>
</body>
</html>
`;
  return { html, styleHash: `sha256-${createHash("sha256").update(style).digest("base64")}` };
}
