import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { closeRequestDraft } from '../../beads/closeRequest.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { streams } from '../../beads/index.ts';
import { ENDED_POSITION_STATES, foldPositions, emptyPositionsView, holdsUnits, POSITIONS_READS } from '../../projections/positions.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, writeError, writeLine } from '../command.ts';
import { withLog } from './approve.ts';
import { cliWho } from './operator.ts';

const HELP = `Usage: phoenix close <position-id> [--reason TEXT] [--as NAME]

Asks the host to close an open position at market (S5.3 step 12). The request
goes through the log: this command appends a close-request bead (an ORDER
CANCEL_REQUESTED with role CLOSE) and the host reacts through its
subscription. It records a CLOSING bead, cancels the bracket's stop and
target, then closes what is still open with a market order through the
submit guard chain; the position ends CLOSED with an AUTOPSY bead. A close is
an exit: it goes through even while the kill flag is SET.

The position id is the intent id it came from (see 'phoenix query positions').

Options:
  --reason TEXT  why (recorded with the request; default "manual close")
  --as NAME      who asks (default: PHOENIX_OPERATOR, else your OS user name)

Exit codes: 0 the request is recorded; 1 the position is not open or holds
nothing to close; 2 usage, or an unknown position.

Example:
  phoenix close cse-20261124-0915 --reason "news in 5 minutes"`;

export const closeCommand: Command = {
  name: 'close',
  summary: 'close an open position at market (the request goes to the host through the log)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { reason: { type: 'string' }, as: { type: 'string' } }, true);
    if (positionals.length !== 1 || !positionals[0]?.trim()) throw new UsageError('name exactly one position id');
    const positionId = positionals[0].trim();
    const reason = values.reason?.trim() || 'manual close';
    const config = loadConfig(io.env, io.cwd);
    const who = cliWho(values.as, config);
    return withLog(config, async (log) => {
      const view = emptyPositionsView();
      for await (const e of log.readAll({ types: POSITIONS_READS })) if (e.kind === 'bead') foldPositions(view, e.bead);
      const p = view.byId.get(positionId);
      if (!p) {
        writeError(io, `phoenix close: no position ${JSON.stringify(positionId)} in the log`);
        return EXIT.usage;
      }
      if (ENDED_POSITION_STATES.has(p.state) || p.state === 'CLOSING') {
        writeError(io, `phoenix close: position ${positionId} is ${p.state}: nothing to close`);
        return EXIT.failure;
      }
      if (!holdsUnits(p)) {
        writeError(io, `phoenix close: position ${positionId} is ${p.state} and holds nothing yet: nothing to close`);
        return EXIT.failure;
      }
      const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: config.PHOENIX_HOST_ID, mode: config.mode });
      const { beads } = await writer.write(closeRequestDraft({ positionId, intentId: p.intent_id, pair: p.pair, who, reason }));
      writeLine(io.stdout, `close requested for ${positionId} (${p.side} ${p.quantity} ${p.pair}, ${p.state}) by ${who}: bead ${beads[0]?.bead_id} at ${beads[0]?.ts}.`);
      writeLine(io.stdout, `The host closes it at market; follow it with: phoenix replay --stream ${streams.position(positionId)}`);
      return EXIT.ok;
    });
  },
};
