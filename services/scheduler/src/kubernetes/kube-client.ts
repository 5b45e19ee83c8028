import { BatchV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { type KubernetesConfig } from './kubernetes-config';

/** The API clients the launcher uses, on one configuration. */
export interface KubeClient {
  batch: BatchV1Api;
  core: CoreV1Api;
  watch: Watch;
}

/**
 * A server URL (tests, a proxy) wins over a kubeconfig file, which wins over the pod's service
 * account: in a cluster nothing needs to be set.
 */
export function connectKube(config: Pick<KubernetesConfig, 'server' | 'kubeconfig'>): KubeClient {
  const kc = new KubeConfig();
  if (config.server) {
    // The client refuses plain http unless told to skip TLS checks; with https they stay on.
    const plain = config.server.startsWith('http:');
    kc.loadFromOptions({
      clusters: [{ name: 'gpulab', server: config.server, skipTLSVerify: plain }],
      users: [{ name: 'gpulab' }],
      contexts: [{ name: 'gpulab', cluster: 'gpulab', user: 'gpulab' }],
      currentContext: 'gpulab',
    });
  } else if (config.kubeconfig) {
    kc.loadFromFile(config.kubeconfig);
  } else {
    kc.loadFromCluster();
  }
  return { batch: kc.makeApiClient(BatchV1Api), core: kc.makeApiClient(CoreV1Api), watch: new Watch(kc) };
}
