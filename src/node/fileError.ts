/**
 * File-system failures as PuregradErrors (code FILE_ERROR): the path, what went wrong in words
 * with the system's code (ENOSPC, EACCES, … for searching), and what to do about it. @internal
 */
import { dirname, isAbsolute, resolve } from 'node:path'
import { PuregradError, error } from '../core/errors.js'

/** Reading or writing: the advice differs (a missing directory, a full disk, …). */
export type Access = 'read' | 'write'

/** What happened and what to do, for the codes a user can act on. */
const explain = (code: string, path: string, access: Access): readonly [string, string] | undefined => {
  const dir = dirname(resolve(path))
  switch (code) {
    case 'ENOENT':
      return access === 'write'
        ? [`the directory ${dir} does not exist`, 'create it first or choose another path']
        : ['there is no file at this path', `check the path${isAbsolute(path) ? '' : ` (relative paths start from ${process.cwd()})`}`]
    case 'ENOTDIR':
      return ['a part of the path is a file, not a directory', 'check the path']
    case 'EISDIR':
      return ['the path is a directory', 'give the path of a file (e.g. model.json inside it)']
    case 'EACCES':
    case 'EPERM':
      return access === 'write'
        ? ['permission denied', `check the permissions of ${dir} (saving writes a temporary file there and renames it over the target), or save elsewhere`]
        : ['permission denied', 'check the permissions of the file and its directories']
    case 'EROFS':
      return ['the file system is read-only', 'save to a writable location']
    case 'ENOSPC':
      return ['the disk is full', 'free some space or save elsewhere']
    case 'EDQUOT':
      return ['the disk quota is used up', 'free some space or save elsewhere']
    case 'EMFILE':
    case 'ENFILE':
      return ['too many files are open', 'close some and try again']
    case 'ENAMETOOLONG':
      return ['the name is too long for the file system', 'choose a shorter one']
    case 'ELOOP':
      return ['the path holds a loop of symbolic links', 'check the path']
    case 'EBUSY':
    case 'EAGAIN':
      return ['the file is busy', 'try again']
    case 'EIO':
      return ['the device reported an input/output error', 'check the disk']
    default:
      return undefined
  }
}

/**
 * The FILE_ERROR for a failed read or write of `path` by `op`; a PuregradError passes through
 * unchanged. A failed write says that the file already there, if any, is left as it was: the
 * caller makes sure of it.
 */
export const fileError = (op: string, path: string, e: unknown, access: Access): PuregradError => {
  if (e instanceof PuregradError) return e
  const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : ''
  const known = explain(code, path, access)
  const [what, todo] = known ?? [e instanceof Error ? e.message : String(e), 'check the path and the disk, and try again']
  const kept = access === 'write' ? ' The file that was there, if any, is left as it was.' : ''
  return error('FILE_ERROR', op, `cannot ${access} ${path}: ${what}${known === undefined || code === '' ? '' : ` (${code})`}; ${todo}.${kept}`)
}
