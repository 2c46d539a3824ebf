/** A dedicated worker that is a client of the service (no SharedWorker here: it uses the channel). */
import { connect } from '../../src/service.js';
import type { Counter } from './service-counter.js';
import { managerFor } from './service-counter.js';

const client = connect<Counter>('counter', { manager: managerFor(), timeout: 10_000 });
onmessage = async (event: MessageEvent<string>) => {
  try {
    postMessage({ ok: await client.remote.add(event.data) });
  } catch (error) {
    postMessage({ error: (error as Error).name });
  }
};
