#!/usr/bin/env node
// Thin shim so `npx proofline …` works in a checkout: Node 24 runs the TypeScript entrypoint
// directly (type stripping), so there is no build step.
import '../workers/cli.ts';
