import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from './chart-render';
import { schemaProblem } from './manifest-schema';
import { unknownFields } from './unknown-fields';

/** A Deployment the API accepts, with `edit` applied to its spec. */
function deployment(edit: (spec: Record<string, unknown>) => void = () => {}): Manifest {
  const spec: Record<string, unknown> = {
    replicas: 2,
    selector: { matchLabels: { app: 'gpulab' } },
    template: { metadata: { labels: { app: 'gpulab' } }, spec: { containers: [{ name: 'gateway', image: 'gpulab/gateway:0.1.0', readinessProbe: { grpc: { port: 50051 } } }] } },
  };
  edit(spec);
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gpulab-gateway', labels: { any: 'label' } }, spec };
}

const container = (spec: Record<string, unknown>) => (spec.template as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0];

describe('manifest checks', () => {
  it('pass an object the Kubernetes API accepts', () => {
    assert.equal(schemaProblem(deployment()), undefined);
    assert.deepEqual(unknownFields([deployment()]), []);
  });

  it('name a value of the wrong type with its path', () => {
    assert.match(schemaProblem(deployment((s) => (s.replicas = 'two'))) ?? '', /Deployment gpulab-gateway: .*spec\/replicas must be integer/);
  });

  it('name a kind that is not part of Kubernetes', () => {
    assert.match(schemaProblem({ apiVersion: 'apps/v1', kind: 'Deploymint', metadata: { name: 'x' } }) ?? '', /apps\/v1\/Deploymint is not part of Kubernetes 1\.27/);
  });

  it('name a misspelt field deep inside a pod template, which the schemas alone let through', () => {
    const typo = deployment((s) => (container(s).securityContext = { readOnlyRootFilesytem: true }));
    assert.equal(schemaProblem(typo), undefined);
    assert.deepEqual(unknownFields([typo]), ['Deployment gpulab-gateway.spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem: no such field']);
  });

  it('accept any key where the API takes a map (labels, resources)', () => {
    const withMaps = deployment((s) => (container(s).resources = { limits: { 'nvidia.com/gpu': 1 } }));
    assert.deepEqual(unknownFields([withMaps]), []);
  });
});
