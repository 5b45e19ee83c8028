export { KubeApiServer, type KubeObject, type PodStatusPlay, type RecordedRequest, type Refusal } from './kube-api-server';
export { parseLabelSelector } from './label-selector';
