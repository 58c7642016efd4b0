import { unlinkSync } from 'node:fs';
import qrcode from 'qrcode-terminal';
import { loadConfig } from '../../runtime/config/load.ts';
import { EnrolmentError, enrol, operatorPath, totpOf } from '../../runtime/operators/enrolment.ts';
import { verifyOperatorCode } from '../../runtime/operators/presence.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, writeError, writeLine } from '../command.ts';
import { ask } from './approve.ts';
import { operatorOf } from './operator.ts';

const HELP = `Usage: phoenix operator enroll [--as NAME] [--telegram-user ID] [--replace]

Enrols a person for LIVE (issue 17): makes a TOTP secret, shows it as a QR
code on this terminal for an authenticator app (and as text, to type in),
and keeps it in PHOENIX_HOME/operators/NAME.json, mode 0600, readable only
by the host's user. It then asks for the code the app shows, to prove the
phone has it.

In LIVE these acts then need a fresh code from that phone, verified by the
host: approving an order at the terminal (phoenix approve asks for it),
clearing the kill flag (phoenix resume), promoting to live (phoenix promote
--live), and approving from Telegram (APPROVE, CONFIRM, then /code NNNNNN).
A code is taken once. PAPER and MOCK need no code.

Run it on the host, as the host's user, with nobody looking at the screen.

Options:
  --as NAME           who is enrolled (default: PHOENIX_OPERATOR, else your OS user name)
  --telegram-user ID  your Telegram user id, to approve from the phone in LIVE
  --replace           make a new secret for someone already enrolled (the old one stops working)

Exit codes: 0 enrolled; 1 the confirmation code was wrong (nothing kept); 2 usage.`;

export const operatorCommand: Command = {
  name: 'operator',
  summary: 'enrol an operator for LIVE: a TOTP secret as a QR code (phoenix operator enroll)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { as: { type: 'string' }, 'telegram-user': { type: 'string' }, replace: { type: 'boolean' } }, true);
    if (positionals.length !== 1 || positionals[0] !== 'enroll') throw new UsageError('the only subcommand is enroll: phoenix operator enroll [--as NAME]');
    const telegram = values['telegram-user']?.trim();
    if (telegram !== undefined && !/^\d{1,20}$/.test(telegram)) throw new UsageError('--telegram-user is a numeric Telegram user id');
    const config = loadConfig(io.env, io.cwd);
    const who = operatorOf(values.as, config).id;
    let op: ReturnType<typeof enrol>;
    try {
      op = enrol(config.homeDir, who, { now: Date.now(), replace: values.replace === true, ...(telegram ? { telegramUserId: telegram } : {}) });
    } catch (err) {
      if (!(err instanceof EnrolmentError)) throw err;
      writeError(io, `phoenix operator enroll: ${err.message}`);
      return EXIT.failure;
    }
    const uri = totpOf(op).toString();
    writeLine(io.stdout, `Scan this with your authenticator app (it is ${who}'s secret for Phoenix; nobody else should see it):`);
    qrcode.generate(uri, { small: true }, (art) => writeLine(io.stdout, art));
    writeLine(io.stdout, `Or type the secret in: ${op.totp_secret} (TOTP, SHA1, 6 digits, 30 s)`);
    writeLine(io.stdout, `Kept in ${operatorPath(config.homeDir, who)} (mode 0600).`);
    if (io.stdin.isTTY !== true) {
      writeLine(io.stdout, 'Not a terminal: the first code is checked the first time you use one.');
      return EXIT.ok;
    }
    const code = await ask(io, 'Type the code your app shows now, to confirm: ');
    const verdict = verifyOperatorCode(config.homeDir, who, code, Date.now());
    if (!verdict.ok) {
      unlinkSync(operatorPath(config.homeDir, who));
      writeError(io, `phoenix operator enroll: ${verdict.why}; nothing was kept. Run it again.`);
      return EXIT.failure;
    }
    writeLine(io.stdout, `${who} enrolled${telegram ? ` (Telegram user ${telegram})` : ''}: in LIVE, approvals, kill-flag clears and promotion need a code from this phone.`);
    return EXIT.ok;
  },
};
