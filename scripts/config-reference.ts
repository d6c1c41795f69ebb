/** Writes docs/configuration.md from the configuration schema (`npm run docs`); a test keeps it in step. */
import { writeFileSync } from 'node:fs';
import { configReference } from '../src/config/reference-doc.ts';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), configReference());
