/**
 * The demo wallet page. URL: `?wallet=<fingerprint>` (default `demo-wallet`), `?backend=web|idb|memory`
 * (default: platformDefault() decides), `?period=<ms>` (round length, default 4000), `?stale=<ms>`
 * (the sync election's staleAfterMs, default 10,000), `?service=tab` (the wallet service hosted by an
 * elected tab, as where SharedWorker is missing, instead of a SharedWorker).
 */
import { platformDefault, type PlatformBackendName } from '../src/index.js';
import { FencedStore } from '../src/fenced.js';
import { connect, type HostInfo } from '../src/service.js';
import { WalletService, type WalletState } from './wallet-service.js';
import { current, renderBackups, startBackups, verifyFile } from './backups.js';
import { Bus, type Stamped } from './bus.js';
import { startSync } from './sync.js';
import { startRounds, zombie, type RoundContext, type Wallet } from './rounds.js';
import { Timeline } from './timeline.js';

const params = new URLSearchParams(location.search);
const walletName = params.get('wallet') ?? 'demo-wallet';
const forced = ({ web: 'web-locks', idb: 'indexeddb', memory: 'memory' } as Record<string, PlatformBackendName>)[params.get('backend') ?? ''];
const period = Math.max(500, Number(params.get('period')) || 4000);
const staleAfterMs = Math.max(1000, Number(params.get('stale')) || 10_000);
const tab = `tab-${Math.random().toString(36).slice(2, 6)}`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const selection = await platformDefault({ prefix: walletName, ...(forced ? { backend: forced } : {}) });
const locks = selection.manager;
const store = new FencedStore<unknown>({ namespace: walletName });
const bus = new Bus(walletName);
const wallet: Wallet = { balance: 0, joined: [], done: [] };
// The wallet service: in a SharedWorker shared by this wallet's tabs, or (?service=tab, no SharedWorker,
// or the memory backend, whose locks the worker cannot share) in the tab elected to host it.
const inTab = params.get('service') === 'tab' || selection.backend === 'memory';
const service = connect<WalletService>('wallet', {
  manager: locks,
  worker: () => new SharedWorker(new URL('./wallet-worker.ts', import.meta.url), { type: 'module', name: JSON.stringify({ wallet: walletName, backend: forced }) }),
  fallback: (host) => new WalletService(host, locks, store, bus, tab),
  mode: inTab ? 'channel' : 'auto',
  timeout: period * 2,
  staleAfterMs,
});
const ctx: RoundContext = { tab, locks, store, bus, period, wallet, service };
const sync = startSync(tab, locks, store, bus, staleAfterMs);
// The backup: written by the sync leader, fresh when it starts leading and after every credited round.
const backups = startBackups(walletName, sync.election);
const backupNow = (): void => void current(store, tab).then((state) => backups.update(state)).then((info) => info && renderBackups(backups, $('backup'), tab), () => {});
sync.election.addEventListener('change', () => sync.election.isLeader && backupNow());
backups.addEventListener('backup', () => bus.emit({ kind: 'backup', tab }));
/** The tab that announced each term (the election knows leaders by manager id; the demo by tab name). */
const leaderTabs = new Map<number, string>();
const timeline = new Timeline($<HTMLElement>('timeline') as unknown as SVGSVGElement, tab);

$('tab').textContent = tab;
$('wallet').textContent = walletName;
$('backend').textContent = selection.backend;
$('scope').textContent = selection.scope;
document.title = `${tab} · crosslock demo`;
if (selection.realmOnly) {
  const warning = $('warning');
  warning.hidden = false;
  warning.textContent = `Memory backend: locks exclude nothing outside this tab, so every tab takes part in every round. (${selection.reason})`;
}

let greeted = false;
let lastState: WalletState | undefined;
/** Terms are generations, large numbers: their last digits tell them apart (as the timeline's g). */
const short = (term: number): string => `…${String(term).slice(-4)}`;

function describe(event: Stamped): [string, string] | undefined {
  const who = event.tab === tab ? 'this tab' : event.tab;
  switch (event.kind) {
    case 'round': {
      const round = `round #${event.round % 1000}`;
      if (event.phase === 'joined') return [`${round}: ${who} took the round lock and takes part`, ''];
      if (event.phase === 'done') return [`${round}: ${who} credited the wallet (wallet lock generation ${event.generation})`, 'good'];
      return [`${round}: ${who} lost the round (${event.detail ?? 'lock lost'})`, 'bad'];
    }
    case 'reload':
      return [`${who}: wallet lock poisoned (another tab changed the wallet): reloaded, balance ${event.balance}`, ''];
    case 'zombie':
      return [`${who}: zombie ${event.outcome}${event.detail ? `: ${event.detail}` : ''}`, event.outcome === 'rejected' ? 'good' : event.outcome === 'accepted' ? 'bad' : ''];
    case 'hello':
      if (event.tab !== tab || greeted) return undefined;
      greeted = true;
      return [`this tab opened the wallet (${event.backend})`, ''];
    case 'bye':
      return [`${who} closed`, ''];
    case 'service':
      return [`the wallet service runs in ${event.host === tab ? 'this tab' : event.host} (epoch ${short(event.epoch)})`, 'good'];
    case 'leader':
      if (event.phase === 'elected') return [`${who} leads the sync (term ${short(event.term)})`, 'good'];
      if (event.phase === 'refused') return [`${who}: late sync of term ${short(event.term)} refused (${event.detail}): that term is over`, 'good'];
      return [`${who} stopped leading term ${short(event.term)}: ${event.detail}`, ''];
  }
}

async function refresh(): Promise<void> {
  timeline.setColumns(innerWidth < 600 ? 6 : 12);
  const served = await service.remote.state().catch(() => undefined);
  const stored = served?.balance ?? ((await store.get('balance')) as number | undefined);
  $('balance').textContent = `${stored ?? 0} sats`;
  lastState = served;
  $('service').textContent = !served ? 'looking for it…' : served.host === 'SharedWorker' ? 'SharedWorker' : served.host === tab ? 'this tab' : `leader tab ${served.host}`;
  $('epoch').textContent = served ? short(served.epoch) : '–';
  $('epoch').title = served ? String(served.epoch) : '';
  $('mine').textContent = String(wallet.done.length);
  const round = Math.floor(Date.now() / period);
  $('round').textContent = `now #${round % 1000}, every ${period / 1000} s`;
  timeline.render(round);
  const leader = sync.election.leader;
  $('leader').textContent = !leader ? 'none' : sync.election.isLeader ? `this tab` : (leaderTabs.get(leader.term) ?? 'another tab');
  $('term').textContent = leader ? short(leader.term) : '–';
  $('term').title = leader ? String(leader.term) : '';
  const last = (await store.get('lastSync')) as { tab: string; term: number; at: number } | undefined;
  $('synced').textContent = last ? `${Math.max(0, Math.round((Date.now() - last.at) / 1000))} s ago by ${last.tab === tab ? 'this tab' : last.tab} (term ${short(last.term)})` : 'never';
}

bus.on((event) => {
  if (event.kind === 'backup') return void renderBackups(backups, $('backup'), tab);
  if (event.kind === 'round' && event.phase === 'done' && sync.election.isLeader) backupNow();
  if (event.kind === 'leader' && event.phase === 'elected') leaderTabs.set(event.term, event.tab);
  if (event.kind === 'leader') return void (describeAndLog(event), refresh());
  timeline.apply(event);
  describeAndLog(event);
  void refresh();
});
sync.election.addEventListener('change', () => void refresh());
service.addEventListener('host', () => void refresh());
service.addEventListener('gone', (event) => (note(`the wallet service went away (epoch ${short(event.error!.epoch)}): the next call finds a new host`, 'bad'), void refresh()));
service.localHost?.addEventListener('host', (event) => {
  if (event.context) bus.emit({ kind: 'service', tab, host: tab, epoch: event.context.epoch });
});

function describeAndLog(event: Stamped): void {
  const line = describe(event);
  if (line) note(line[0], line[1], event.at);
}

function note(text: string, className = '', at = Date.now()): void {
  const li = document.createElement('li');
  li.textContent = `${new Date(at).toLocaleTimeString()} ${text}`;
  if (className) li.className = className;
  $('log').prepend(li);
  while ($('log').children.length > 40) $('log').lastElementChild!.remove();
}

$('open').addEventListener('click', () => window.open(location.href, '_blank'));
$<HTMLInputElement>('verify').addEventListener('change', async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) $('verified').textContent = await verifyFile(backups, file);
});
void renderBackups(backups, $('backup'), tab);
$('close').addEventListener('click', () => {
  window.close();
  $('close').textContent = 'Close it from the browser';
});
const freezeLeader = $<HTMLButtonElement>('freeze-leader');
freezeLeader.textContent = `Freeze the leader ${(staleAfterMs + 2000) / 1000} s`;
freezeLeader.addEventListener('click', () => {
  if (sync.leadership()) sync.freeze(staleAfterMs + 2000);
  else note('this tab does not lead the sync: press it in the tab that does');
});
$('resign').addEventListener('click', () => void sync.leadership()?.resign());
const freeze = $<HTMLButtonElement>('freeze');
freeze.disabled = selection.backend !== 'indexeddb';
if (freeze.disabled) freeze.title = 'IndexedDB leases only: Web Locks never expire, so a frozen tab keeps them';
freeze.addEventListener('click', () => void zombie(ctx, 3000).finally(() => void refresh()));
for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-service]')) {
  const url = new URL(location.href);
  if (link.dataset.service === 'tab') url.searchParams.set('service', 'tab');
  else url.searchParams.delete('service');
  link.href = url.toString();
  if ((link.dataset.service === 'tab') === inTab) link.className = 'current';
}
for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-backend]')) {
  const url = new URL(location.href);
  url.searchParams.set('backend', link.dataset.backend!);
  link.href = url.toString();
  if (forced && { web: 'web-locks', idb: 'indexeddb', memory: 'memory' }[link.dataset.backend!] === selection.backend) link.className = 'current';
}

addEventListener('pagehide', () => bus.emit({ kind: 'bye', tab }));
bus.emit({ kind: 'hello', tab, backend: selection.backend });
setInterval(() => bus.emit({ kind: 'hello', tab, backend: selection.backend }), period);
setInterval(() => void refresh(), 1000);
startRounds(ctx);

/** For the e2e tests: what this tab did. */
declare global {
  interface Window {
    demo: {
      tab: string;
      backend: string;
      wallet: Wallet;
      store: FencedStore<unknown>;
      isLeader(): boolean;
      term(): number | undefined;
      service(): Promise<HostInfo>;
      walletState(): WalletState | undefined;
      backup(): Promise<{ sequence: number; balance: number; rounds: number; tab: string } | null>;
    };
  }
}
window.demo = {
  tab,
  backend: selection.backend,
  wallet,
  store,
  isLeader: () => sync.election.isLeader,
  term: () => sync.election.leader?.term,
  service: () => service.reconnect(),
  walletState: () => lastState,
  backup: async () => {
    const latest = await backups.latest();
    return latest && { sequence: latest.info.sequence, ...(await backups.restore(latest.bytes)) };
  },
};
