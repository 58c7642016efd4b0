/**
 * A cursor over the fields of one client message. Every read is checked, so a
 * short or garbled message becomes a `MalformedMessage` (answered with an
 * error 320) instead of an exception that would take the simulator down.
 */
export class MalformedMessage extends Error {
  override name = 'MalformedMessage';
}

export class FieldReader {
  private index: number;

  constructor(
    private readonly fields: readonly string[],
    start = 0,
  ) {
    this.index = start;
  }

  get remaining(): number {
    return this.fields.length - this.index;
  }

  str(what: string): string {
    const value = this.fields[this.index];
    if (value === undefined) throw new MalformedMessage(`missing field ${what}`);
    this.index += 1;
    return value;
  }

  /** An absent trailing field reads as empty: older clients send fewer fields. */
  optStr(): string {
    const value = this.fields[this.index];
    if (value === undefined) return '';
    this.index += 1;
    return value;
  }

  skip(count: number, what: string): void {
    for (let i = 0; i < count; i += 1) this.str(what);
  }

  /** Empty reads as 0, as in IB's own readInt. */
  int(what: string): number {
    const text = this.str(what);
    if (text === '') return 0;
    const value = Number(text);
    if (!Number.isInteger(value))
      throw new MalformedMessage(`field ${what} is not an integer: ${JSON.stringify(text)}`);
    return value;
  }

  /** Empty (or Integer.MAX_VALUE, IB's "unset") reads as undefined. */
  optInt(what: string): number | undefined {
    const text = this.str(what);
    if (text === '' || text === '2147483647') return undefined;
    const value = Number(text);
    if (!Number.isInteger(value))
      throw new MalformedMessage(`field ${what} is not an integer: ${JSON.stringify(text)}`);
    return value;
  }

  /** Empty (or Double.MAX_VALUE, IB's "unset") reads as undefined. */
  optFloat(what: string): number | undefined {
    const text = this.str(what);
    if (text === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value === Number.MAX_VALUE) {
      if (value === Number.MAX_VALUE || value === Number.POSITIVE_INFINITY) return undefined;
      throw new MalformedMessage(`field ${what} is not a number: ${JSON.stringify(text)}`);
    }
    return value;
  }

  /** Booleans travel as 0/1; an empty field is false (the encoder's "unset"). */
  bool(what: string): boolean {
    const text = this.str(what);
    if (text === '' || text === '0' || text.toLowerCase() === 'false') return false;
    if (text === '1' || text.toLowerCase() === 'true') return true;
    throw new MalformedMessage(`field ${what} is not a boolean: ${JSON.stringify(text)}`);
  }
}
