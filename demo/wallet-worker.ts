/**
 * The demo wallet's SharedWorker: hosts the wallet service for every tab of one wallet and backend
 * (both come in the worker's name, so another wallet gets another worker). `serve()` runs at once.
 */
import { platformDefault, type PlatformBackendName } from '../src/index.js';
import { FencedStore } from '../src/fenced.js';
import { serve } from '../src/service.js';
import { Bus } from './bus.js';
import { WalletService } from './wallet-service.js';

const { wallet, backend } = JSON.parse(self.name) as { wallet: string; backend?: PlatformBackendName };
const locks = platformDefault({ prefix: wallet, ...(backend ? { backend } : {}) }).then((chosen) => chosen.manager);
const store = new FencedStore<unknown>({ namespace: wallet });
const bus = new Bus(wallet);
serve('wallet', async (host) => new WalletService(host, await locks, store, bus, 'SharedWorker'), { manager: locks });
