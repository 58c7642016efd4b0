import { type FSWatcher, watch } from 'node:fs';
import { Mailbox } from '../../runtime/mailbox.ts';
import { readdir } from 'node:fs/promises';
import type { Clock, IdSource } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import type { EventLog } from '../../store/port.ts';
import { systemClock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import { type Logger, silentLogger } from '../../runtime/logger.ts';
import { classifyIncoming } from './fileNames.ts';
import { ensureIntentFolders, type IntentFolders, intentFolders } from './folders.ts';
import {
  claimAndProcess,
  type FileResult,
  type IntentOutcome,
  type IntentSeamDeps,
  processClaimed,
  type ReadyIntentHandler,
} from './processIntentFile.ts';
import { MAX_INTENT_BYTES } from './readIntentFile.ts';

export interface IntentWatcherOptions {
  config: Pick<Config, 'homeDir' | 'ACTIVE_PAIRS' | 'PHOENIX_HOST_ID' | 'mode'>;
  log: EventLog;
  clock?: Clock;
  ids?: IdSource;
  /** The root logger; the watcher takes a child `{ actor: 'intents' }`. */
  logger?: Logger;
  /** How often the folder is rescanned as a safety net for missed fs.watch events. */
  rescanMs?: number;
  /** false leaves it to the rescan alone, for filesystems where fs.watch does not work (some network mounts). */
  useFsWatch?: boolean;
  maxBytes?: number;
  /** A READY intent was accepted: hand it to the approval flow. Key on intent_id; see ReadyIntentHandler. */
  onReadyIntent?: ReadyIntentHandler;
  /** Every outcome, accepted or refused, after its bead is recorded and the file moved. */
  onOutcome?: (outcome: IntentOutcome) => void;
}

export interface IntentWatcher {
  readonly folders: IntentFolders;
  /** Runs a full pass over incoming/ (or joins one not yet started) and resolves when it is done. */
  scanNow(): Promise<void>;
  /** Stops watching; resolves once the file in hand is finished. */
  stop(): Promise<void>;
}

export const DEFAULT_RESCAN_MS = 2000;

/**
 * The intent file seam (S5.1). Creates the folders, processes whatever arrived
 * while the host was down, then follows incoming/ with fs.watch plus a periodic
 * rescan (fs.watch misses events on some filesystems). Files are handled one
 * at a time, in name order. Nothing escapes the loop: a bad file becomes a
 * refusal, and a failure to record or move becomes a log line and a retry.
 */
export async function startIntentWatcher(options: IntentWatcherOptions): Promise<IntentWatcher> {
  const folders = intentFolders(options.config.homeDir);
  await ensureIntentFolders(folders);
  const logger = (options.logger ?? silentLogger).child({ actor: 'intents' });
  const deps: IntentSeamDeps = {
    homeDir: options.config.homeDir,
    folders,
    activePairs: options.config.ACTIVE_PAIRS,
    log: options.log,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? uuidV7Ids,
    hostId: options.config.PHOENIX_HOST_ID,
    mode: options.config.mode,
    logger,
    maxBytes: options.maxBytes ?? MAX_INTENT_BYTES,
    ...(options.onReadyIntent ? { onReadyIntent: options.onReadyIntent } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  };
  const retries = new Map<string, number>();
  let stopped = false;
  let fsWatcher: FSWatcher | undefined;
  const mailbox = new Mailbox(logger, 'intent watcher');
  let queued: Promise<void> | undefined;

  const scanNow = (): Promise<void> => {
    if (stopped) return mailbox.settled();
    // A pass that has not started yet will see every file present now: join it.
    if (queued) return queued;
    queued = mailbox.run(() => {
      queued = undefined;
      return stopped ? undefined : pass();
    });
    return queued;
  };

  const armWatch = (): void => {
    if (fsWatcher || stopped || options.useFsWatch === false) return;
    try {
      const w = watch(folders.incoming, { persistent: false }, () => void scanNow());
      w.on('error', (err) => {
        // The rescan keeps working; the next pass tries to watch again.
        logger.warn({ err }, 'fs.watch on intents/incoming failed');
        w.close();
        if (fsWatcher === w) fsWatcher = undefined;
      });
      fsWatcher = w;
    } catch (err) {
      logger.warn({ err }, 'cannot watch intents/incoming; relying on the rescan');
    }
  };

  const note = (name: string, result: FileResult): void => {
    if (result.kind !== 'retry') {
      retries.delete(name);
      if (result.kind === 'done') {
        const { bead, movedTo } = result.outcome;
        logger.info({ intent_file: name, outcome: bead.data.outcome, stream: bead.stream, moved_to: movedTo }, 'intent file processed');
      }
      return;
    }
    const attempts = (retries.get(name) ?? 0) + 1;
    retries.set(name, attempts);
    // The same failure repeats on every pass while, say, the log is down: say it now and then.
    if (attempts === 1 || attempts % 30 === 0) {
      logger.warn({ intent_file: name, attempts, why: result.why }, 'intent file left in incoming/ to retry');
    }
  };

  const pass = async (): Promise<void> => {
    try {
      await ensureIntentFolders(folders);
      armWatch();
      const names = (await readdir(folders.incoming)).sort();
      for (const name of names) {
        if (stopped) return;
        const kind = classifyIncoming(name);
        if (kind.kind === 'temp') continue;
        try {
          const result =
            kind.kind === 'inflight'
              ? await processClaimed(deps, name, kind.beadId, kind.original)
              : await claimAndProcess(deps, name);
          note(kind.kind === 'inflight' ? kind.original : name, result);
        } catch (err) {
          note(name, { kind: 'retry', why: `unexpected: ${(err as Error).message}` });
        }
      }
    } catch (err) {
      logger.error({ err }, 'intent folder scan failed; will rescan');
    }
  };

  const timer = setInterval(() => void scanNow(), options.rescanMs ?? DEFAULT_RESCAN_MS);
  timer.unref();
  void scanNow();
  logger.info({ incoming: folders.incoming }, 'watching for intent files');

  return {
    folders,
    scanNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      fsWatcher?.close();
      fsWatcher = undefined;
      await mailbox.settled();
    },
  };
}
