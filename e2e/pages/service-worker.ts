/** The SharedWorker of the service e2e: serves the counter. `serve()` runs at once, before any await. */
import { serve } from '../../src/service.js';
import { Counter, managerFor } from './service-counter.js';

serve('counter', (host) => new Counter(host), { manager: managerFor() });
