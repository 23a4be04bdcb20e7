/**
 * Reading a file as text, bounded: only a regular file (never a device such as /dev/zero, a
 * pipe or a directory, which could be endless or block), and only up to a stated number of
 * bytes, both checked before anything is read. @internal
 */
import { constants, type Stats } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError, error } from '../core/errors.js'
import { fileError } from './fileError.js'
import { type FileSystem, nodeFileSystem } from './fileSystem.js'

const kind = (s: Stats): string =>
  s.isDirectory() ? 'a directory' : s.isCharacterDevice() ? 'a character device' : s.isBlockDevice() ? 'a block device' : s.isFIFO() ? 'a pipe' : s.isSocket() ? 'a socket' : 'not a regular file'

/** The refusal of a file that is not a regular file or is larger than `maxBytes`, or undefined. */
const refusal = (op: string, path: string, s: Stats, maxBytes: number): PuregradError | undefined => {
  if (!s.isFile()) return error('FILE_ERROR', op, `cannot read ${path}: it is ${kind(s)}, not a regular file; give the path of a file.`)
  if (s.size > maxBytes)
    return error('RESOURCE_LIMIT', op, `${path} holds ${s.size} bytes, more than the limit of ${maxBytes}; if the file is meant to be this large and comes from a trusted source, pass a larger maxBytes.`)
  return undefined
}

/** Opening never blocks (a pipe swapped in after the check would block an ordinary open). */
const READ_NONBLOCK = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)

/**
 * The UTF-8 text of the regular file at `path`, if it holds at most `maxBytes` bytes; otherwise,
 * or if it cannot be read, a Left: FILE_ERROR (missing, unreadable, not a regular file) or
 * RESOURCE_LIMIT (too large). The checks are made on the path, then again on the opened file.
 */
export const readBounded = (op: string, path: string, maxBytes: number, io: FileSystem = nodeFileSystem): E.Either<PuregradError, string> =>
  E.flatMap(readBoundedBytes(op, path, maxBytes, io), (buffer) => {
    try {
      return E.right(buffer.toString('utf8'))
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ERR_STRING_TOO_LONG')
        return E.left(error('RESOURCE_LIMIT', op, `${path} is larger than the longest string this JavaScript engine can hold; a model this large must be split, or pass a smaller maxBytes to refuse such files early.`))
      return E.left(fileError(op, path, e, 'read'))
    }
  })

/** The bytes of the regular file at `path`, with the checks and refusals of `readBounded`. */
export const readBoundedBytes = (op: string, path: string, maxBytes: number, io: FileSystem = nodeFileSystem): E.Either<PuregradError, Buffer> => {
  let fd: number | undefined
  try {
    const before = refusal(op, path, io.statSync(path), maxBytes)
    if (before !== undefined) return E.left(before)
    fd = io.openSync(path, READ_NONBLOCK)
    const s = io.fstatSync(fd)
    const after = refusal(op, path, s, maxBytes)
    if (after !== undefined) return E.left(after)
    const buffer = Buffer.alloc(s.size)
    for (let at = 0; at < s.size; ) {
      const n = io.readSync(fd, buffer, at, s.size - at, at)
      if (n === 0) return E.left(error('FILE_ERROR', op, `cannot read ${path}: it shrank while it was read (another process is writing it); try again once it is written.`))
      at += n
    }
    return E.right(buffer)
  } catch (e) {
    return E.left(fileError(op, path, e, 'read'))
  } finally {
    if (fd !== undefined) {
      try {
        io.closeSync(fd)
      } catch {
        // already closed
      }
    }
  }
}
