/** The package version, printed by `trialwise --version` and in reports. */
export const VERSION = "0.1.0";
