#!/usr/bin/env node
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { compileGatewayConfig, gatewayOptionsFromEnv } from './config';
import { GatewayModule } from './gateway.module';

async function main(): Promise<void> {
  const config = compileGatewayConfig(gatewayOptionsFromEnv(process.env));
  const app = await NestFactory.createApplicationContext(GatewayModule.forConfig(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
