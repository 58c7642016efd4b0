import { createHash, type Hash } from 'node:crypto';

/**
 * HMAC-SHA256 (RFC 2104) under the chain key, base64url: the MAC of every
 * seal and tag. The key's two padded blocks are hashed once per key and the
 * hash state copied per MAC, where `createHmac` sets the key up again each
 * time: a tag is made inside a one-bead durable commit, after the previous
 * fsync has left the caches cold, and there (B1) the copy kept 0.02 more of
 * the plain adapter's ratio. A property test holds it to `createHmac`.
 */
const padded = new WeakMap<Buffer, { inner: Hash; outer: Hash }>();

export function hmacSha256(key: Buffer, text: string): string {
  let pads = padded.get(key);
  if (pads === undefined) {
    const block = key.length > 64 ? createHash('sha256').update(key).digest() : key;
    const inner = Buffer.alloc(64, 0x36);
    const outer = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < block.length; i++) {
      inner[i]! ^= block[i]!;
      outer[i]! ^= block[i]!;
    }
    pads = { inner: createHash('sha256').update(inner), outer: createHash('sha256').update(outer) };
    padded.set(key, pads);
  }
  return pads.outer.copy().update(pads.inner.copy().update(text).digest()).digest('base64url');
}
