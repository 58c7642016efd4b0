import { appendDecision } from '../../actors/approval/index.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { oneIntentId, report, withLog } from './approve.ts';
import { operatorOf } from './operator.ts';

const HELP = `Usage: phoenix reject <intent-id> --reason TEXT [--as NAME]

Appends an APPROVAL DECISION bead (REJECT, by NAME, channel TERMINAL, with the
reason) for an intent awaiting a decision. The approval ends REJECTED and
nothing is sent. Rejecting needs no confirmation: it cannot send anything.

Options:
  --reason TEXT   why (required): it is kept with the decision
  --as NAME       who decides (default: PHOENIX_OPERATOR, else your OS user name)

Exit codes: 0 the decision is recorded; 1 the intent is not awaiting a
decision; 2 usage, or an unknown intent.

Example:
  phoenix reject cse-20261124-0915 --reason "spread too wide"`;

export const rejectCommand: Command = {
  name: 'reject',
  summary: 'reject an intent awaiting a decision, with a reason',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { reason: { type: 'string' }, as: { type: 'string' } }, true);
    const intentId = oneIntentId(positionals);
    const reason = values.reason?.trim();
    if (!reason) throw new UsageError('--reason is required: say why');
    const config = loadConfig(io.env, io.cwd);
    const who = operatorOf(values.as, config).id;
    return withLog(config, async (log) => {
      const outcome = await appendDecision(
        { log, clock: systemClock, ids: uuidV7Ids, hostId: `${config.PHOENIX_HOST_ID}-cli`, mode: config.mode },
        // A rejection sends nothing: the operator's name is its proof in every mode (issue 17).
        { intentId, decision: 'REJECT', decidedBy: who, channel: 'TERMINAL', reason, proof: { method: 'OPERATOR', operator: who, ...(config.osUser ? { os_user: config.osUser } : {}) } },
      );
      return report(io, 'reject', outcome);
    });
  },
};
