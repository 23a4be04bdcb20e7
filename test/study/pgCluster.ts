/**
 * A PostgreSQL server for the study tests: the one .ci/run started, named by PUREGRAD_PG_URL,
 * or one named by DATABASE_URL or PGHOST, when set; else a throwaway cluster made with initdb in a temporary directory (as the `postgres` user
 * when run as root: initdb refuses root), listening only on a Unix socket in that directory,
 * stopped and deleted by `stop`. Without PostgreSQL's binaries, the reason to skip.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PostgresOptions } from '../../src/node/index.js'

export type Server = { readonly connection: PostgresOptions; readonly stop: () => void } | { readonly skip: string }

/** The directory of initdb and pg_ctl: the newest under /usr/lib/postgresql, else on the PATH. */
const binaries = (): string | undefined => {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : []
  if (versions.length > 0) return join(root, versions[0]!, 'bin')
  try {
    return execFileSync('sh', ['-c', 'dirname "$(command -v initdb)"'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

export const startServer = (): Server => {
  if (process.env['PUREGRAD_PG_URL']) return { connection: { connectionString: process.env['PUREGRAD_PG_URL'] }, stop: () => undefined }
  if (process.env['DATABASE_URL']) return { connection: { connectionString: process.env['DATABASE_URL'] }, stop: () => undefined }
  if (process.env['PGHOST']) return { connection: {}, stop: () => undefined }
  const bin = binaries()
  if (bin === undefined || !existsSync(join(bin, 'pg_ctl'))) return { skip: 'PostgreSQL is not installed (no initdb/pg_ctl; .ci/run installs and starts it) and none of PUREGRAD_PG_URL, DATABASE_URL, PGHOST is set' }
  const root = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'puregrad-pg-'))
  const as = (cmd: string, args: string[]): void => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args]
    execFileSync(file, argv, { stdio: 'pipe', timeout: 60_000 })
  }
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }))
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }))
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  try {
    as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
    as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-k ${dir} -c listen_addresses='' -p 5432 -c fsync=off`, 'start'])
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return {
    connection: { host: dir, port: 5432, user: 'postgres', database: 'postgres' },
    stop: () => {
      try {
        as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
