// A credential held in memory only. The value sits in a private field; every way Node or
// a logger turns an object into text (toString, toJSON, util.inspect, template strings)
// gives a redacted marker, so a stray `log.info({ upstream })` cannot leak it.
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The real value: call only where it goes onto the forwarded request. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}
