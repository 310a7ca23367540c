// How webhook and collector URLs appear in logs and errors: never with user info, a query, or
// a path segment that looks like a token (Slack puts the webhook's secret in its path).
import { describe, expect, it } from 'vitest';
import { describeUrl } from '../../server/audit/index.ts';

describe('describeUrl', () => {
  it('keeps scheme, host and plain path segments', () => {
    expect(describeUrl('https://logs.example.internal:8443/v1/logs')).toBe('https://logs.example.internal:8443/v1/logs');
  });
  it('drops user info and the query', () => {
    expect(describeUrl('https://user:pa55word@collector.example/ingest?api_key=abc123')).toBe('https://collector.example/ingest');
  });
  it('hides a secret-looking path segment, as in a Slack webhook URL', () => {
    const shown = describeUrl('https://hooks.slack.com/services/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');
    expect(shown).toBe('https://hooks.slack.com/services/T0123ABCD/B0456EFGH/…');
    expect(shown).not.toContain('Xy7kQ2mN9pL4rS8tV1wZ3bC6');
  });
  it('says so for a URL it cannot parse, without echoing it', () => {
    expect(describeUrl('not a url with secret s3cr3t')).toBe('(unparseable URL)');
  });
});
