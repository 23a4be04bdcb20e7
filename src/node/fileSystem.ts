/**
 * The few file-system calls that saving and loading make, gathered in one record, so a test can
 * watch them (is the temporary file synced before it is renamed?) or make them fail the way a
 * full disk or a read-only file system does, without touching the real disk. The library uses
 * `nodeFileSystem`. @internal
 */
import * as fs from 'node:fs'

export interface FileSystem {
  readonly openSync: (path: string, flags: string | number, mode?: number) => number
  readonly writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number
  readonly readSync: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) => number
  readonly fsyncSync: (fd: number) => void
  readonly closeSync: (fd: number) => void
  readonly statSync: (path: string) => fs.Stats
  readonly fstatSync: (fd: number) => fs.Stats
  readonly renameSync: (from: string, to: string) => void
  readonly unlinkSync: (path: string) => void
  readonly readdirSync: (path: string) => string[]
}

export const nodeFileSystem: FileSystem = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  readSync: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  statSync: (path) => fs.statSync(path),
  fstatSync: (fd) => fs.fstatSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  readdirSync: (path) => fs.readdirSync(path),
}
