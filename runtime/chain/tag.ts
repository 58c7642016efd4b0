import { timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from './hmac.ts';

/**
 * A bead's own proof (issue 17, B1). On SQLite a bead the host seals at once
 * (hostOnly.ts `sealsAtOnce`) in a commit of its own carries its seal in its
 * own row, as a tag, instead of a SEAL row opening the commit: a second row
 * costs a one-bead durable commit about a fifth more (its stream-index
 * entry, a page the bead's does not share), which no seal row can avoid.
 *
 * The tag is the chain key's MAC of the bead's hash, bound to the seal it
 * follows: the number of the next seal and the MAC of the last one. So it
 * is proven the moment it is durable, as a sealed-at-once bead must be (a
 * crash leaves no block to wait for), cannot be made without the key,
 * cannot be moved to another bead (the hash), nor across a seal (the seal
 * it names). The bead also joins the block, so the next seal lists it: a
 * whole-log audit finds it deleted, as it finds any listed bead deleted.
 */
export interface Tag {
  /** The sealing host: its chain is the one the tag follows. */
  host: string;
  /** The number the host's next seal takes. */
  seq: number;
  mac: string;
}

export function tagMac(key: Buffer, host: string, seq: number, prev: string, hash: string): string {
  return hmacSha256(key, `phoenix-tag-v1\n${host}\n${seq}\n${prev}\n${hash}`);
}

/** As the row stores it: "<seq> <mac> <host>" (the host last: a name is the only part with room for a space). */
export function tagText(tag: Tag): string {
  return `${tag.seq} ${tag.mac} ${tag.host}`;
}

export function parseTag(text: string): Tag | undefined {
  const a = text.indexOf(' ');
  const b = a < 0 ? -1 : text.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const seq = Number(text.slice(0, a));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { seq, mac: text.slice(a + 1, b), host: text.slice(b + 1) };
}

/** Whether the tag is the chain key's for this bead's hash, after the seal whose MAC is `prev`. */
export function tagIsGenuine(key: Buffer, tag: Tag, prev: string, hash: string): boolean {
  const wanted = Buffer.from(tagMac(key, tag.host, tag.seq, prev, hash), 'base64url');
  const given = Buffer.from(tag.mac, 'base64url');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export type TagJudgement = { ok: true; hash: string } | { ok: false; kind: 'EDITED' | 'BROKEN_LINK'; why: string };

/**
 * A tagged row against the seal of its host last before it (`before`: its
 * number and MAC), by any reader: in order (checker.ts) or looked up
 * (lookup.ts). `hashes`: the row's hash, or the hashes it may have (the
 * stored text's, and its canonical form's when the text was written some
 * other way).
 */
export function judgeTag(key: Buffer, tag: Tag, before: { seq: number; mac: string } | undefined, row: { beadId: string; beadType: string }, hashes: () => Iterable<string>): TagJudgement {
  const what = `${row.beadType} bead ${row.beadId}`;
  if (before?.seq !== tag.seq - 1) return { ok: false, kind: 'BROKEN_LINK', why: `${what} was sealed by ${tag.host} after its seal ${tag.seq - 1}, and stands after seal ${before?.seq ?? 'none'}: moved, or the seals between were removed` };
  for (const hash of hashes()) if (tagIsGenuine(key, tag, before.mac, hash)) return { ok: true, hash };
  return { ok: false, kind: 'EDITED', why: `${what} differs from what host ${tag.host} sealed: the row was edited, or its tag forged` };
}

/** Why a row whose tag does not parse is refused. */
export const unreadableTag = (row: { beadId: string; beadType: string }) => `${row.beadType} bead ${row.beadId} carries a tag no host writes: the row was edited`;
