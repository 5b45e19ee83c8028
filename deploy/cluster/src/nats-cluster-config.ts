import { renderChart, type RenderOptions } from './chart-render';

/** The name of the chart's NATS configuration file inside its ConfigMap. */
const CONFIG_KEY = 'nats.conf';

/**
 * The `nats.conf` the chart gives its NATS StatefulSet (the ConfigMap `<release>-nats-config`),
 * as `helm template` renders it with these values.
 */
export async function renderNatsConfig(binary: string, options: RenderOptions = {}): Promise<string> {
  const manifests = await renderChart(binary, options);
  const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-nats-config'));
  const text = (configMap?.data as Record<string, string> | undefined)?.[CONFIG_KEY];
  if (typeof text !== 'string') throw new Error(`the chart rendered no ConfigMap *-nats-config with ${CONFIG_KEY}`);
  return text;
}

/** One member of a NATS cluster run as processes on this machine. */
export interface LoopbackNatsMember {
  /** Its `server_name` (in the chart, the pod's name). */
  name: string;
  /** JetStream's store, and where its pid file goes. */
  storeDir: string;
  /** The cluster port of every member, this one's included, in the chart's order (`-nats-0`, `-nats-1`, …). */
  clusterPorts: readonly number[];
  /** This member's index in `clusterPorts`. */
  index: number;
}

/**
 * The chart's NATS configuration made to run as one of several processes on loopback. Only what
 * ties it to a pod is rewritten, so the cluster, JetStream limits, lame duck and auth settings
 * stay the chart's:
 * - `server_name: $SERVER_NAME` → the member's name (the pod's environment sets it there);
 * - `http_port` is dropped: three servers on one host cannot share the monitoring port, and
 *   nothing here reads it;
 * - `pid_file` → the member's store folder, and `store_dir` is dropped (the pod's volumes are
 *   not here; `NatsServerProcess` names the store on the command line, and nats-server refuses
 *   a second `store_dir`);
 * - the cluster `port: 6222` → this member's cluster port, and every route
 *   `nats://<release>-nats-<i>.<headless service>…:6222` → `nats://127.0.0.1:<port of i>`, as the
 *   headless Service's DNS names do not resolve outside Kubernetes.
 * The client `port: 4222` stays: `NatsServerProcess` names the client port on the command line,
 * which wins. `include ./auth/auth.conf` stays too: the caller writes the Secret's `auth.conf`
 * beside the configuration file, as the pod mounts it.
 */
export function loopbackNatsConfig(chartConfig: string, member: LoopbackNatsMember): string {
  let inCluster = false;
  const lines: string[] = [];
  for (const line of chartConfig.split('\n')) {
    const trimmed = line.trim();
    if (/^cluster\s*\{/.test(trimmed)) inCluster = true;
    if (trimmed.startsWith('server_name:')) lines.push(`server_name: ${JSON.stringify(member.name)}`);
    else if (trimmed.startsWith('http_port:')) continue;
    else if (trimmed.startsWith('pid_file:')) lines.push(`pid_file: ${JSON.stringify(`${member.storeDir}/nats.pid`)}`);
    else if (trimmed.startsWith('store_dir:')) continue;
    else if (inCluster && trimmed.startsWith('port:')) lines.push(`  port: ${member.clusterPorts[member.index]}`);
    else if (inCluster && /^nats:\/\/\S+-nats-\d+\./.test(trimmed)) lines.push(`    nats://127.0.0.1:${routePort(trimmed, member.clusterPorts)}`);
    else lines.push(line);
  }
  const routes = lines.filter((l) => l.trim().startsWith('nats://127.0.0.1:')).length;
  if (routes !== member.clusterPorts.length) throw new Error(`the chart's NATS configuration names ${routes} routes, not ${member.clusterPorts.length}: render it with nats.replicas=${member.clusterPorts.length}`);
  return lines.join('\n');
}

function routePort(route: string, clusterPorts: readonly number[]): number {
  const index = Number(/-nats-(\d+)\./.exec(route)?.[1]);
  const port = clusterPorts[index];
  if (port === undefined) throw new Error(`route ${route} names member ${index}, beyond the ${clusterPorts.length} given`);
  return port;
}
