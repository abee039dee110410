// The Compute bundle (dist/gcp-compute.js): the sidebar's adapter and the serial console
// share one copy of the Compute client and its pruned descriptor.
export { ComputeAdapter, ReprovisionComputeAdapter, toWorkerVm } from './compute';
export { serialSource } from './serial';
export { WorkerCompute } from './worker';
