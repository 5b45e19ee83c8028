#!/usr/bin/env node
// Installs nats-server with apt when running as root on Debian/Ubuntu; otherwise says how.
const { ensureNatsServer } = require('@gpulab/platform');
try {
  console.log(`nats-server: ${ensureNatsServer((line) => console.log(line))}`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
