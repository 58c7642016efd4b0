import { join } from 'node:path';
import { APPROVAL_SECRET_FILE } from '../../runtime/config/approvalSecret.ts';
import { describeConfig, loadConfig } from '../../runtime/config/load.ts';
import { type Command, EXIT, parseCommandArgs, writeError, writeLine } from '../command.ts';
import { configSet, SET_HELP } from './configSet.ts';

export const configCommand: Command = {
  name: 'config',
  // For `check`, which a closed pipe may cut short; `set` replaces .env in one rename, and a bead cut off by a vanished reader is caught as a hand edit at the next host start.
  readOnly: true,
  summary: 'show the effective configuration, secrets masked (config check); change a parameter (config set)',
  help: `Usage: phoenix config check [--json]
${SET_HELP}

Prints every variable Phoenix reads, with the value in effect after defaults,
.env and the environment. Secrets are masked. Exits 2 with the offending
variable named when the configuration is invalid.

Options:
  --json          check: print a JSON object instead of a table
  --reason TEXT   set: why (required): it is kept with the change
  --as NAME       set: who changes it (default: PHOENIX_OPERATOR, else your OS user name)

Exit codes (set): 0 written (or already that value); 1 the environment
overrides .env for KEY, or .env could not be written; 2 usage, an unknown
setting or a value its rule refuses.

Examples:
  phoenix config check
  phoenix config set ORDER_UNITS 30000 --reason "strategist: larger clips" --as alice`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'set') return configSet(rest, io);
    if (sub !== 'check') {
      writeError(io, `phoenix config: unknown subcommand ${JSON.stringify(sub ?? '')}; try 'phoenix config check' or 'phoenix config set KEY VALUE --reason TEXT'`);
      return EXIT.usage;
    }
    const { values } = parseCommandArgs(rest, { json: { type: 'boolean' } });
    const config = loadConfig(io.env, io.cwd);
    const rows = describeConfig(config);
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(Object.fromEntries(rows), null, 2));
      return EXIT.ok;
    }
    const width = Math.max(...rows.map(([k]) => k.length));
    writeLine(io.stdout, `mode ${config.mode}, log ${config.logBackend}, home ${config.homeDir}, config hash ${config.configHash}`);
    for (const [key, value] of rows) writeLine(io.stdout, `${key.padEnd(width)}  ${value}`);
    if (!config.APPROVAL_TOKEN_SECRET) {
      writeLine(io.stdout);
      writeLine(
        io.stdout,
        config.mode === 'MOCK'
          ? `APPROVAL_TOKEN_SECRET is not set: in mock mode 'phoenix run' uses the secret kept in ${join(config.homeDir, APPROVAL_SECRET_FILE)} (made on its first start).`
          : `APPROVAL_TOKEN_SECRET is not set: 'phoenix run' in ${config.mode} refuses to start without it (openssl rand -hex 32).`,
      );
    }
    return EXIT.ok;
  },
};
