/** The dashboard server's memory limits by default; apart from the server, so that `trialwise serve --help` states them without loading it. */

/** Default upload limit: 200 MB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

/**
 * Default limit on the uploads held, counted as the sizes of the uploaded files: 500 MB (the
 * trials read from a CSV file take a few times its size in memory). Never below the upload limit.
 */
export const DEFAULT_MAX_HELD_BYTES = 500 * 1024 * 1024;
