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

export function describeJob(job: JobView): string {
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
  if (job.notBefore && job.state === 'QUEUED') lines.push(`retry    not before ${job.notBefore.toISOString()}`);
  if (job.createdAt) lines.push(`created  ${job.createdAt.toISOString()}`);
  if (job.finishedAt) lines.push(`finished ${job.finishedAt.toISOString()}`);
  if (job.backend) lines.push(`backend  ${job.backend}`);
  if (job.result) lines.push(...describeResult(job.result));
  if (job.attempts.length > 0) lines.push('attempts', ...attemptTable(job.attempts).split('\n').map((line) => `  ${line}`));
  return lines.join('\n');
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

export function attemptTable(attempts: readonly JobAttemptView[]): string {
  const at = (d: Date | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-');
  const rows = [['ATTEMPT', 'WORKER', 'GPUS', 'FROM', 'TO', 'OUTCOME', 'REASON']];
  for (const a of attempts) {
    rows.push([String(a.attempt), a.worker ?? '-', a.gpus.length ? gpuList({ assignedGpus: a.gpus }) : '-', at(a.from), at(a.to), a.outcome, a.reason ?? '-']);
  }
  return table(rows);
}

function describeResult(result: Record<string, unknown>): string[] {
  const lines = ['result'];
  for (const [key, value] of Object.entries(result)) {
    if (key === 'files' && Array.isArray(value)) {
      const files = value as { name?: unknown; bytes?: unknown }[];
      lines.push(`  files: ${files.map((f) => `${String(f.name)} (${formatBytes(Number(f.bytes))})`).join(', ')} (gpulab result ID --out DIR downloads them)`);
    } else if (Array.isArray(value) && Array.isArray(value[0])) {
      const rows = value as unknown[][];
      lines.push(`  ${key}: ${rows.length} x ${rows[0].length}`);
      for (const row of rows.slice(0, 12)) lines.push(`    ${row.map(num).join('  ')}`);
      if (rows.length > 12) lines.push(`    … ${rows.length - 12} more rows (use --json for all)`);
    } else if (Array.isArray(value)) {
      lines.push(`  ${key}: ${value.slice(0, 12).map(num).join('  ')}${value.length > 12 ? ' …' : ''}`);
    } else {
      lines.push(`  ${key}: ${typeof value === 'number' ? num(value) : String(value)}`);
    }
  }
  return lines;
}

function num(v: unknown): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(7).replace(/0+$/, '')) : String(v);
}

/**
 * One row a job; as squeue's NODELIST(REASON), a queued job's REASON is its waiting code, and
 * POS its place in its team's queue (shown only when some job has one).
 */
export function jobTable(jobs: readonly JobView[]): string {
  const waiting = (j: JobView) => (j.state === 'QUEUED' ? j.waiting : undefined);
  const withPosition = jobs.some((j) => waiting(j)?.position);
  const rows = [['ID', 'KIND', 'TEAM', 'STATE', 'GPUS', 'CREATED', ...(withPosition ? ['POS'] : []), 'REASON']];
  for (const j of jobs) {
    const position = withPosition ? [String(waiting(j)?.position ?? '-')] : [];
    rows.push([j.id, j.kind, j.team, j.state, gpuList(j), j.createdAt?.toISOString().replace('T', ' ').slice(0, 19) ?? '', ...position, waiting(j)?.code ?? '-']);
  }
  return table(rows);
}

/** Left-aligned columns two spaces apart. */
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

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

export function eventLine(e: JobEventView): string {
  const at = e.time ? e.time.toISOString().slice(11, 23) : '';
  switch (e.type) {
    case 'state':
      return `${at}  ${e.state}${e.assignedGpus.length ? ` on ${gpuList(e)}` : ''}${e.reason ? ` — ${e.reason}` : ''}`;
    case 'progress':
      return `${at}  ${Math.round(e.fraction * 100)}% ${e.message}`;
    case 'log':
      return `${at}  [${e.level}] ${e.message}`;
    case 'result':
      return `${at}  result ready (backend ${e.backend})`;
  }
}

/** Sizes in binary units, as the storage limit counts them (1 MB = 1,048,576 bytes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** "60000 × 784 (28x28 each), 10 classes (0, 1, 2, …)"; "picture 640x480, RGB"; "model 28x28x1 → 10 classes, 7 layers" */
export function describeShape(a: Pick<ArtifactView, 'rows' | 'cols' | 'labeled' | 'classNames' | 'kind' | 'itemShape' | 'model'>): string {
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

export function describeArtifact(a: ArtifactView): string {
  const lines = [
    `artifact ${a.id}`,
    `file     ${a.filename}${a.labelsFilename ? ` + labels ${a.labelsFilename}` : ''}${a.weightsFilename ? ` + weights ${a.weightsFilename}` : ''} (${a.format})`,
    `team     ${a.team} (${a.sourceJob ? `trained by job ${a.sourceJob}` : 'uploaded'} by ${a.createdBy})`,
    `${a.kind === 'model' ? 'model' : a.kind === 'image' ? 'picture' : 'data'}${a.kind === 'image' ? '  ' : '    '} ${describeShape(a)}`,
    `stored   ${formatBytes(a.storedBytes)}`,
    `sha256   ${a.sha256}`,
  ];
  if (a.model) lines.push(`layers   ${a.model.layers.join(', ')}`);
  if (a.createdAt) lines.push(`created  ${a.createdAt.toISOString()}`);
  return lines.join('\n');
}

export function artifactTable(artifacts: readonly ArtifactView[], showTeam: boolean): string {
  const head = ['ID', ...(showTeam ? ['TEAM'] : []), 'FILE', 'KIND', 'SHAPE', 'LABELS', 'STORED', 'CREATED'];
  const rows = artifacts.map((a) => [
    a.id,
    ...(showTeam ? [a.team] : []),
    a.filename,
    a.kind,
    a.kind === 'model' && a.model ? `${a.model.inputShape.join('x')} → ${a.model.classes}` : a.kind === 'image' && a.itemShape ? a.itemShape.join('x') : `${a.rows} × ${a.cols}`,
    a.labeled ? `${a.classNames.length} classes` : '-',
    formatBytes(a.storedBytes),
    a.createdAt?.toISOString().replace('T', ' ').slice(0, 19) ?? '',
  ]);
  return table([head, ...rows]);
}

export function uploadTable(uploads: readonly UploadView[]): string {
  const rows = uploads.map((u) => {
    const received = u.files.reduce((s, f) => s + f.receivedBytes, 0);
    const size = u.files.reduce((s, f) => s + f.sizeBytes, 0);
    return [u.id, u.team, u.files.map((f) => f.filename).join(' + '), `${formatBytes(received)} of ${formatBytes(size)}`, u.expiresAt?.toISOString().replace('T', ' ').slice(0, 19) ?? ''];
  });
  return table([['UPLOAD', 'TEAM', 'FILES', 'RECEIVED', 'DELETED IF IDLE UNTIL'], ...rows]);
}

export function usageLine(u: StorageUsage): string {
  const used = u.artifactBytes + u.uploadBytes + u.jobInputBytes + u.jobOutputBytes;
  const parts = [
    `${formatBytes(u.artifactBytes)} artifacts`,
    ...(u.uploadBytes > 0 ? [`${formatBytes(u.uploadBytes)} unfinished uploads`] : []),
    `${formatBytes(u.jobInputBytes)} job inputs`,
    `${formatBytes(u.jobOutputBytes)} job outputs`,
  ];
  return `team ${u.team}: ${formatBytes(used)} of ${formatBytes(u.limitBytes)} used (${parts.join(', ')}), ${formatBytes(Math.max(u.limitBytes - used, 0))} free`;
}
