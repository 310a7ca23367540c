// The slice of autocannon's API the load child uses (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      timeout?: number;
      duration?: number;
      amount?: number;
      overallRate?: number;
      requests?: Record<string, unknown>[];
    }
    interface Histogram {
      average: number;
      total: number;
      p50: number;
      p99: number;
    }
    interface Result {
      requests: Histogram;
      latency: Histogram;
      duration: number;
      non2xx: number;
      errors: number;
      timeouts: number;
    }
    interface Instance {
      on(event: 'done', listener: (result: Result) => void): void;
      on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void;
      stop(): void;
    }
  }
  function autocannon(options: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
