#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx phoenix` works straight after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { runPhoenixProcess } = await import('../tools/processEntry.ts');
process.exitCode = await runPhoenixProcess(process.argv.slice(2));
