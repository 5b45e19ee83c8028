export { GatewayModule } from './gateway.module';
export { GrpcServer } from './grpc-server';
export { compileGatewayConfig, type GatewayConfig, type GatewayOptions } from './config';
