export { describeServiceEvent, LocalStack, type LocalStackOptions, type ServiceEvent, type ServiceName } from './local-stack';
