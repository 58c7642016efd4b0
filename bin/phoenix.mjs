#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx phoenix` works straight after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { runAsProcess } = await import('../tools/cli.ts');
process.exitCode = await runAsProcess(process.argv.slice(2));
