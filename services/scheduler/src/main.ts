#!/usr/bin/env node
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { compileSchedulerConfig, schedulerOptionsFromEnv } from './config';
import { SchedulerModule } from './scheduler.module';

async function main(): Promise<void> {
  const config = compileSchedulerConfig(schedulerOptionsFromEnv(process.env));
  const app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  app.get(Logger).log(`scheduler ready (NATS ${config.natsUrl})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
