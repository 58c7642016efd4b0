import type { Config } from '../../runtime/config/load.ts';
import { chainKeyPath, loadChainKey } from '../../runtime/chain/chainKey.ts';
import { type StoredText, verifyLog, verifyRows } from '../../runtime/chain/verifyLog.ts';
import { entryOf, tagColumn } from '../../store/sqlite/decode.ts';
import { defaultLogPath } from '../../store/sqlite.ts';
import { hasTagColumn } from '../../store/sqlite/open.ts';
import Database from 'better-sqlite3';
import type { EventLog } from '../../store/port.ts';
import { type CommandIo, EXIT, writeError, writeLine } from '../command.ts';
import { paintFor } from '../terminal.ts';

/**
 * `phoenix replay --verify` (issue 17): the whole log against the hosts'
 * chains, with the host's chain key (PHOENIX_HOME/chain.key, read here and
 * never printed). Says the chain is intact, or names each row where it
 * breaks: its position, stream, revision and bead, first break first.
 * Exit 0 intact, 1 broken (or no key to check it with).
 */
export async function verifyCommand(log: EventLog, config: Config, io: CommandIo, json: boolean): Promise<number> {
  let key: Buffer | undefined;
  try {
    key = loadChainKey(config.homeDir, { create: false });
  } catch (err) {
    writeError(io, `phoenix replay --verify: ${(err as Error).message}`);
    return EXIT.failure;
  }
  if (!key) {
    writeError(io, `phoenix replay --verify: no chain key at ${chainKeyPath(config.homeDir)}: run it as the host's user, on the host's PHOENIX_HOME (a log no host has sealed cannot be verified)`);
    return EXIT.failure;
  }
  const report = config.logBackend === 'sqlite' ? verifySqliteRows(defaultLogPath(config.homeDir), key) : await verifyLog(log, key);
  if (json) {
    writeLine(io.stdout, JSON.stringify({ intact: report.findings.length === 0, ...report, ms: Math.round(report.ms) }));
    return report.findings.length === 0 ? EXIT.ok : EXIT.failure;
  }
  const paint = paintFor(io.stdout, io.env);
  const summary = `${report.entries.toLocaleString('en')} records read in ${Math.round(report.ms)} ms: ${report.sealed.toLocaleString('en')} sealed by ${report.hosts.join(', ') || 'no host'} (${report.seals.toLocaleString('en')} seals), ${report.foreign.toLocaleString('en')} written by other processes under their own names`;
  if (report.findings.length === 0) {
    writeLine(io.stdout, `${paint.good('chain intact')}: ${summary}.`);
    return EXIT.ok;
  }
  writeLine(io.stdout, `${paint.bad('chain BROKEN')} at ${report.findings.length} row(s); ${summary}.`);
  for (const f of report.findings) {
    writeLine(io.stdout, `  position ${f.position}  ${f.stream}${f.revision >= 0 ? ` revision ${f.revision}` : ''}${f.beadId ? `  bead ${f.beadId}` : ''}  ${f.kind}: ${f.why}`);
  }
  writeLine(io.stdout, 'The host ignores every such row (a SECURITY finding) in anything that could move money or open a gate.');
  return EXIT.failure;
}

/** SQLite's rows read as text, read-only, in position order: the audit hashes what is stored. */
export function verifySqliteRows(path: string, key: Buffer): ReturnType<typeof verifyRows> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], StoredText>(`SELECT position, stream, revision, bead_id AS beadId, bead_type AS beadType, json, ${tagColumn(hasTagColumn(db))} FROM beads ORDER BY position`).iterate();
    return verifyRows(rows, key, (row) => entryOf(row.position, row.stream, row.revision, row.json, row.tag));
  } finally {
    db.close();
  }
}
