/**
 * Atomic, durable file replacement. The data goes to a temporary file beside the target (a name
 * of its own: host, process id, thread id and a random suffix, so concurrent savers in other
 * processes or worker threads never share one), which is synced to the disk, closed and renamed
 * over the target; then the directory is synced, where the platform allows, so the rename
 * itself survives a power failure. Whatever fails, the target keeps its old content and the
 * temporary file is removed.
 *
 * A process killed mid-save (kill -9, a crash, a power cut) cannot remove its temporary file;
 * the next save to the same target does: it removes the temporary files of that target whose
 * process is gone (same host, process id no longer alive) or that are older than
 * `STALE_TEMP_MS`. @internal
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { crc32 } from '../core/crc32.js'
import { fileError } from './fileError.js'
import { type FileSystem, nodeFileSystem } from './fileSystem.js'

/** A temporary file older than this (one hour) is left over from a save that will not finish. */
export const STALE_TEMP_MS = 60 * 60 * 1000

const host = hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32) || 'host'

/** The target's name as it appears in its temporary files (hashed when long, to keep within name limits). */
const stem = (path: string): string => {
  const name = basename(path)
  return name.length <= 100 ? name : `${name.slice(0, 60)}~${crc32(name)}`
}

/** A fresh temporary name for `path`: `.<name>.<host>.<pid>.<thread>.<random>.tmp`. */
export const tempPath = (path: string): string =>
  join(dirname(path), `.${stem(path)}.${host}.${process.pid}.${threadId}.${randomBytes(6).toString('hex')}.tmp`)

/** Who left a temporary file of this target: its host and process, or undefined if it is not one. */
const owner = (entry: string, name: string): { readonly host: string | undefined; readonly pid: number } | undefined => {
  const prefix = `.${name}.`
  if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) return undefined
  const middle = entry.slice(prefix.length, -'.tmp'.length)
  const current = /^([A-Za-z0-9-]{1,32})\.(\d+)\.(\d+)\.[0-9a-f]+$/.exec(middle)
  if (current) return { host: current[1], pid: Number(current[2]) }
  // the names of earlier versions: `.<name>.<pid>.<milliseconds>.tmp`
  const earlier = /^(\d+)\.(\d+)$/.exec(middle)
  return earlier ? { host: undefined, pid: Number(earlier[1]) } : undefined
}

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: unknown }).code !== 'ESRCH' // EPERM: alive, someone else's
  }
}

/**
 * Removes the temporary files of `path` left by dead processes or older than `STALE_TEMP_MS`;
 * never those of a live save. Best effort: a file it cannot list or remove is left.
 */
export const removeStaleTemps = (path: string, io: FileSystem = nodeFileSystem, now: number = Date.now()): void => {
  const dir = dirname(path)
  const name = stem(path)
  let entries: string[]
  try {
    entries = io.readdirSync(dir)
  } catch {
    return
  }
  for (const entry of entries) {
    const who = owner(entry, name)
    if (who === undefined) continue
    const file = join(dir, entry)
    try {
      const dead = (who.host === undefined || who.host === host) && !alive(who.pid)
      if (dead || now - io.statSync(file).mtimeMs > STALE_TEMP_MS) io.unlinkSync(file)
    } catch {
      // gone already, or not ours to remove
    }
  }
}

const closeQuietly = (fd: number, io: FileSystem): void => {
  try {
    io.closeSync(fd)
  } catch {
    // already closed
  }
}

/** Syncs a directory so a rename in it is on the disk; skipped where directories cannot be opened or synced. */
const syncDirectory = (dir: string, io: FileSystem): void => {
  if (process.platform === 'win32') return
  let fd: number | undefined
  try {
    fd = io.openSync(dir, 'r')
    io.fsyncSync(fd)
  } catch {
    // the file is renamed into place: a directory that cannot be synced (some network and
    // virtual file systems) does not make the save fail
  }
  if (fd !== undefined) closeQuietly(fd, io)
}

/**
 * Writes `data` to `path` atomically and durably (see the module comment); a failure is a
 * FILE_ERROR of `op` naming the path and what to do, and leaves the old file as it was.
 */
export const writeAtomically = (op: string, path: string, data: string | Uint8Array, io: FileSystem = nodeFileSystem): void => {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  removeStaleTemps(path, io)
  const tmp = tempPath(path)
  let fd: number | undefined
  let created = false
  try {
    fd = io.openSync(tmp, 'wx', 0o666)
    created = true
    for (let at = 0; at < bytes.length; ) at += io.writeSync(fd, bytes, at, bytes.length - at)
    io.fsyncSync(fd)
    const open = fd
    fd = undefined
    io.closeSync(open)
    io.renameSync(tmp, path)
    created = false
  } catch (e) {
    if (fd !== undefined) closeQuietly(fd, io)
    if (created) {
      try {
        io.unlinkSync(tmp)
      } catch {
        // nothing was left behind
      }
    }
    throw fileError(op, path, e, 'write')
  }
  syncDirectory(dirname(path), io)
}
