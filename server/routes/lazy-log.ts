// A request's child logger, made only when the request logs something. Fastify makes one
// pino child (bindings serialised, serializers copied) for every request; a decision route's
// requests almost never log (each decision is in the audit trail), so the hot routes defer it.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;
  constructor(readonly parent: Logger, readonly bindings: Bindings, readonly options: ChildLoggerOptions) {}

  #log(level: Level, args: unknown[]): void {
    // a line below the level would make the child only to drop it
    if (this.#real === undefined && !this.parent.isLevelEnabled(level)) return;
    const real = (this.#real ??= this.parent.child(this.bindings, this.options));
    (real[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): LevelWithSilentOrString { return this.#real?.level ?? this.options.level ?? this.parent.level; }
  set level(value: LevelWithSilentOrString) { (this.#real ??= this.parent.child(this.bindings, this.options)).level = value; }
  isLevelEnabled(level: string): boolean { return (this.#real ? (this.#real as unknown as Logger) : this.parent).isLevelEnabled(level); }
  fatal(...args: unknown[]): void { this.#log('fatal', args); }
  error(...args: unknown[]): void { this.#log('error', args); }
  warn(...args: unknown[]): void { this.#log('warn', args); }
  info(...args: unknown[]): void { this.#log('info', args); }
  debug(...args: unknown[]): void { this.#log('debug', args); }
  trace(...args: unknown[]): void { this.#log('trace', args); }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindings, this.options)).child(bindings, options);
  }
}

/** For `app.setChildLoggerFactory` in a hot route's plugin (its scope only). */
export const lazyChildLogger: Parameters<FastifyInstance['setChildLoggerFactory']>[0] = (logger, bindings, options) =>
  // Fastify's logger is pino here (server/logging.ts)
  new LazyChildLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger;
