// Types what the integration project's global setup (scripts/vitest-services.ts) provides to the tests.
import type { ServicesInfo } from './services-info.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServicesInfo;
  }
}

export {};
