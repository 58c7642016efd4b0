import { join } from 'node:path';
import { APPROVAL_SECRET_FILE } from '../../runtime/config/approvalSecret.ts';
import { describeConfig, loadConfig } from '../../runtime/config/load.ts';
import { type Command, EXIT, parseCommandArgs, writeError, writeLine } from '../command.ts';

export const configCommand: Command = {
  name: 'config',
  readOnly: true,
  summary: 'show the effective configuration, secrets masked (config check)',
  help: `Usage: phoenix config check [--json]

Prints every variable Phoenix reads, with the value in effect after defaults,
.env and the environment. Secrets are masked. Exits 2 with the offending
variable named when the configuration is invalid.

Options:
  --json   print a JSON object instead of a table`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'check') {
      writeError(io, `phoenix config: unknown subcommand ${JSON.stringify(sub ?? '')}; try 'phoenix config check'`);
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
