/**
 * Errors of the operating system (Node's fs and net errors: a `code` such as EACCES and the
 * `syscall` that failed) are bad input or a bad environment, not bugs: they become one line,
 * `file: what is wrong (what to do)`, exit 2. Whether an error is a bug is decided by its type,
 * never by where its stack trace points (the compiled build has no `/src/` in it).
 */
export const isSystemError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error &&
  typeof (e as NodeJS.ErrnoException).code === 'string' &&
  /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!) &&
  typeof (e as NodeJS.ErrnoException).syscall === 'string';

const WHAT: Record<string, [string, string]> = {
  EACCES: ['permission denied', 'check the permissions of the file and the folders above it'],
  EPERM: ['operation not permitted', 'check the permissions and attributes of the file'],
  ENOENT: ['no such file or folder', 'check the path'],
  ENOTDIR: [
    'a part of the path is a file, not a folder',
    'check the path: a folder cannot be made below a file',
  ],
  EISDIR: ['is a folder, not a file', 'pass a file'],
  ELOOP: ['too many symbolic links (a symlink loop)', 'fix or remove the symbolic link'],
  EEXIST: ['already exists', 'remove it or choose another path'],
  ENOSPC: ['no space left on the device', 'free some space'],
  EROFS: ['read-only file system', 'choose a writable location'],
  EXDEV: ['cannot move across file systems', 'choose an output folder on one file system'],
  EMFILE: ['too many open files', 'raise the open file limit (ulimit -n)'],
  ENAMETOOLONG: ['file name too long', 'choose a shorter path'],
  EIO: ['input/output error', 'check the disk'],
  ECONNREFUSED: ['connection refused', 'check that the server runs and the URL names it'],
};

/** `path: what (to do)` for a system error. */
export const describeSystemError = (e: NodeJS.ErrnoException): string => {
  const [what, todo] = WHAT[e.code!] ?? [`${e.syscall} failed`, 'see the error code'];
  const where = e.path ?? (e as { address?: string }).address;
  return `${where ? `${where}: ` : ''}${what} (${e.code}; ${todo})`;
};
