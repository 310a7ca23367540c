// Billing agent: refunds one charge through the credential proxy. It may call Stripe's
// POST /v1/refunds only for the charge in its task and for an amount up to the task's
// maxRefund, at most 20 calls a day per agent; it never sees the Stripe key.
import { definePolicy, resource, toNumber, upstream } from 'leash';

/** The verified claims of a billing agent's token. */
interface BillingClaims {
  readonly role: 'billing';
  readonly client_id: string;
  readonly task: { readonly chargeId: string; readonly maxRefund: number };
}

export default definePolicy<BillingClaims>({
  name: 'billing-agent',
  appliesTo: { role: 'billing' },
  identity: { key: 'client_id', task: 'chargeId' },
  upstreams: {
    stripe: upstream({
      baseUrl: 'https://api.stripe.com',
      credential: { env: 'STRIPE_API_KEY' },
      inject: { type: 'bearer' },
      limits: [{ scope: 'agent', max: 20, window: '1d' }],
      routes: {
        refunds: resource('/v1/refunds', {
          methods: ['POST'],
          write: {
            // Stripe refunds the whole charge when `amount` is absent, so it is required here.
            when: ({ body, task }) =>
              body.charge === task.chargeId && toNumber(body.amount) > 0 && toNumber(body.amount) <= task.maxRefund,
            reason: ({ task }) => `task allows refunds of charge ${task.chargeId} only, of at most the task's maxRefund`,
          },
        }),
      },
    }),
  },
});
