#!/usr/bin/env node
// The `crosswind` executable: crosswind is written in TypeScript and runs through tsx's loader, which also lets
// users write crosswind.config.ts without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
