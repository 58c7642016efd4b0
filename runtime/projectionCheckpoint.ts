import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LogPosition } from '../store/port.ts';

/**
 * Where the projection engine keeps its checkpoint (S2: a cache, never the
 * truth): one file per host under PHOENIX_HOME/checkpoints, whatever the log.
 *
 * Why a file and not a table beside the log or a stream in it: the log holds
 * facts and nothing else, so a copy or backup of it never carries a stale
 * cache, and replay, audits and the watchdog never meet one; a save of a few
 * hundred kilobytes never takes the log's write lock or its fsync ahead of an
 * order's write-ahead; a lost or broken file costs one full read, never a
 * fact. The same holds for EventStoreDB: a checkpoint stream would put a
 * cache into the replicated truth, where every `$all` reader meets it, so a
 * host keeps its file locally and a host on a new machine replays once.
 *
 * The file is signed with the chain key (HMAC-SHA256, the key the host seals
 * its commits with, runtime/chain): only a process holding the key can write
 * a checkpoint the host will load, so a hand-made or edited one, which could
 * carry state no verified bead gave, is refused like a corrupt one. It is
 * written to a temporary name and renamed over the last, so a crash mid-save
 * leaves the previous checkpoint.
 */

/** The last bead the checkpoint covers: at start it must still be in the log, at the same place, or the log is not the one the state came from. */
export interface CheckpointAnchor {
  position: LogPosition;
  stream: string;
  revision: number;
  beadId: string;
}

export interface SavedFold {
  name: string;
  version: string;
  /** The fold's state, serialised (v8 structured clone). */
  data: Buffer;
}

export interface Checkpoint {
  /** The global position of the last entry every fold in it has folded. */
  position: LogPosition;
  anchor: CheckpointAnchor | undefined;
  /** The code that wrote it (PHOENIX_VERSION): another build replays. */
  codeVersion: string;
  /** The log's adapter: a checkpoint of an EventStoreDB log is no use on SQLite. */
  logName: string;
  savedAt: number;
  folds: SavedFold[];
}

export type LoadResult = { ok: true; checkpoint: Checkpoint } | { ok: false; why: string; missing?: true };

export interface CheckpointStore {
  /** Where it lives, for log lines. */
  readonly where: string;
  load(): Promise<LoadResult>;
  save(checkpoint: Checkpoint): Promise<void>;
}

const MAGIC = 'PHOENIX-CHECKPOINT/1';

interface Header extends Omit<Checkpoint, 'folds'> {
  magic: string;
  folds: { name: string; version: string; bytes: number }[];
  mac: string;
}

function macOf(key: Buffer, header: Omit<Header, 'mac'>, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(JSON.stringify(header)).update('\n').update(payload).digest();
}

/** The file a host keeps its checkpoint in. */
export function checkpointPath(homeDir: string, hostId: string): string {
  return join(homeDir, 'checkpoints', `${encodeURIComponent(hostId)}.ckpt`);
}

export function fileCheckpoints(path: string, key: Buffer): CheckpointStore {
  return {
    where: path,
    async load() {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { ok: false, missing: true, why: code === 'ENOENT' ? `no checkpoint at ${path}` : `the checkpoint at ${path} could not be read (${code})` };
      }
      return decode(bytes, key);
    },
    async save(checkpoint) {
      const bytes = encode(checkpoint, key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.tmp`;
      try {
        await writeFile(temporary, bytes, { mode: 0o600 });
        await rename(temporary, path);
      } catch (err) {
        await rm(temporary, { force: true });
        throw err;
      }
    },
  };
}

export function encode(c: Checkpoint, key: Buffer): Buffer {
  const payload = Buffer.concat(c.folds.map((f) => f.data));
  const header: Omit<Header, 'mac'> = {
    magic: MAGIC,
    position: c.position,
    anchor: c.anchor,
    codeVersion: c.codeVersion,
    logName: c.logName,
    savedAt: c.savedAt,
    folds: c.folds.map((f) => ({ name: f.name, version: f.version, bytes: f.data.length })),
  };
  const text = Buffer.from(JSON.stringify({ ...header, mac: macOf(key, header, payload).toString('hex') }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length);
  return Buffer.concat([length, text, payload]);
}

export function decode(bytes: Buffer, key: Buffer): LoadResult {
  const corrupt = (why: string): LoadResult => ({ ok: false, why: `the checkpoint is corrupt: ${why}` });
  if (bytes.length < 4) return corrupt('shorter than its header');
  const length = bytes.readUInt32BE(0);
  if (4 + length > bytes.length) return corrupt('its header runs past the end of the file');
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as Header;
  } catch {
    return corrupt('its header is not JSON');
  }
  if (header?.magic !== MAGIC || !Array.isArray(header.folds) || typeof header.mac !== 'string') return corrupt('not a checkpoint of this format');
  const payload = bytes.subarray(4 + length);
  const { mac, ...unsigned } = header;
  const expected = macOf(key, unsigned, payload);
  const given = Buffer.from(mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, why: 'the checkpoint does not carry the chain key\'s MAC: edited, written by something else, or torn' };
  }
  const folds: SavedFold[] = [];
  let at = 0;
  for (const f of header.folds) {
    folds.push({ name: f.name, version: f.version, data: payload.subarray(at, at + f.bytes) });
    at += f.bytes;
  }
  return { ok: true, checkpoint: { position: header.position, anchor: header.anchor, codeVersion: header.codeVersion, logName: header.logName, savedAt: header.savedAt, folds } };
}
