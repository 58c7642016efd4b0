import { loadConfig } from '../../runtime/config/load.ts';
import { type Command, EXIT, parseCommandArgs, UsageError } from '../command.ts';
import { openLogToRead } from '../readLog.ts';
import { replay } from '../replay/replay.ts';
import { verifyCommand } from '../replay/verify.ts';

function parseTime(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be an ISO-8601 time such as 2026-11-24T09:00:00Z (got ${JSON.stringify(value)})`);
  return ms;
}

export const replayCommand: Command = {
  name: 'replay',
  readOnly: true,
  summary: 'print an incident timeline from the log, and the machines’ state at its end',
  help: `Usage: phoenix replay [--stream S] [--from T] [--to T] [--json]
       phoenix replay --verify [--json]

Reads the log in global order (or one stream in revision order) and prints one
line per bead: time, type, stream and its key fields. Records that cannot be
read (corrupt JSON, an unknown bead type or schema version) are reported with
their position and skipped; the replay goes on. At the end it prints the state
each machine reached, rebuilt through XState's pure transition.

Options:
  --stream S   only this stream, e.g. position-<id>, approval-<intent>
  --from T     only beads at or after T (ISO-8601)
  --to T       only beads at or before T (ISO-8601)
  --json       one JSON object per line, for tools
  --verify     check the whole log against the hosts' chains (issue 17) with
               the chain key in PHOENIX_HOME: says "chain intact", or names
               each row where it breaks (position, stream, revision, bead);
               exit 1 when broken. Run it as the host's user.

Examples:
  phoenix replay --stream connection-phoenix-1
  phoenix replay --from 2026-11-24T09:00:00Z --to 2026-11-24T10:00:00Z --json`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      stream: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
      verify: { type: 'boolean' },
    });
    const from = parseTime('--from', values.from);
    const to = parseTime('--to', values.to);
    if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from is after --to');
    const config = loadConfig(io.env, io.cwd);
    const log = await openLogToRead(config);
    if (values.verify) {
      if (values.stream !== undefined || from !== undefined || to !== undefined) {
        await log.close();
        throw new UsageError('--verify checks the whole log: it takes no --stream, --from or --to');
      }
      try {
        return await verifyCommand(log, config, io, values.json ?? false);
      } finally {
        await log.close();
      }
    }
    const tty = io.stderr === process.stderr && process.stderr.isTTY === true;
    try {
      const summary = await replay(
        log,
        { stream: values.stream, from, to, json: values.json ?? false },
        {
          line: (text) => io.stdout.write(`${text}\n`),
          progress: tty ? (done) => process.stderr.write(`\r… replayed ${done.toLocaleString('en')} records`) : undefined,
        },
      );
      if (tty) process.stderr.write('\r\x1b[K');
      if (summary.skipped > 0) io.stderr.write(`phoenix replay: ${summary.skipped} unreadable records were skipped (see the !! lines)\n`);
      return EXIT.ok;
    } finally {
      await log.close();
    }
  },
};
