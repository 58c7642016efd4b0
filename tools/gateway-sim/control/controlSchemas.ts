/**
 * Bodies of the control channel's POST commands. The channel is a boundary,
 * so every body is parsed here and a bad one gets a 400 with the reason.
 */
import { z } from 'zod';
import { PAIR_NAMES, type PairName } from '../market/fxPairs.ts';
import { SUPPORTED_SERVER_VERSIONS } from '../protocol/messageIds.ts';
import { MALFORMED_KINDS } from '../server/malformedMessages.ts';

/** `EURUSD`, `EUR.USD`, `eur/usd` all name the same pair. */
const pair = z
  .string()
  .transform((s) => s.replace(/[./\s]/g, '').toUpperCase())
  .pipe(z.enum(PAIR_NAMES)) as z.ZodType<PairName>;

const empty = z.object({}).strict();
const count = z.number().int().nonnegative();

export const controlSchemas = {
  kill: empty,
  silent: empty,
  unsilent: empty,
  'partial-next': empty,
  restart: z
    .object({
      downtimeMs: count.max(600_000).default(1000),
      nextValidId: z.number().int().positive().optional(),
      serverVersion: z.number().int().min(SUPPORTED_SERVER_VERSIONS.min).max(SUPPORTED_SERVER_VERSIONS.max).optional(),
    })
    .strict(),
  'drop-next': z.object({ count }).strict(),
  'lose-next-order': z.object({ count: count.default(1) }).strict(),
  'delay-fills': z.object({ ms: count.max(600_000) }).strict(),
  'reject-next-order': z.object({ reason: z.string().min(1).max(200).optional() }).strict(),
  'spoof-position': z
    .object({
      pair,
      position: z.number().finite(),
      avgCost: z.number().finite().nonnegative().optional(),
    })
    .strict(),
  'hold-client-id': z
    .object({
      clientId: z.number().int(),
      held: z.boolean().default(true),
      forMs: z.number().int().positive().optional(),
    })
    .strict(),
  'set-price': z.object({ pair, price: z.number().finite().positive() }).strict(),
  'fill-order': z
    .object({
      orderId: z.number().int(),
      qty: z.number().finite().positive().optional(),
      price: z.number().finite().positive().optional(),
    })
    .strict(),
  connectivity: z
    .object({ event: z.enum(['lost', 'restored-data-lost', 'restored-data-kept', 'server-broken']) })
    .strict(),
  step: z.object({ count: z.number().int().positive().max(100_000).default(1) }).strict(),
  malformed: z.object({ kind: z.enum(MALFORMED_KINDS), clientId: z.number().int().optional() }).strict(),
} as const;

export type ControlCommand = keyof typeof controlSchemas;
export type ControlBody<C extends ControlCommand> = z.infer<(typeof controlSchemas)[C]>;

export function isControlCommand(name: string): name is ControlCommand {
  return Object.hasOwn(controlSchemas, name);
}

/** Parses a command body; returns the reason text on failure. */
export function parseControlBody<C extends ControlCommand>(
  command: C,
  body: unknown,
): { ok: true; value: ControlBody<C> } | { ok: false; error: string } {
  const result = controlSchemas[command].safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data as ControlBody<C> };
  const issues = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  return { ok: false, error: issues.join('; ') };
}
