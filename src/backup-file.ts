/** `crosslock/backup/file`: the file backup target for Node (temp file, fsync, rename, directory fsync). */
export { FileBackupTarget } from './backup/file.js';
