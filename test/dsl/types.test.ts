// Type-level behaviour of the DSL (checked by `npm run typecheck`) and the route matcher the
// reference evaluator shares with the Rego lowering.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { definePolicy, resource, type RouteParams } from 'leash';
import { matchRoute, parseRoute } from '../../compiler/dsl/route.ts';
import { canonicalWindow } from '../../compiler/dsl/model.ts';

interface Claims {
  readonly role: 'support';
  readonly task: { readonly ticketId: string; readonly customerId: string };
}

describe('DSL types', () => {
  it('types params from the route template', () => {
    expectTypeOf<RouteParams<'/customers/:customerId/records/:recordId'>>().toEqualTypeOf<{ readonly customerId: string; readonly recordId: string }>();
    expectTypeOf<RouteParams<'/health'>>().toEqualTypeOf<{}>();
  });

  it('makes claim and parameter typos compile errors', () => {
    const p = definePolicy<Claims>({
      name: 'typed',
      appliesTo: { role: 'support' },
      resources: {
        records: resource('/customers/:customerId', {
          read: {
            // @ts-expect-error: the task has customerId, not custmerId
            when: ({ params, task }) => params.customerId === task.custmerId,
          },
        }),
        tickets: resource('/tickets/:ticketId', {
          // @ts-expect-error: the route has no :recordId
          write: { when: ({ params }) => params.recordId === 'x' },
        }),
      },
      // @ts-expect-error: identity.key must name a string claim
      identity: { key: 'nope' },
    });
    expect(p.kind).toBe('policy');
  });
});

describe('routes', () => {
  it('parses templates and explains bad ones', () => {
    expect(parseRoute('/a/:x/b')).toEqual({ segments: [{ kind: 'literal', value: 'a' }, { kind: 'param', name: 'x' }, { kind: 'literal', value: 'b' }] });
    for (const bad of ['a/b', '/a//b', '/a/:x/:x', '/a?q=1', '/a/*', '/a/:1x', '/a/../b']) expect(parseRoute(bad)).toHaveProperty('error');
  });

  it('matches whole segments only, never empty or dot segments', () => {
    const { segments } = parseRoute('/c/:id/r') as { segments: never };
    expect(matchRoute(segments, '/c/7/r')).toEqual({ id: '7' });
    for (const p of ['/c//r', '/c/./r', '/c/../r', '/c/7/r/', 'c/7/r', '/c/7']) expect(matchRoute(segments, p)).toBeNull();
  });

  it('normalises windows to seconds', () => {
    expect(['session', '60s', '15m', '1h', '1d', '0s', '1w', 60].map(canonicalWindow)).toEqual(['session', '60s', '900s', '3600s', '86400s', null, null, null]);
  });
});
