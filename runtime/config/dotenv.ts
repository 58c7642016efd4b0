import { existsSync, readFileSync } from 'node:fs';

export class DotenvError extends Error {
  override readonly name = 'DotenvError';
}

/**
 * A strict, small .env reader: KEY=value lines, # comments, optional quotes.
 * Variables already in the environment win over the file, as with dotenv.
 */
export function parseDotenv(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) throw new DotenvError(`${file}:${index + 1}: expected KEY=value`);
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[match[1]!] = value;
  });
  return out;
}

export function readDotenv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseDotenv(readFileSync(path, 'utf8'), path);
}
