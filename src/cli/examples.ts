/** The published data in --help examples: where `trialwise data fetch geirhos2020` put it, so the examples work for any user. */
export const EXAMPLE_DATA = '"$(trialwise data path geirhos2020)"';
