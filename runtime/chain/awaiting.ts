import type { Bead } from '../../beads/index.ts';

/** Where a row is, as a finding names it. */
export interface RowAt {
  position: number;
  stream: string;
  revision: number;
  beadId: string;
  beadType: string;
}

/**
 * A bead under a sealing host's name that no seal in view lists yet (issue
 * 17, block sealing): the host seals most beads by the next commit that
 * carries a seal, so the seal that proves it may come later in the log.
 */
export interface Waiting {
  host: string;
  at: RowAt;
  /** Its hash, as a seal would list it; undefined for a type the reader does not check. */
  hash?: string;
  /** The bead object, to mark proven once its seal comes; and to tell, if none does, whether it was a host's fact. */
  bead?: Bead;
  /** The SQLite audit keeps a row's text, not its bead: parsed only if no seal lists it, or the hash of its text differs. */
  reparse?: () => Bead | undefined;
  /** A host's fact of a type the reader checks: the reader holds it back until its seal comes. */
  held: boolean;
}

/** The beads awaiting a seal, by id and by host: a host's next seal settles every one of its own. */
export class AwaitingSeals {
  private readonly byId = new Map<string, Waiting>();
  private readonly byHost = new Map<string, Set<string>>();

  get size(): number {
    return this.byId.size;
  }

  add(id: string, w: Waiting): void {
    this.byId.set(id, w);
    const ids = this.byHost.get(w.host) ?? new Set<string>();
    this.byHost.set(w.host, ids);
    ids.add(id);
  }

  /** Takes the bead out: listed by a seal, or given up on. */
  take(id: string): Waiting | undefined {
    const w = this.byId.get(id);
    if (!w) return undefined;
    this.byId.delete(id);
    this.byHost.get(w.host)?.delete(id);
    return w;
  }

  /** Takes out every bead of a host still waiting (its seal came and did not list them). */
  takeHost(host: string): [string, Waiting][] {
    const ids = this.byHost.get(host);
    if (!ids || ids.size === 0) return [];
    const out = [...ids].map((id) => [id, this.byId.get(id)!] as [string, Waiting]);
    for (const [id] of out) this.byId.delete(id);
    ids.clear();
    return out;
  }

  takeAll(): [string, Waiting][] {
    const out = [...this.byId.entries()];
    this.byId.clear();
    this.byHost.clear();
    return out;
  }
}
