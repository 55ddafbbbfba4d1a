/**
 * Screen calibration, so that a stimulus can be given in degrees of visual angle: the
 * participant scales a card outline on screen until it matches a bank card held against the
 * screen (ISO/IEC 7810 ID-1: 85.60 mm wide), which gives CSS pixels per centimetre, and states
 * the viewing distance. Isomorphic: the browser computes, the server checks and stores.
 */

/** Width of an ID-1 card (bank and credit cards), in cm. */
export const CARD_WIDTH_CM = 8.56;
/** Height of an ID-1 card, in cm. */
export const CARD_HEIGHT_CM = 5.398;

/** What the page measured. */
export interface CalibrationMeasurement {
  /** CSS pixels per cm: the matched card's width in CSS pixels / 8.56. */
  pxPerCm: number;
  viewingDistanceCm: number;
  devicePixelRatio: number;
  screenWidthPx: number;
  screenHeightPx: number;
}

/** Plausible ranges of the measured values (a phone at 400 dpi is about 60 CSS px/cm; a 96-dpi screen 37.8). */
export const CALIBRATION_LIMITS = {
  pxPerCm: [10, 200],
  viewingDistanceCm: [20, 300],
  devicePixelRatio: [0.25, 10],
  screenWidthPx: [100, 20_000],
  screenHeightPx: [100, 20_000],
} as const;

/**
 * Side in CSS pixels of a square stimulus subtending `degrees` of visual angle at
 * `viewingDistanceCm`: 2 d tan(deg / 2) cm, times pixels per cm, rounded to a whole pixel.
 * @example stimulusSidePx(4, 57, 40) // => 159
 */
export function stimulusSidePx(degrees: number, viewingDistanceCm: number, pxPerCm: number): number {
  return Math.round(2 * viewingDistanceCm * Math.tan((degrees * Math.PI) / 360) * pxPerCm);
}

/** The measurement in a submitted body, or the reason it is refused (a field out of its range). */
export function parseCalibration(body: unknown): { ok: true; measurement: CalibrationMeasurement } | { ok: false; reason: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { ok: false, reason: "expected a JSON object" };
  const b = body as Record<string, unknown>;
  const measurement = {} as Record<keyof CalibrationMeasurement, number>;
  for (const [field, [low, high]] of Object.entries(CALIBRATION_LIMITS) as [keyof CalibrationMeasurement, readonly [number, number]][]) {
    const value = b[field];
    if (typeof value !== "number" || !(value >= low && value <= high))
      return { ok: false, reason: `${field}: ${JSON.stringify(value)} is not plausible; expected a number from ${low} to ${high}` };
    measurement[field] = value;
  }
  return { ok: true, measurement };
}
