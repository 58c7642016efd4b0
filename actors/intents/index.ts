/** The intent file seam (S5.1): what the host, the approval flow and mock-cse use. */
export { FileExistsError, writeFileAtomic } from './atomicWrite.ts';
export { type IntentFolders, intentFolders } from './folders.ts';
export { DEFAULT_RESCAN_MS, type IntentWatcher, type IntentWatcherOptions, startIntentWatcher } from './intentWatcher.ts';
export { type IntentJudgement, judgeIntentValue } from './judgeIntent.ts';
export { implausiblePrices, type PriceBand, priceBand } from './plausibility.ts';
export type { IntentOutcome, ReadyIntentHandler } from './processIntentFile.ts';
export { MAX_INTENT_BYTES } from './readIntentFile.ts';
export { mdText, renderIntentResponse, renderIntentTable, responsePath, writeResponse } from './responseFile.ts';
