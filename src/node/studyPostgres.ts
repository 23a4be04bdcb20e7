/**
 * Study storage in PostgreSQL, for workers on several machines. The `pg` client is an optional
 * peer dependency, imported only when a PostgreSQL storage first connects, so the library works
 * without it. The tables (`<prefix>_studies`, `<prefix>_trials`, `<prefix>_reports`) are created
 * when the storage first connects, under an advisory lock so that workers starting together do
 * not race. A trial is numbered by one INSERT taking the study's next number under a
 * transaction-scoped advisory lock on the study, so no two workers get the same number (the
 * primary key (study, number) would refuse it anyway). Specs and hyperparameters are kept as
 * `json`, not `jsonb`, which would reorder their keys: the order of a space's hyperparameters
 * is part of how it is sampled.
 *
 * Heartbeats: each running trial's `heartbeat` column is set to the server's `now()` by its
 * worker (every `heartbeatMs` of the study, and with each report). A trial whose heartbeat is
 * older than the study's `staleMs` is marked FAILED (not re-queued) by the next `ask` of any
 * worker, with the reason; its number is not reused, and its late result, if its worker was
 * only slow, is not recorded. Times are the server's, so the workers' clocks do not matter.
 */
import { hostname } from 'node:os'
import { threadId } from 'node:worker_threads'
import { PuregradError, describe, error, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import type { Config } from '../train/search.js'
import type { Outcome, StudySpec, StudyStorage, TrialRecord } from '../study/index.js'

const OP = 'postgresStorage'
const worker = `${hostname()}:${process.pid}:${threadId}`

/** Options of `postgresStorage`: where the server is (else the PG* environment variables, as `psql` reads them). */
export interface PostgresOptions {
  /** e.g. postgres://user:password@host:5432/database */
  readonly connectionString?: string
  readonly host?: string
  readonly port?: number
  readonly user?: string
  readonly password?: string
  readonly database?: string
  /** connections kept open by this storage (default 4) */
  readonly max?: number
  /** the tables' names start with it (default 'puregrad'): letters, digits and _ */
  readonly prefix?: string
}

interface Client {
  query(text: string, values?: ReadonlyArray<unknown>): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>
  release(): void
}
interface Pool {
  query(text: string, values?: ReadonlyArray<unknown>): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>
  connect(): Promise<Client>
  end(): Promise<void>
  on(event: 'error', f: (e: Error) => void): void
}

/** A failure of the server or the connection, as a FILE_ERROR (the storage could not be read or written). */
const dbError = (e: unknown): PuregradError =>
  e instanceof PuregradError
    ? e
    : error('FILE_ERROR', OP, `PostgreSQL refused or failed: ${e instanceof Error ? e.message : String(e)}; check that the server runs and the connection settings (connectionString, or PGHOST, PGPORT, PGUSER, PGDATABASE), then try again.`)

/**
 * Storage in a PostgreSQL database (needs the `pg` package: `npm install pg`). See the module's
 * notes for the tables, how trials are numbered, and what becomes of a trial whose worker
 * dies (it is marked failed once its heartbeat is `staleMs` old).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { postgresStorage } from 'puregrad/node'
 * // nothing connects until the storage is first used, e.g. by Study.open({ name, space, sampler, storage })
 * const storage = postgresStorage({ connectionString: 'postgres://localhost/studies' })
 * assert.strictEqual(typeof storage.createTrial, 'function')
 * await storage.close()
 * @category studies
 */
export const postgresStorage = (opts: PostgresOptions = {}): StudyStorage => {
  checkOptions(OP, opts, ['connectionString', 'host', 'port', 'user', 'password', 'database', 'max', 'prefix'])
  const prefix = opts.prefix ?? 'puregrad'
  if (typeof prefix !== 'string' || !/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) fail('INVALID_ARGUMENT', OP, `prefix must be lower-case letters, digits and _ (starting with a letter), at most 41 characters; got ${describe(prefix)}.`)
  const [studies, trials, reports] = [`${prefix}_studies`, `${prefix}_trials`, `${prefix}_reports`]
  const { prefix: _, ...config } = opts
  let pool: Promise<Pool> | undefined

  const connect = async (): Promise<Pool> => {
    let pg: { Pool: new (config: object) => Pool }
    try {
      const mod = (await import('pg')) as unknown as { default?: typeof pg } & typeof pg
      pg = mod.default ?? mod
    } catch {
      return fail('INVALID_ARGUMENT', OP, "PostgreSQL storage needs the 'pg' package, which is not installed; install it (npm install pg), or use journalStorage for one machine.")
    }
    const p = new pg.Pool({ max: 4, ...config })
    p.on('error', () => undefined) // an idle connection dropped by the server: the next query reconnects
    await transaction(p, async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`puregrad schema ${prefix}`])
      await c.query(`CREATE TABLE IF NOT EXISTS ${studies} (name text PRIMARY KEY, spec json NOT NULL)`)
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${trials} (study text NOT NULL REFERENCES ${studies}(name), number integer NOT NULL, state text NOT NULL, ` +
          `params json, value double precision, reason text, worker text, heartbeat timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (study, number))`,
      )
      await c.query(`CREATE TABLE IF NOT EXISTS ${reports} (study text NOT NULL, number integer NOT NULL, step integer NOT NULL, value double precision NOT NULL, PRIMARY KEY (study, number, step))`)
    })
    return p
  }

  const transaction = async <A>(p: Pool, f: (c: Client) => Promise<A>): Promise<A> => {
    const c = await p.connect()
    try {
      await c.query('BEGIN')
      const a = await f(c)
      await c.query('COMMIT')
      return a
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined)
      throw e
    } finally {
      c.release()
    }
  }

  /** Runs `f` on the pool (connecting and creating the tables the first time); server errors become FILE_ERRORs. */
  const run = async <A>(f: (p: Pool) => Promise<A>): Promise<A> => {
    try {
      pool ??= connect()
      return await f(await pool)
    } catch (e) {
      if (pool !== undefined && (await pool.then(() => false, () => true))) pool = undefined // try to connect again next time
      throw dbError(e)
    }
  }
  const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v))

  return Object.freeze({
    openStudy: (name: string, spec: StudySpec | undefined) =>
      run(async (p) => {
        if (spec !== undefined) await p.query(`INSERT INTO ${studies} (name, spec) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, JSON.stringify(spec)])
        const r = await p.query(`SELECT spec FROM ${studies} WHERE name = $1`, [name])
        return r.rows[0]?.['spec'] as StudySpec | undefined
      }),
    createTrial: (name: string) =>
      run((p) =>
        transaction(p, async (c) => {
          await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`puregrad trial ${prefix} ${name}`])
          const r = await c.query(
            `INSERT INTO ${trials} (study, number, state, worker) SELECT $1, COALESCE(MAX(number) + 1, 0), 'running', $2 FROM ${trials} WHERE study = $1 RETURNING number`,
            [name, worker],
          )
          return Number(r.rows[0]!['number'])
        }),
      ),
    setParams: (name: string, number: number, params: Config) =>
      run(async (p) => {
        await p.query(`UPDATE ${trials} SET params = $3 WHERE study = $1 AND number = $2`, [name, number, JSON.stringify(params)])
      }),
    report: (name: string, number: number, step: number, value: number) =>
      run(async (p) => {
        await p.query(`INSERT INTO ${reports} (study, number, step, value) VALUES ($1, $2, $3, $4) ON CONFLICT (study, number, step) DO UPDATE SET value = EXCLUDED.value`, [name, number, step, value])
        await p.query(`UPDATE ${trials} SET heartbeat = now() WHERE study = $1 AND number = $2 AND state = 'running'`, [name, number])
      }),
    heartbeat: (name: string, number: number) =>
      run(async (p) => {
        await p.query(`UPDATE ${trials} SET heartbeat = now() WHERE study = $1 AND number = $2 AND state = 'running'`, [name, number])
      }),
    finish: (name: string, number: number, o: Outcome) =>
      run(async (p) => {
        const r = await p.query(`UPDATE ${trials} SET state = $3, value = $4, reason = $5 WHERE study = $1 AND number = $2 AND state = 'running'`, [name, number, o.state, o.value ?? null, o.reason ?? null])
        return r.rowCount === 1
      }),
    trials: (name: string) =>
      run(async (p) => {
        const ts = await p.query(`SELECT number, state, params, value, reason FROM ${trials} WHERE study = $1 ORDER BY number`, [name])
        const rs = await p.query(`SELECT number, step, value FROM ${reports} WHERE study = $1 ORDER BY number, step`, [name])
        const steps = new Map<number, Array<readonly [number, number]>>()
        for (const r of rs.rows) {
          const n = Number(r['number'])
          steps.set(n, [...(steps.get(n) ?? []), [Number(r['step']), Number(r['value'])] as const])
        }
        return ts.rows.map((r): TrialRecord => {
          const n = Number(r['number'])
          return Object.freeze({
            number: n,
            state: r['state'] as TrialRecord['state'],
            params: (r['params'] ?? undefined) as Config | undefined,
            value: num(r['value']),
            intermediate: steps.get(n) ?? [],
            ...(typeof r['reason'] === 'string' ? { reason: r['reason'] } : {}),
          })
        })
      }),
    failStale: (name: string, timeoutMs: number) =>
      run(async (p) => {
        const r = await p.query(
          `UPDATE ${trials} SET state = 'failed', reason = $3 WHERE study = $1 AND state = 'running' AND heartbeat < now() - make_interval(secs => $2) RETURNING number`,
          [name, timeoutMs / 1000, `no heartbeat for ${timeoutMs} ms: the worker running it stopped`],
        )
        return r.rows.map((x) => Number(x['number']))
      }),
    close: async () => {
      const p = pool
      pool = undefined
      if (p !== undefined) await p.then((q) => q.end(), () => undefined)
    },
  })
}
