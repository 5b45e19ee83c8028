export { LocalStack, type LocalStackOptions } from './local-stack';
