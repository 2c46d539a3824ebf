/**
 * Init scripts for a chaos context, before any page opens: without Vite's HMR socket (pages go through
 * the back/forward cache), and for the lease configurations without Web Locks (`navigator.locks` reads
 * as undefined, so `platformDefault()` picks the lease backend; each page checks it did).
 */
import type { BrowserContext } from '@playwright/test';
import { withoutViteHmr, withoutWebLocks } from '../helpers.js';
import type { ChaosConfig } from './configs.js';

export async function prepareContext(context: BrowserContext, config: Pick<ChaosConfig, 'noWebLocks'>): Promise<void> {
  await withoutViteHmr(context);
  if (config.noWebLocks) await withoutWebLocks(context);
}
