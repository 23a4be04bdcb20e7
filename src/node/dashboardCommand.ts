/**
 * `puregrad dashboard`: serves the live dashboard of studies kept in a journal file or in
 * PostgreSQL, until Ctrl-C. (A training run of the command line shows itself with
 * `puregrad --dashboard`.) @internal
 */
import { parseArgs } from 'node:util'
import type { StudyStorage } from '../study/storage.js'
import { serveDashboard } from './dashboard.js'
import { journalStorage } from './studyJournal.js'
import { postgresStorage } from './studyPostgres.js'

export const DASHBOARD_HELP = `puregrad dashboard: a live web page of the trials of studies

Usage: puregrad dashboard --study <name> [--study <name> …] (--journal <file> | --postgres <url>) [--port <n>]

  --study <name>     a study to show (repeat for several)
  --journal <file>   the studies' journal file (journalStorage)
  --postgres <url>   the studies' PostgreSQL database, e.g. postgres://user:password@localhost:5432/db
  --port <n>         the port on 127.0.0.1 (default 6006; 0 for any free one)
  --poll <ms>        how often the storage is read again (default 1000)
  --help

To watch a training run of the command line live, run it with --dashboard (puregrad --model mlp --dashboard).
`

/**
 * Runs the subcommand with its arguments; `fail` says what was wrong (with a usage hint) and
 * exits. Resolves with a function that stops the server.
 */
export const dashboardCommand = async (args: ReadonlyArray<string>, fail: (message: string) => never): Promise<(() => Promise<void>) | undefined> => {
  const { values } = (() => {
    try {
      return parseArgs({
        args: [...args],
        options: {
          study: { type: 'string', multiple: true },
          journal: { type: 'string' },
          postgres: { type: 'string' },
          port: { type: 'string', default: '6006' },
          poll: { type: 'string', default: '1000' },
          help: { type: 'boolean', default: false },
        },
        strict: true,
      })
    } catch (e) {
      return fail(`dashboard: ${(e as Error).message}`)
    }
  })()
  if (values.help) {
    process.stdout.write(DASHBOARD_HELP)
    return undefined
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`dashboard: --port must be a whole number from 0 to 65535; got ${values.port}`)
  const pollMs = Number(values.poll)
  if (!Number.isFinite(pollMs) || pollMs < 10) fail(`dashboard: --poll must be a number of milliseconds ≥ 10; got ${values.poll}`)
  if ((values.journal === undefined) === (values.postgres === undefined)) fail('dashboard: say where the studies are: --journal <file> or --postgres <url> (one of them)')
  const names = values.study ?? []
  if (names.length === 0) fail('dashboard: name the studies to show, e.g. --study mlp-lr')
  const storage: StudyStorage = values.journal !== undefined ? journalStorage(values.journal) : postgresStorage({ connectionString: values.postgres! })
  const dashboard = await serveDashboard({ port, pollMs, studies: names.map((name) => ({ name, storage })) })
  process.stdout.write(`puregrad dashboard: ${dashboard.url} (studies ${names.join(', ')}; Ctrl-C to stop)\n`)
  return async () => {
    await dashboard.close()
    await storage.close()
  }
}
