/**
 * Crash consistency of the file backup target (issue 14): a child process swaps a backup file in a loop
 * and is killed with SIGKILL, 20 times in a row on the same directory: in half the rounds from outside
 * after it reported k swaps (k random: the kill lands wherever the child is), in the other half by
 * itself in the middle of its n-th file write (n random: half the bytes written, then SIGKILL), which is
 * where a non-atomic swap tears the file. After each kill the backup file verifies, its payload is one the
 * writer packed, and its sequence is never below the last one the writer reported done.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/backup/format.js';
import { FileBackupTarget } from '../../src/backup/file.js';

const dir = mkdtempSync(join(tmpdir(), 'crosslock-backup-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const writer = join(import.meta.dirname, 'fixtures/backup-writer.ts');

/**
 * Runs the writer until it reported `swaps` swaps, then SIGKILLs it, or (`crashOnWrite`) until it kills
 * itself mid-write; the last sequence it reported.
 */
function runAndKill(swaps: number, crashOnWrite = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, CRASH_ON_WRITE: String(crashOnWrite) };
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let seen = 0;
    let last = -1;
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const match = /^swapped (\d+)$/.exec(line);
        if (!match) continue;
        last = Number(match[1]);
        if (++seen === swaps && !crashOnWrite) child.kill('SIGKILL'); // lands while it is in the middle of its next swap(s)
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

describe('file backups under SIGKILL', () => {
  it('20 kills at random points and mid-write: the file always verifies, never torn, never older than a swap reported done', { timeout: 120_000 }, async () => {
    const target = new FileBackupTarget(dir, 'crash-wallet');
    let floor = -1;
    for (let round = 0; round < 20; round++) {
      const reported = round % 2 ? await runAndKill(1 + Math.floor(Math.random() * 40)) : await runAndKill(0, 1 + Math.floor(Math.random() * 12));
      const bytes = await target.latest();
      if (bytes === undefined && floor < 0) continue; // killed in its very first write: nothing was ever swapped in
      expect(bytes, `round ${round}: a backup exists`).toBeDefined();
      const backup = await decode(bytes!, { walletId: 'crash-wallet' }); // throws if torn or corrupt
      expect(backup.sequence, `round ${round}: not older than the last swap reported`).toBeGreaterThanOrEqual(Math.max(reported, floor));
      expect(new TextDecoder().decode(backup.payload)).toMatch(/^(state \d+ )+$/);
      floor = backup.sequence;
    }
    // Stray temporary files of killed swaps are left; the archive stays within `keep` (3) plus one a kill interrupted.
    const archived = readdirSync(dir).filter((n) => /^crash-wallet~\d{16}\.backup$/.test(n));
    expect(archived.length).toBeLessThanOrEqual(4);
  });
});
