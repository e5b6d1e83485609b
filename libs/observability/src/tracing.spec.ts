import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { waitFor } from '@mediaplane/testing';
import { getTracer, startTracing, stopTracing } from './tracing';

describe('startTracing', () => {
  const exporter = new InMemorySpanExporter();

  beforeAll(() => {
    startTracing({ serviceName: 'tracing-spec', exporter });
  });
  afterAll(async () => {
    await stopTracing();
  });

  it('exports spans with keys and tokens scrubbed from their names and attributes, whichever code set them', async () => {
    const span = getTracer('spec').startSpan('GET /live/s1.flv?token=tok_planted', { attributes: { 'url.full': '/live/s1.flv?token=tok_planted&x=1' } });
    span.setAttribute('url.query', 'key=sk_planted&page=2');
    span.setAttribute('http.route', '/live/:id');
    span.end();
    // Exported once the resource's detected attributes have settled.
    const exported = await waitFor(() => exporter.getFinishedSpans()[0], { what: 'the exported span' });
    expect(JSON.stringify({ name: exported.name, attributes: exported.attributes })).not.toMatch(/tok_planted|sk_planted/);
    expect(exported.attributes).toMatchObject({ 'url.query': 'key=[REDACTED]&page=2', 'http.route': '/live/:id' });
    expect(exported.attributes['url.full']).toContain('x=1');
  });
});
