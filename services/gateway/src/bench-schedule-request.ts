import { type AddBenchScheduleCommand, type Caller, ErrorCodes, ErrorReasons, isTutor, type pb } from '@gpulab/contracts';
import { prepareParams } from '@gpulab/compute';
import { findJobKind } from '@gpulab/jobs';
import { GatewayError } from './errors';
import { asInvalidArgument } from './input-intake';

/** The kind a schedule submits. */
const BENCHMARK_KIND = 'benchmark';

/**
 * A tutor's new benchmark schedule as the scheduler takes it: each batch size's job parameters
 * compiled by the benchmark kind here, as a submission's are, so a bad model or backend is
 * refused when the schedule is added rather than at 03:00. A member is refused before any of it.
 */
export function addBenchScheduleCommand(caller: Caller, req: pb.AddBenchScheduleRequest): AddBenchScheduleCommand {
  if (!isTutor(caller)) throw new GatewayError(ErrorCodes.permissionDenied, 'only tutors can keep benchmark schedules', { reason: ErrorReasons.tutorOnly });
  const cron = req.cron.trim();
  if (!cron) throw new GatewayError(ErrorCodes.invalidArgument, 'cron is missing, e.g. "0 3 * * *" for 03:00 every day', { metadata: { field: 'cron' } });
  const kind = findJobKind(BENCHMARK_KIND);
  const backends = req.backends.map((b) => b.trim()).filter((b) => b !== '');
  const images = req.images || undefined;
  const inputSize = req.inputSize || undefined;
  const base: Record<string, unknown> = { model: req.model.trim(), ...(backends.length > 0 ? { backends } : {}), ...(images ? { images } : {}), ...(inputSize ? { inputSize } : {}) };
  // No batch size given: one job at the kind's default.
  const jobParams = (req.batchSizes.length > 0 ? [...new Set(req.batchSizes)] : [undefined]).map((batchSize) =>
    asInvalidArgument(() => prepareParams(kind, batchSize === undefined ? base : { ...base, batchSize }, undefined)),
  );
  return {
    caller,
    cron,
    model: String(jobParams[0].model),
    backends,
    batchSizes: jobParams.map((p) => Number(p.batchSize)),
    images,
    inputSize,
    jobParams,
  };
}
