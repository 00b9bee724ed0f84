import fs from 'node:fs';
import path from 'node:path';

/**
 * One process at a time may open the embedded database: PGlite does not lock its directory, and a
 * second writer loses data silently. The lock file names its owner; a running hub also names its
 * control socket, through which the CLI reaches the database while the hub holds it.
 */
export interface LockOwner {
  pid: number;
  kind: 'hub' | 'cli';
  controlSocket?: string;
  startedAt: string;
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, 'lgsp.lock');
}

export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, 'control.sock');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Lock files this process holds now. A lock naming our own pid is stale (a previous container's
 * PID 1, say) unless it is one of these: then a second open in this very process is refused too.
 */
const heldHere = new Set<string>();

/** The live owner of the lock, or undefined when the lock is free or stale. */
export function readLockOwner(dataDir: string): LockOwner | undefined {
  try {
    const file = lockPath(dataDir);
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    if (owner.pid === process.pid) return heldHere.has(path.resolve(file)) ? owner : undefined;
    return isAlive(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

export class EmbeddedLockedError extends Error {
  constructor(readonly owner: LockOwner) {
    super(
      `the embedded database in this data directory is in use by ${owner.kind === 'hub' ? 'a running hub' : 'another lgsp command'} (pid ${owner.pid})`,
    );
  }
}

/** Takes the lock or throws {@link EmbeddedLockedError}; returns the release function. */
export function acquireLock(dataDir: string, owner: Omit<LockOwner, 'pid' | 'startedAt'>): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  const content = JSON.stringify({ ...owner, pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, content, { flag: 'wx' });
      heldHere.add(path.resolve(file));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(path.resolve(file));
        try {
          const current = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
          if (current.pid === process.pid) fs.rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const live = readLockOwner(dataDir);
      if (live) throw new EmbeddedLockedError(live);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${file}`);
}
