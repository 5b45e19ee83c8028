#!/usr/bin/env node
// Built by `npm run build`; this file exists before the build so npm can link it as `gpulab-nats-secret`.
require("../dist/nats-secret-cli.js");
