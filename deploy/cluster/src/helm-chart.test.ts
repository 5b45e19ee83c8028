import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseDataMounts, workerPodSettings } from '@gpulab/scheduler';
import { HelmCommandError, lintChart, type Manifest, renderChart } from './chart-render';
import { KUBERNETES_SCHEMA_VERSION, schemaProblem } from './manifest-schema';
import { REPO_PATHS, REPO_ROOT } from './repo-paths';
import { helmUnavailable, testHelm } from './testing-helm';
import { unknownFields } from './unknown-fields';

const skip = helmUnavailable();
if (skip) console.log(`the Helm chart's checks are skipped: ${skip}`);

const DEFAULTS = {};
const PRODUCTION = { valuesFiles: [REPO_PATHS.productionValues] };

/** Variables the Kubernetes launcher will read; set by the chart before the launcher exists. */
const LAUNCHER_VARIABLES = ['GPULAB_LAUNCHER', 'GPULAB_KUBE_NAMESPACE', 'GPULAB_KUBE_NODE_LABEL', 'GPULAB_KUBE_WORKER_GPU_IMAGE', 'GPULAB_KUBE_WORKER_CPU_IMAGE', 'GPULAB_KUBE_DATA_MOUNTS', 'GPULAB_KUBE_POD_TEMPLATE'];

type Container = { name: string; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[]; readinessProbe?: object; livenessProbe?: object };
type PodSpec = { containers: Container[]; volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] }; projected?: { sources: { secret?: { name: string; items: { key: string; path: string }[] } }[] } }[]; affinity?: Record<string, unknown>; serviceAccountName?: string };

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}

function podSpec(workload: Manifest): PodSpec {
  return (workload.spec as { template: { spec: PodSpec } }).template.spec;
}

function env(container: Container): Map<string, string | undefined> {
  return new Map((container.env ?? []).map((e) => [e.name, e.value]));
}

/** GPULAB_ variables a service's sources name: what its configuration (and platform's) reads. */
function variablesRead(...dirs: string[]): Set<string> {
  const names = new Set<string>();
  for (const dir of dirs) {
    for (const file of readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      for (const match of readFileSync(join(REPO_ROOT, dir, file), 'utf8').matchAll(/GPULAB_[A-Z0-9_]+/g)) names.add(match[0]);
    }
  }
  return names;
}

async function refusal(binary: string, set: string[]): Promise<string> {
  try {
    await renderChart(binary, { set });
  } catch (error) {
    assert.ok(error instanceof HelmCommandError, String(error));
    return error.stderr;
  }
  assert.fail(`helm template accepted ${set.join(' ')}`);
}

describe('the Helm chart', { skip }, () => {
  let binary: string;
  const rendered: Record<'defaults' | 'production', Manifest[]> = { defaults: [], production: [] };
  before(async () => {
    binary = await testHelm();
    rendered.defaults = await renderChart(binary, DEFAULTS);
    rendered.production = await renderChart(binary, PRODUCTION);
  });

  it('passes helm lint --strict with the defaults and with production-like values', async () => {
    for (const options of [DEFAULTS, PRODUCTION]) assert.match(await lintChart(binary, options), /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  for (const values of ['defaults', 'production'] as const) {
    it(`renders with the ${values} only objects that satisfy the Kubernetes ${KUBERNETES_SCHEMA_VERSION} API schemas`, () => {
      assert.ok(rendered[values].length > 15, `only ${rendered[values].length} objects`);
      assert.deepEqual(rendered[values].map(schemaProblem).filter(Boolean), []);
    });

    it(`renders with the ${values} no field the Kubernetes API does not have`, () => {
      assert.deepEqual(unknownFields(rendered[values]), []);
    });

    it(`renders with the ${values} a worker pod template that is a valid PodTemplate`, () => {
      const configMap = find(rendered[values], 'ConfigMap', 'gpulab-worker-pod');
      const template = JSON.parse((configMap.data as Record<string, string>)['pod-template.json']) as Manifest;
      assert.equal(template.kind, 'PodTemplate');
      assert.equal(schemaProblem(template), undefined);
      assert.deepEqual(unknownFields([template]), []);
    });
  }

  it('refuses a wrong value at install, naming the field', async () => {
    assert.match(await refusal(binary, ['nats.jetstreamReplicas=7']), /\/nats\/jetstreamReplicas.*maximum/);
    assert.match(await refusal(binary, ['gracePeriod.preempt=soon']), /\/gracePeriod\/preempt.*'soon' does not match/);
    assert.match(await refusal(binary, ['gateway.replica=3']), /\/gateway.*'replica' not allowed/);
    assert.match(await refusal(binary, ['nodes.servers[0].gpus=0']), /\/nodes\/servers\/0\/gpus/);
    assert.match(await refusal(binary, ['nats.replicas=1']), /nats\.jetstreamReplicas: 3 copies need at least as many NATS servers/);
  });

  it('runs NATS as a JetStream cluster of three on volumes of their own, one per node, routed to each other', () => {
    const nats = find(rendered.defaults, 'StatefulSet', 'gpulab-nats');
    const spec = nats.spec as { replicas: number; serviceName: string; volumeClaimTemplates: unknown[] };
    assert.equal(spec.replicas, 3);
    assert.equal(spec.serviceName, 'gpulab-nats-headless');
    assert.equal(spec.volumeClaimTemplates.length, 1);
    assert.ok(podSpec(nats).affinity?.podAntiAffinity, 'no anti-affinity');
    const config = (find(rendered.defaults, 'ConfigMap', 'gpulab-nats-config').data as Record<string, string>)['nats.conf'];
    for (const i of [0, 1, 2]) assert.ok(config.includes(`nats://gpulab-nats-${i}.gpulab-nats-headless.gpulab.svc:6222`), `no route to server ${i}`);
    assert.match(config, /jetstream \{/);
  });

  it('has the gateway and the scheduler keep three copies of every stream, bucket and the object store', () => {
    for (const name of ['gpulab-gateway', 'gpulab-scheduler']) {
      assert.equal(env(podSpec(find(rendered.defaults, 'Deployment', name)).containers[0]).get('GPULAB_NATS_REPLICAS'), '3', name);
    }
  });

  it('sets on each service only variables that service reads, and the launcher’s', () => {
    const platform = 'libs/platform/src';
    const reads = { 'gpulab-gateway': variablesRead('services/gateway/src', platform), 'gpulab-scheduler': variablesRead('services/scheduler/src', platform) };
    for (const values of ['defaults', 'production'] as const) {
      for (const [name, known] of Object.entries(reads)) {
        const unread = [...env(podSpec(find(rendered[values], 'Deployment', name)).containers[0]).keys()].filter((v) => !known.has(v) && !LAUNCHER_VARIABLES.includes(v));
        assert.deepEqual(unread, [], `${name} (${values}) is given variables it never reads`);
      }
    }
    const worker = variablesRead('services/worker/src', platform);
    const template = JSON.parse((find(rendered.production, 'ConfigMap', 'gpulab-worker-pod').data as Record<string, string>)['pod-template.json']) as { template: { spec: PodSpec } };
    assert.deepEqual([...env(template.template.spec.containers[0]).keys()].filter((v) => !worker.has(v)), []);
  });

  it('runs two gateways and a standby scheduler, with disruption budgets that keep one of each', () => {
    assert.equal((find(rendered.defaults, 'Deployment', 'gpulab-gateway').spec as { replicas: number }).replicas, 2);
    assert.equal((find(rendered.defaults, 'Deployment', 'gpulab-scheduler').spec as { replicas: number }).replicas, 2);
    for (const name of ['gpulab-gateway', 'gpulab-scheduler']) assert.deepEqual((find(rendered.defaults, 'PodDisruptionBudget', name).spec as { minAvailable: number }).minAvailable, 1);
    assert.equal((find(rendered.defaults, 'PodDisruptionBudget', 'gpulab-nats').spec as { maxUnavailable: number }).maxUnavailable, 1);
  });

  it('checks the gateway through gRPC health: the kubelet’s probe in plaintext, the image’s own over TLS', () => {
    const plain = podSpec(find(rendered.defaults, 'Deployment', 'gpulab-gateway')).containers[0];
    assert.deepEqual((plain.readinessProbe as { grpc?: unknown }).grpc, { port: 50051 });
    assert.deepEqual((plain.livenessProbe as { grpc?: unknown }).grpc, { port: 50051 });
    const tls = podSpec(find(rendered.production, 'Deployment', 'gpulab-gateway')).containers[0];
    assert.deepEqual((tls.readinessProbe as { exec?: unknown }).exec, { command: ['node', 'deploy/images/grpc-health-probe.js', '50051'] });
    assert.equal(env(tls).get('GPULAB_TLS_CERT'), '/etc/gpulab/tls/tls.crt');
  });

  it("lets the scheduler manage Jobs, Pods and its attempts' credential Secrets and read Pod logs in its namespace, and only read Nodes", () => {
    const role = find(rendered.defaults, 'Role', 'gpulab-scheduler');
    assert.deepEqual(role.rules, [
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete', 'get', 'list'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ]);
    assert.deepEqual(find(rendered.defaults, 'ClusterRole', 'gpulab-gpulab-scheduler-nodes').rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
    assert.equal(podSpec(find(rendered.defaults, 'Deployment', 'gpulab-scheduler')).serviceAccountName, 'gpulab-scheduler');
    const binding = find(rendered.defaults, 'ClusterRoleBinding', 'gpulab-gpulab-scheduler-nodes');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'gpulab-scheduler', namespace: 'gpulab' }]);
  });

  it('lets workers reach only NATS, NATS only gpulab’s pods, and only the gateway take calls from outside', () => {
    type Policy = { ingress?: { from?: unknown[]; ports?: { port: number }[] }[]; egress?: { to?: { podSelector?: { matchLabels: Record<string, string> } }[]; ports?: { port: number }[] }[] };
    const policy = (name: string) => find(rendered.production, 'NetworkPolicy', name).spec as Policy;
    const worker = policy('gpulab-worker');
    assert.deepEqual(worker.ingress, []);
    const workerEgress = worker.egress ?? [];
    assert.deepEqual(workerEgress.filter((e) => e.to).map((e) => [e.to?.[0].podSelector?.matchLabels['app.kubernetes.io/component'], e.ports?.map((p) => p.port)]), [['nats', [4222]]]);
    assert.ok(workerEgress.filter((e) => !e.to).every((e) => e.ports?.every((p) => p.port === 53)), 'workers may reach more than NATS and DNS');
    const nats = policy('gpulab-nats');
    assert.ok(nats.ingress?.every((rule) => (rule.from ?? []).length > 0), 'NATS takes connections from anyone');
    const gateway = policy('gpulab-gateway');
    assert.deepEqual(gateway.ingress?.find((rule) => !rule.from)?.ports, [{ protocol: 'TCP', port: 50051 }]);
    assert.ok(policy('gpulab-scheduler').ingress?.every((rule) => (rule.from ?? []).length > 0), 'the scheduler takes calls from anyone');
  });

  it('gives the launcher the data folders in the one format it reads, and refuses another at install', async () => {
    const variables = env(podSpec(find(rendered.production, 'Deployment', 'gpulab-scheduler')).containers[0]);
    const mounts = variables.get('GPULAB_KUBE_DATA_MOUNTS') ?? '';
    assert.equal(mounts, 'pvc:course-datasets:/data/datasets,pvc:course-models:/data/models,/srv/dl_lecture_data/TrainVal:/data/TrainVal');
    // What the launcher makes of it: the same parser the scheduler runs at start.
    assert.deepEqual(parseDataMounts(mounts).map((m) => m.name), ['datasets', 'models', 'TrainVal']);
    assert.equal(env(podSpec(find(rendered.defaults, 'Deployment', 'gpulab-scheduler')).containers[0]).has('GPULAB_KUBE_DATA_MOUNTS'), false);
    for (const bad of ['data:/data', '/srv/x', 'nfs:server:/export:/data']) {
      assert.match(await refusal(binary, [`worker.dataMounts[0]=${bad}`]), /at '\/worker\/dataMounts\/0': .* does not match pattern/, bad);
    }
  });

  it('gives the launcher the worker pod template it reads, with the tolerations and resources of the values', () => {
    const scheduler = podSpec(find(rendered.production, 'Deployment', 'gpulab-scheduler'));
    const path = env(scheduler.containers[0]).get('GPULAB_KUBE_POD_TEMPLATE') ?? '';
    const mount = scheduler.containers[0].volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
    assert.equal(mount?.name, 'worker-template', `${path} is in the mounted ConfigMap`);
    const json = (find(rendered.production, 'ConfigMap', 'gpulab-worker-pod').data as Record<string, string>)[path.split('/').pop() ?? ''];
    const settings = workerPodSettings(json, path);
    assert.deepEqual(settings.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.ok(settings.resources?.requests?.memory, 'the values give the worker memory requests');
  });

  it('makes a tokens Secret with a tutor token and the teams of the values, unless one of your own is named', async () => {
    const secret = find(await renderChart(binary, { set: ['tokens.teams.team-a=team-a_0123456789abcdef'] }), 'Secret', 'gpulab-tokens');
    const tokens = JSON.parse((secret.stringData as Record<string, string>)['tokens.json']) as { tutor: string; teams: Record<string, string> };
    assert.match(tokens.tutor, /^tutor_[A-Za-z0-9]{32}$/);
    assert.deepEqual(tokens.teams, { 'team-a': 'team-a_0123456789abcdef' });
    assert.equal(rendered.production.filter((m) => m.kind === 'Secret').length, 0);
    const volumes = podSpec(find(rendered.production, 'Deployment', 'gpulab-gateway')).volumes ?? [];
    assert.equal(volumes.find((v) => v.name === 'tokens')?.secret?.secretName, 'gpulab-course-tokens');
  });

  it('routes gRPC to the gateway through a Gateway API GRPCRoute instead of an Ingress when asked, never both', async () => {
    const manifests = await renderChart(binary, { set: ['gateway.grpcRoute.enabled=true', 'gateway.grpcRoute.parentRefs[0].name=course-gateway', 'gateway.grpcRoute.hostnames[0]=gpulab.example.org'] });
    const route = find(manifests, 'GRPCRoute', 'gpulab-gateway');
    assert.deepEqual(route.spec, { parentRefs: [{ name: 'course-gateway' }], hostnames: ['gpulab.example.org'], rules: [{ backendRefs: [{ name: 'gpulab-gateway', port: 50051 }] }] });
    assert.equal(manifests.filter((m) => m.kind === 'Ingress').length, 0);
    assert.match(await refusal(binary, ['gateway.grpcRoute.enabled=true', 'gateway.ingress.enabled=true']), /gateway\.grpcRoute\.enabled: choose an Ingress or a GRPCRoute, not both/);
  });
});
