#!/usr/bin/env node
// The project runs its TypeScript directly through tsx, so the installed command needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
