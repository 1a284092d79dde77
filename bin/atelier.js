#!/usr/bin/env node
// Atelier ships as TypeScript sources run through tsx, so the CLI, the tests and the worker
// threads all execute the very files whose sha256 the lockfile pins for built-in models.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
