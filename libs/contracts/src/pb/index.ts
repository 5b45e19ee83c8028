// The generated gRPC types, as one namespace so that code using them reads as edge code.
export * from '../generated/gpulab/v1/job';
export * from '../generated/gpulab/v1/job_service';
export * from '../generated/gpulab/v1/slots';
export * from '../generated/gpulab/v1/slot_service';
export * from '../generated/gpulab/v1/admin_service';
export * from '../generated/gpulab/v1/artifact_service';
