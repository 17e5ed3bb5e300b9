#!/usr/bin/env node
// Runs the precompiled CLI (dist/, built by `npm install`), rebuilding it first when src/ changed since.
import { builtCli, ensureBuilt } from '../scripts/build.js';

await ensureBuilt();
await import(builtCli);
