// ops/kubernetes: every manifest valid against the Kubernetes JSON schemas (kubernetes-models), and the
// properties operators count on (probes, drain, securityContext, selectors, policies, no inlined secrets).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

const DIR = fileURLToPath(new URL('../../ops/kubernetes/', import.meta.url));
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
} & Record<string, unknown>;

const kustomization = parse(readFileSync(`${DIR}kustomization.yaml`, 'utf8')) as {
  resources: string[];
  configMapGenerator: Array<{ name: string; files: string[] }>;
};
const manifests: Array<{ file: string; doc: Manifest }> = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(`${DIR}${file}`, 'utf8')).map((d) => ({ file, doc: d.toJS() as Manifest })),
);
const byKind = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.doc.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0].doc;
};
const parleyYaml = readFileSync(`${DIR}parley.yaml`, 'utf8');

/** The kubernetes-models class for a manifest's apiVersion and kind (the Prometheus Operator's for its CRDs). */
async function modelOf(apiVersion: string, kind: string): Promise<new (data: unknown) => { validate(): void }> {
  const module = (
    apiVersion.startsWith('monitoring.coreos.com/')
      ? await import(/* @vite-ignore */ `@kubernetes-models/prometheus-operator/${apiVersion}`)
      : await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}`)
  ) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = module[kind];
  if (!model) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model;
}

/** Throws with the schema's message when `doc` is not a valid object of its kind. */
async function validate(doc: Manifest): Promise<void> {
  const Model = await modelOf(doc.apiVersion, doc.kind);
  new Model(doc).validate();
}

describe('Kubernetes manifests (ops/kubernetes, Kustomize)', () => {
  it('lists every manifest in the kustomization, and nothing that is not there', () => {
    const files = readdirSync(DIR).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'parley.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(kustomization.configMapGenerator).toEqual([{ name: 'parley-config', files: ['parley.yaml'] }]);
  });

  it('validates every manifest, and the generated ConfigMap, against the Kubernetes JSON schemas', async () => {
    for (const { file, doc } of manifests) await expect(validate(doc), file).resolves.toBeUndefined();
    await validate({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'parley-config' },
      data: { 'parley.yaml': parleyYaml },
    });
  });

  it('refuses a manifest that breaks the schema (the validator really checks)', async () => {
    const deployment = structuredClone(byKind('Deployment'));
    (deployment.spec as { replicas: unknown }).replicas = 'three';
    await expect(validate(deployment)).rejects.toThrow(/replicas/);
    const monitor = structuredClone(byKind('ServiceMonitor'));
    (monitor.spec as { endpoints: unknown }).endpoints = 'http';
    await expect(validate(monitor)).rejects.toThrow(/endpoints/);
  });

  it('holds a parley.yaml that Parley itself accepts, with secrets only as file references', () => {
    const config = parseConfig(parleyYaml, 'ops/kubernetes/parley.yaml', {});
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.trustedProxies.length).toBeGreaterThan(0);
    const refs = [...parleyYaml.matchAll(/"(file|env|vault):[^"]+"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(refs)).toEqual(new Set(['file']));
  });

  it('runs the Deployment with probes, resources, a grace period longer than the drain, and no privileges', () => {
    const spec = byKind('Deployment').spec as any; // a parsed manifest, read field by field
    const pod = spec.template.spec;
    const [container] = pod.containers;
    expect(container.startupProbe.httpGet.path).toBe('/readyz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const kind of ['requests', 'limits'])
      expect(Object.keys(container.resources[kind]).sort()).toEqual(['cpu', 'memory']);
    const drainSeconds = parseConfig(parleyYaml, 'parley.yaml', {}).server.drainTimeoutMs / 1000;
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds + preStopSeconds);
    expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    // Secrets referenced, never inlined: no Secret object here, no literal values in env.
    expect(manifests.filter((m) => m.doc.kind === 'Secret')).toEqual([]);
    expect(pod.volumes.find((v: { secret?: unknown }) => v.secret).secret.secretName).toBe('parley-secrets');
    for (const env of container.env) expect(env.name).not.toMatch(/KEY|TOKEN|PASSWORD|SECRET|URL/i);
    expect(container.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(
      expect.arrayContaining(['/data', '/tmp', '/etc/parley', '/run/secrets/parley']),
    );
  });

  it('points the Service, PDB, HPA, NetworkPolicy, Ingress and ServiceMonitor at the Deployment’s pods and port', () => {
    const deployment = byKind('Deployment').spec as {
      template: {
        metadata: { labels: Record<string, string> };
        spec: { containers: Array<{ ports: Array<{ name: string; containerPort: number }> }> };
      };
    };
    const labels = deployment.template.metadata.labels;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const service = byKind('Service').spec as {
      selector: Record<string, string>;
      ports: Array<{ name: string; targetPort: string }>;
    };
    expect(matches(service.selector)).toBe(true);
    expect(service.ports[0].targetPort).toBe(deployment.template.spec.containers[0].ports[0].name);
    expect(
      matches(
        (byKind('PodDisruptionBudget').spec as { selector: { matchLabels: Record<string, string> } }).selector
          .matchLabels,
      ),
    ).toBe(true);
    expect((byKind('HorizontalPodAutoscaler').spec as { scaleTargetRef: unknown }).scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'parley',
    });
    const policy = byKind('NetworkPolicy').spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      egress: Array<{ ports: Array<{ port: number }> }>;
    };
    expect(matches(policy.podSelector.matchLabels)).toBe(true);
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.egress.flatMap((e) => e.ports.map((p) => p.port)).sort()).toEqual([443, 5432, 53, 53, 6379].sort());
    const ingress = byKind('Ingress').spec as {
      rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }>;
    };
    expect(ingress.rules[0].http.paths[0].backend.service).toEqual({
      name: 'parley',
      port: { name: service.ports[0].name },
    });
    const monitor = byKind('ServiceMonitor').spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: Array<{ port: string; path: string }>;
    };
    expect(matches(monitor.selector.matchLabels)).toBe(true);
    expect(monitor.endpoints[0]).toMatchObject({ port: service.ports[0].name, path: '/metrics' });
  });
});
