import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const dir = join(__dirname, '..', '..', 'deploy', 'k8s');
const HTTP_PORTS: Record<string, number> = { 'control-plane': 8080, ingest: 8081, edge: 8082, sfu: 8083, transcode: 8084, 'capture-agent': 8085 };

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  resources?: string[];
}

function load(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
    return d.toJS() as K8sObject;
  });
}

describe('the Kubernetes manifests', () => {
  const kustomization = load('kustomization.yaml')[0] as K8sObject;

  it('reference only files that exist and parse', () => {
    const files = new Set(readdirSync(dir));
    for (const resource of kustomization.resources ?? []) {
      expect(files.has(resource)).toBe(true);
      expect(load(resource).length).toBeGreaterThan(0);
    }
  });

  it.each(Object.entries(HTTP_PORTS))('run %s with probes on its health routes and its PLATFORM.md port', (app, port) => {
    const objects = load(`${app}.yaml`);
    const deployment = objects.find((o) => o.kind === 'Deployment') as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    } & K8sObject;
    const container = deployment.spec.template.spec.containers[0] as {
      env: Array<{ name: string; value?: string }>;
      ports: Array<{ name: string; containerPort: number }>;
      readinessProbe: { httpGet: { path: string; port: string } };
      livenessProbe: { httpGet: { path: string; port: string } };
    };
    expect(container.env.find((e) => e.name === 'APP')?.value).toBe(app);
    expect(container.ports.find((p) => p.name === 'http')?.containerPort).toBe(port);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(objects.some((o) => o.kind === 'Service' && o.metadata.name === app)).toBe(true);
  });
});
