// Puts the real credential on the forwarded request, in the way the upstream declares:
// a bearer token, HTTP Basic, a named header, or a query parameter. The only place the
// secret value is revealed; what it returns goes to undici and nowhere else.
import { assertNever } from './assert-never.ts';
import type { HeaderMap } from './headers.ts';
import { basicToken } from './registry.ts';
import type { Secret } from './secret.ts';
import { dropQueryParam } from './target.ts';
import type { Injection } from './types.ts';

/** The header the injection sets, which the agent may not send itself. */
export function injectedHeaderName(inject: Injection): string | undefined {
  switch (inject.kind) {
    case 'bearer':
    case 'basic':
      return 'authorization';
    case 'header':
      return inject.name;
    case 'query':
      return undefined;
    default:
      return assertNever(inject);
  }
}

/** Adds the credential to `headers` (mutated) and returns the query to forward. */
export function injectCredential(inject: Injection, secret: Secret, headers: HeaderMap, rawQuery: string): string {
  switch (inject.kind) {
    case 'bearer':
      headers['authorization'] = `Bearer ${secret.reveal()}`;
      return rawQuery;
    case 'basic':
      headers['authorization'] = `Basic ${basicToken(inject, secret) ?? ''}`;
      return rawQuery;
    case 'header':
      headers[inject.name] = `${inject.prefix ?? ''}${secret.reveal()}`;
      return rawQuery;
    case 'query': {
      // The agent's own value for the parameter is dropped so the upstream cannot pick it.
      const kept = dropQueryParam(rawQuery, inject.name);
      const pair = `${encodeURIComponent(inject.name)}=${encodeURIComponent(secret.reveal())}`;
      return kept === '' ? pair : `${kept}&${pair}`;
    }
    default:
      return assertNever(inject);
  }
}
