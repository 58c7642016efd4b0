/**
 * The host's actors, as `process_alive` sees them (S6.1): each actor the host
 * starts registers a liveness probe here, and the heartbeat asks all of them.
 */
export interface ActorLiveness {
  alive: boolean;
  /** Names of the actors that are not running, in registration order. */
  dead: string[];
}

export class ActorRegistry {
  private readonly probes = new Map<string, () => boolean>();

  /** Registers an actor; the returned function removes it (an actor stopped on purpose is not dead). */
  register(name: string, isAlive: () => boolean): () => void {
    if (this.probes.has(name)) throw new Error(`an actor named ${name} is already registered`);
    this.probes.set(name, isAlive);
    return () => {
      this.probes.delete(name);
    };
  }

  check(): ActorLiveness {
    const dead: string[] = [];
    for (const [name, isAlive] of this.probes) {
      let alive = false;
      try {
        alive = isAlive();
      } catch {
        // A probe that throws cannot vouch for its actor.
      }
      if (!alive) dead.push(name);
    }
    return { alive: dead.length === 0, dead };
  }

  get names(): string[] {
    return [...this.probes.keys()];
  }
}
