/**
 * The demo wallet's backup (crosslock/backup): the tab that leads the sync also writes the backup, fresh
 * when it starts leading and after every credited round (a packed `{ balance, rounds, tab }`), fenced by
 * its term: a frozen ex-leader's late backup is refused. The panel shows the last backup (sequence,
 * time, size, which tab wrote it), the archive, a download link, and checks a file you pick.
 */
import type { FencedStore } from '../src/fenced.js';
import { BackupSwapper, type BackupInfo } from '../src/backup.js';
import type { LeaderElection } from '../src/leader.js';

export interface WalletBackup {
  readonly balance: number;
  readonly rounds: number;
  readonly tab: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function startBackups(walletId: string, election: LeaderElection): BackupSwapper<WalletBackup> {
  return new BackupSwapper<WalletBackup>({
    election,
    walletId,
    pack: (state) => encoder.encode(JSON.stringify(state)),
    unpack: (bytes) => JSON.parse(decoder.decode(bytes)) as WalletBackup,
  });
}

/** The wallet as it is stored now, for a backup. */
export async function current(store: FencedStore<unknown>, tab: string): Promise<WalletBackup> {
  const entries = await store.entries();
  const balance = (entries.find(([key]) => key === 'balance')?.[1] as number | undefined) ?? 0;
  return { balance, rounds: entries.filter(([key]) => key.startsWith('round.')).length, tab };
}

/** Renders the backup panel into `root`. */
export async function renderBackups(swapper: BackupSwapper<WalletBackup>, root: HTMLElement, thisTab: string): Promise<void> {
  const latest = await swapper.latest().catch((e: Error) => e);
  const $ = (selector: string) => root.querySelector(selector) as HTMLElement;
  if (latest instanceof Error) {
    $('.latest').textContent = `does not verify: ${latest.message}`;
    return;
  }
  if (!latest) {
    $('.latest').textContent = 'none yet (the sync leader writes it)';
    return;
  }
  const state = await swapper.restore(latest.bytes);
  $('.latest').textContent = `#${latest.info.sequence} · ${time(latest.info)} · ${latest.bytes.length} bytes · ${state.balance} sats, ${state.rounds} rounds · written by ${state.tab === thisTab ? 'this tab' : state.tab}`;
  const history = await swapper.history();
  const items = await Promise.all(history.slice(0, 5).map(async (bytes) => swapper.verify(bytes).then((info) => `#${info.sequence} · ${time(info)}`, (e: Error) => `does not verify (${e.name})`)));
  $('.history').replaceChildren(...items.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  const link = $('.download') as HTMLAnchorElement;
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([latest.bytes.slice()], { type: 'application/octet-stream' }));
  link.download = `${swapper.walletId}.${latest.info.sequence}.backup`;
}

/** Checks a file the user picked; the line to show. */
export async function verifyFile(swapper: BackupSwapper<WalletBackup>, file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const info = await swapper.verify(bytes);
    const state = await swapper.restore(bytes);
    return `${file.name}: a good backup of ${info.walletId}, #${info.sequence}, ${state.balance} sats`;
  } catch (error) {
    return `${file.name}: ${(error as Error).name}: ${(error as Error).message}`;
  }
}

const time = (info: BackupInfo): string => new Date(info.createdAt).toLocaleTimeString();
