import { attemptOfSubject, type JobEventEnvelope, ObjectNames } from '@gpulab/contracts';

/**
 * The report a message carries, when it is what its subject says: the subject names the job and
 * attempt whose credentials alone may publish on it, so a body that claims another job or
 * attempt, or a result stored anywhere but the job's own place, is forged or broken.
 */
export function trustedReport(subject: string, text: string): JobEventEnvelope | undefined {
  const from = attemptOfSubject(subject);
  let report: JobEventEnvelope;
  try {
    report = JSON.parse(text) as JobEventEnvelope;
  } catch {
    return undefined;
  }
  if (!from || report?.jobId !== from.jobId || report.attempt !== from.attempt || typeof report.body !== 'object' || report.body === null) return undefined;
  const channel = subject.split('.').slice(4).join('.');
  if (channel !== `report.${report.body.type}`) return undefined;
  if (report.body.type === 'result' && report.body.resultRef !== ObjectNames.result(from.jobId)) return undefined;
  if (report.body.type === 'failed' && report.body.resultRef !== undefined && report.body.resultRef !== ObjectNames.result(from.jobId)) return undefined;
  return report;
}
