import { createRequire } from 'node:module';
import type { Manifest } from './chart-render';

/**
 * The Kubernetes API whose OpenAPI schemas every rendered object must satisfy: that of
 * `kubernetes-models` 4.x, the last line that runs on Node 20. The chart asks for no newer API
 * (`kubeVersion: >=1.27.0-0`), and the APIs it uses are stable (v1) since.
 */
export const KUBERNETES_SCHEMA_VERSION = '1.27';

/** Kinds that are no part of Kubernetes itself, so no schema of it checks them. */
export const CUSTOM_RESOURCE_KINDS: readonly string[] = ['gateway.networking.k8s.io/v1/GRPCRoute'];

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

const load = createRequire(__filename);

/**
 * Why `manifest` breaks the Kubernetes API schema, or undefined when it does not. An object of a
 * kind the schemas do not know is a problem too, unless it is one of {@link CUSTOM_RESOURCE_KINDS}.
 */
export function schemaProblem(manifest: Manifest): string | undefined {
  const subject = `${manifest.kind} ${manifest.metadata?.name ?? '(no name)'}`;
  const kindPath = `${manifest.apiVersion}/${manifest.kind}`;
  if (CUSTOM_RESOURCE_KINDS.includes(kindPath)) return undefined;
  let models: Record<string, ModelClass | undefined>;
  try {
    // Core objects (apiVersion v1) sit at the package's root; others under their group.
    models = load(`kubernetes-models/${manifest.apiVersion}`) as Record<string, ModelClass | undefined>;
  } catch {
    return `${subject}: apiVersion ${manifest.apiVersion} is not part of Kubernetes ${KUBERNETES_SCHEMA_VERSION}`;
  }
  const Kind = models[manifest.kind];
  if (typeof Kind !== 'function') return `${subject}: ${kindPath} is not part of Kubernetes ${KUBERNETES_SCHEMA_VERSION}`;
  try {
    new Kind(manifest).validate();
    return undefined;
  } catch (error) {
    return `${subject}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
