/**
 * The demo wallet page. URL: `?wallet=<fingerprint>` (default `demo-wallet`), `?backend=web|idb|memory`
 * (default: platformDefault() decides), `?period=<ms>` (round length, default 4000).
 */
import { platformDefault, type BackendName } from '../src/index.js';
import { FencedStore } from '../src/fenced.js';
import { Bus, type Stamped } from './bus.js';
import { startRounds, zombie, type RoundContext, type Wallet } from './rounds.js';
import { Timeline } from './timeline.js';

const params = new URLSearchParams(location.search);
const walletName = params.get('wallet') ?? 'demo-wallet';
const forced = ({ web: 'web-locks', idb: 'indexeddb', memory: 'memory' } as Record<string, BackendName>)[params.get('backend') ?? ''];
const period = Math.max(500, Number(params.get('period')) || 4000);
const tab = `tab-${Math.random().toString(36).slice(2, 6)}`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const selection = await platformDefault({ prefix: walletName, ...(forced ? { backend: forced } : {}) });
const locks = selection.manager;
const store = new FencedStore<unknown>({ namespace: walletName });
const bus = new Bus(walletName);
const wallet: Wallet = { balance: 0, joined: [], done: [] };
const ctx: RoundContext = { tab, locks, store, bus, period, wallet };
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
  }
}

async function refresh(): Promise<void> {
  timeline.setColumns(innerWidth < 600 ? 6 : 12);
  const stored = (await store.get('balance')) as number | undefined;
  $('balance').textContent = `${stored ?? 0} sats`;
  $('mine').textContent = String(wallet.done.length);
  const round = Math.floor(Date.now() / period);
  $('round').textContent = `now #${round % 1000}, every ${period / 1000} s`;
  timeline.render(round);
}

bus.on((event) => {
  timeline.apply(event);
  const line = describe(event);
  if (line) {
    const li = document.createElement('li');
    li.textContent = `${new Date(event.at).toLocaleTimeString()} ${line[0]}`;
    if (line[1]) li.className = line[1];
    $('log').prepend(li);
    while ($('log').children.length > 40) $('log').lastElementChild!.remove();
  }
  void refresh();
});

$('open').addEventListener('click', () => window.open(location.href, '_blank'));
$('close').addEventListener('click', () => {
  window.close();
  $('close').textContent = 'Close it from the browser';
});
const freeze = $<HTMLButtonElement>('freeze');
freeze.disabled = selection.backend !== 'indexeddb';
if (freeze.disabled) freeze.title = 'IndexedDB leases only: Web Locks never expire, so a frozen tab keeps them';
freeze.addEventListener('click', () => void zombie(ctx, 3000).finally(() => void refresh()));
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
    demo: { tab: string; backend: string; wallet: Wallet; store: FencedStore<unknown> };
  }
}
window.demo = { tab, backend: selection.backend, wallet, store };
