import { type TimeOptions, clockTime, duration, localTime, tableTime } from './time-format';
import { byteUnit, formatBytes, formatBytesIn } from './byte-format';
import { metricsText, resourceLine } from './resource-format';
import { resultLines } from './result-format';
import { table } from './text-table';

export { formatBytes } from './byte-format';
export { table } from './text-table';
import { type ArtifactView, type JobAttemptView, type JobEventView, type JobView, type StorageUsage, type UploadView } from '@gpulab/sdk';

/** The JSON object `--json` prints: stable keys, dates as ISO strings. */
export function jobJson(job: JobView): Record<string, unknown> {
  return JSON.parse(JSON.stringify(job)) as Record<string, unknown>;
}

export function gpuList(job: Pick<JobView, 'assignedGpus'>): string {
  if (job.assignedGpus.length === 0) return '-';
  const server = job.assignedGpus[0].server;
  return `${server} GPU${job.assignedGpus.length > 1 ? 's' : ''} ${job.assignedGpus.map((g) => g.index).join(',')}`;
}

/**
 * A job for people: what it is, where it runs, why it waits, when it was made and how long it
 * queued and ran, its result as indented blocks and tables, and its attempts. Times are in
 * `time.timeZone` (UTC without one), and relative to `time.now` when given.
 */
export function describeJob(job: JobView, time: TimeOptions = {}): string {
  const lines = [
    `job      ${job.id}`,
    `kind     ${job.kind}`,
    `team     ${job.team}`,
    `state    ${job.state}${job.attempt > 1 ? ` (attempt ${job.attempt})` : ''}`,
    `gpus     ${job.gpus} asked, ${gpuList(job)}`,
  ];
  if (Object.keys(job.params).length > 0) lines.push(`params   ${JSON.stringify(job.params)}`);
  if (job.state === 'QUEUED') lines.push(...describeWaiting(job));
  if (job.reason) lines.push(`reason   ${job.reason}`);
  if (job.notBefore && job.state === 'QUEUED') lines.push(`retry    not before ${localTime(job.notBefore, { timeZone: time.timeZone })}`);
  if (job.createdAt) lines.push(`created  ${localTime(job.createdAt, time)}`);
  if (job.finishedAt) lines.push(`finished ${localTime(job.finishedAt, time)}`);
  const took = timings(job, time.now);
  if (took) lines.push(`took     ${took}`);
  if (job.backend) lines.push(`backend  ${job.backend}`);
  if (job.resources) lines.push(`using    ${resourceLine(job.resources)}${job.resources.sampledAt ? ` (sampled ${clockTime(job.resources.sampledAt, time).slice(0, 8)})` : ''}`);
  if (job.peakResources) lines.push(`peak     ${resourceLine(job.peakResources)}`);
  // A job that did not succeed has no result, only the record of the files it kept.
  if (job.result) lines.push(job.state === 'SUCCEEDED' ? 'result' : 'kept (the job did not succeed)', ...resultLines(job.result));
  if (job.attempts.length > 0) lines.push('attempts', ...attemptTable(job.attempts, time).split('\n').map((line) => `  ${line}`));
  return lines.join('\n');
}

/** "queued 3 s, ran 12.4 s"; for a running job, "running for 5 s" given now. */
function timings(job: JobView, now: Date | undefined): string | undefined {
  const span = (from?: Date, to?: Date) => (from && to ? duration(Math.max(0, to.getTime() - from.getTime())) : undefined);
  const queued = span(job.createdAt, job.startedAt ?? job.scheduledAt);
  const ran = span(job.startedAt, job.finishedAt);
  const running = !job.finishedAt && job.state === 'RUNNING' ? span(job.startedAt, now) : undefined;
  const parts = [queued && `queued ${queued}`, ran && `ran ${ran}`, running && `running for ${running}`].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

/** The code first, for a person to look up and a script to match; then the rule in words. */
function describeWaiting(job: JobView): string[] {
  if (!job.waiting) return job.waitingReason ? [`waiting  ${job.waitingReason}`] : [];
  const { code, message, fromDay, position } = job.waiting;
  const lines = [`waiting  ${code}: ${message}`];
  const when = [position ? `#${position} in the team's queue` : '', fromDay ? `can start from ${fromDay}` : ''].filter(Boolean);
  if (when.length > 0) lines.push(`queue    ${when.join(', ')}`);
  return lines;
}

/** The attempts of a job, one row each, in the zone `describeJob` names beside `created`. */
export function attemptTable(attempts: readonly JobAttemptView[], time: TimeOptions = {}): string {
  const at = (d: Date | undefined) => tableTime(d, time);
  const rows = [['ATTEMPT', 'WORKER', 'GPUS', 'FROM', 'TO', 'OUTCOME', 'REASON']];
  for (const a of attempts) {
    rows.push([String(a.attempt), a.worker ?? '-', a.gpus.length ? gpuList({ assignedGpus: a.gpus }) : '-', at(a.from), at(a.to), a.outcome, a.reason ?? '-']);
  }
  return table(rows);
}

/**
 * One row a job; as squeue's NODELIST(REASON), a queued job's REASON is its waiting code, and
 * POS its place in its team's queue (shown only when some job has one).
 */
export function jobTable(jobs: readonly JobView[], time: TimeOptions = {}): string {
  const waiting = (j: JobView) => (j.state === 'QUEUED' ? j.waiting : undefined);
  const withPosition = jobs.some((j) => waiting(j)?.position);
  const rows = [['ID', 'KIND', 'TEAM', 'STATE', 'GPUS', 'CREATED', ...(withPosition ? ['POS'] : []), 'REASON']];
  for (const j of jobs) {
    const position = withPosition ? [String(waiting(j)?.position ?? '-')] : [];
    rows.push([j.id, j.kind, j.team, j.state, gpuList(j), j.createdAt ? tableTime(j.createdAt, time) : '', ...position, waiting(j)?.code ?? '-']);
  }
  return table(rows);
}

/** "2027-04-01 10:00 UTC". */
export function shortTime(iso: string): string {
  const at = new Date(iso);
  return Number.isFinite(at.getTime()) ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso.slice(0, 40);
}

/** A team as ListTeams answers it. */
interface TeamRow {
  name: string;
  members: string[];
  roster: { name: string; expiresAt: string }[];
  source: string;
}

/** Teams and their members, with each token's expiry where it has one. */
export function teamTable(teams: readonly TeamRow[], now: Date): string {
  const member = (m: { name: string; expiresAt: string }) => {
    if (!m.expiresAt) return m.name;
    const expired = Date.parse(m.expiresAt) <= now.getTime();
    return `${m.name} (${expired ? 'expired' : 'expires'} ${m.expiresAt.slice(0, 10)})`;
  };
  const rows = teams.map((t) => {
    const roster = t.roster.length ? t.roster : t.members.map((name) => ({ name, expiresAt: '' }));
    return [t.name, roster.map(member).join(', ') || '-', t.source];
  });
  return table([['TEAM', 'MEMBERS', 'FROM'], ...rows]);
}

/** One line of `watch`: the event's time of day in the zone, then what happened. */
export function eventLine(e: JobEventView, time: TimeOptions = {}): string {
  const at = clockTime(e.time, time);
  switch (e.type) {
    case 'state':
      return `${at}  ${e.state}${e.assignedGpus.length ? ` on ${gpuList(e)}` : ''}${e.reason ? ` — ${e.reason}` : ''}`;
    case 'progress':
      return `${at}  ${Math.round(e.fraction * 100)}% ${progressText(e)}`;
    case 'log':
      return `${at}  [${e.level}] ${e.message}`;
    case 'result':
      return `${at}  result ready (backend ${e.backend})`;
  }
}

/** A progress event's message, then its metrics, then a run job's resource sample in brackets. */
export function progressText(e: Extract<JobEventView, { type: 'progress' }>): string {
  const metrics = metricsText(e.metrics);
  return [e.message, metrics, e.resources ? `(${resourceLine(e.resources)})` : ''].filter(Boolean).join('  ');
}

/** "60000 × 784 (28x28 each), 10 classes (0, 1, 2, …)"; "picture 640x480, RGB"; "model 28x28x1 → 10 classes, 7 layers" */
export function describeShape(a: Pick<ArtifactView, 'rows' | 'cols' | 'labeled' | 'classNames' | 'kind' | 'itemShape' | 'model' | 'code'>): string {
  if (a.kind === 'code' && a.code) return `${a.code.files} files, ${formatBytes(a.code.unpackedBytes)} unpacked`;
  if (a.kind === 'model' && a.model) {
    return `model ${a.model.inputShape.join('x')} → ${a.model.classes} classes, ${a.model.layers.length} layers, ${a.model.parameters.toLocaleString('en-US')} parameters`;
  }
  if (a.kind === 'image' && a.itemShape) {
    const [h, w, c] = a.itemShape;
    return `picture ${w}x${h}, ${c === 1 ? 'gray' : 'RGB'}`;
  }
  const shape = `${a.rows} × ${a.cols}${a.itemShape ? ` (${a.itemShape.join('x')} each)` : ''}`;
  if (!a.labeled) return `${shape}, no labels`;
  const names = a.classNames.length > 8 ? [...a.classNames.slice(0, 8), '…'] : a.classNames;
  return `${shape}, ${a.classNames.length} class${a.classNames.length === 1 ? '' : 'es'} (${names.join(', ')})`;
}

/** One artifact for `artifacts show`: its files, team, shape, size and checksum; `created` in the zone. */
export function describeArtifact(a: ArtifactView, time: TimeOptions = {}): string {
  // A picture's shape says "picture" itself; the label beside it need not say it again.
  const shape = a.kind === 'image' ? describeShape(a).replace(/^picture /, '') : describeShape(a);
  const lines = [
    `artifact ${a.id}`,
    `file     ${a.filename}${a.labelsFilename ? ` + labels ${a.labelsFilename}` : ''}${a.weightsFilename ? ` + weights ${a.weightsFilename}` : ''} (${a.format})`,
    `team     ${a.team} (${a.sourceJob ? `trained by job ${a.sourceJob}` : 'uploaded'} by ${a.createdBy})`,
    `${(a.kind === 'model' ? 'model' : a.kind === 'image' ? 'picture' : a.kind === 'code' ? 'code' : 'data').padEnd(8)} ${shape}`,
    `stored   ${formatBytes(a.storedBytes)}`,
    `sha256   ${a.sha256}`,
  ];
  if (a.model) lines.push(`layers   ${a.model.layers.join(', ')}`);
  if (a.createdAt) lines.push(`created  ${localTime(a.createdAt, time)}`);
  return lines.join('\n');
}

export function artifactTable(artifacts: readonly ArtifactView[], showTeam: boolean, time: TimeOptions = {}): string {
  const head = ['ID', ...(showTeam ? ['TEAM'] : []), 'FILE', 'KIND', 'SHAPE', 'LABELS', 'STORED', 'CREATED'];
  const rows = artifacts.map((a) => [
    a.id,
    ...(showTeam ? [a.team] : []),
    a.filename,
    a.kind,
    a.kind === 'model' && a.model ? `${a.model.inputShape.join('x')} → ${a.model.classes}` : a.kind === 'image' && a.itemShape ? a.itemShape.join('x') : a.kind === 'code' && a.code ? `${a.code.files} files` : `${a.rows} × ${a.cols}`,
    a.labeled ? `${a.classNames.length} classes` : '-',
    formatBytes(a.storedBytes),
    a.createdAt ? tableTime(a.createdAt, time) : '',
  ]);
  return table([head, ...rows]);
}

export function uploadTable(uploads: readonly UploadView[], time: TimeOptions = {}): string {
  const rows = uploads.map((u) => {
    const received = u.files.reduce((s, f) => s + f.receivedBytes, 0);
    const size = u.files.reduce((s, f) => s + f.sizeBytes, 0);
    return [u.id, u.team, u.files.map((f) => f.filename).join(' + '), `${formatBytes(received)} of ${formatBytes(size)}`, u.expiresAt ? tableTime(u.expiresAt, time) : ''];
  });
  return table([['UPLOAD', 'TEAM', 'FILES', 'RECEIVED', 'DELETED IF IDLE UNTIL'], ...rows]);
}

/**
 * A team's storage on one line, every size in the limit's unit, so "1022.8 MB of 1.00 GB" does
 * not make the reader convert.
 */
export function usageLine(u: StorageUsage): string {
  const unit = byteUnit(u.limitBytes);
  const size = (bytes: number) => (bytes > 0 && bytes < 0.005 * 1024 ** unit ? `<${formatBytesIn(0.01 * 1024 ** unit, unit)}` : formatBytesIn(bytes, unit));
  const used = u.artifactBytes + u.uploadBytes + u.jobInputBytes + u.jobOutputBytes;
  const parts = [
    `${size(u.artifactBytes)} artifacts`,
    ...(u.uploadBytes > 0 ? [`${size(u.uploadBytes)} unfinished uploads`] : []),
    `${size(u.jobInputBytes)} job inputs`,
    `${size(u.jobOutputBytes)} job outputs`,
  ];
  return `team ${u.team}: ${size(used)} of ${size(u.limitBytes)} used (${parts.join(', ')}), ${size(Math.max(u.limitBytes - used, 0))} free`;
}
