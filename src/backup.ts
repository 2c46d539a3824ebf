/** `crosslock/backup`: a backup that is always current and never torn, written by the leader only, fenced by its term. */
export { BackupSwapper, DEFAULT_KEEP, type BackupSwapperOptions } from './backup/swapper.js';
export { BackupErrorEvent, BackupEvent, type BackupInfo } from './backup/events.js';
export { IndexedDbBackupTarget, type BackupTarget } from './backup/indexeddb.js';
export { OpfsBackupTarget } from './backup/opfs.js';
export { decode as decodeBackup, encode as encodeBackup, FORMAT_VERSION, peek as peekBackup, type Backup, type BackupHeader } from './backup/format.js';
export { BackupFormatError, BackupRefusedError, type BackupFormatKind, type BackupRefusedKind } from './backup/errors.js';
