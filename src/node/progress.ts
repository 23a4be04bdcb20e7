/** The command line's progress display, shared by its jobs. @internal */

/** A progress bar on a terminal; plain lines every few seconds elsewhere. */
export const progress = () => {
  const tty = process.stdout.isTTY === true
  let last = 0
  return {
    batch: (epoch: number, epochs: number, b: number, n: number, loss: number) => {
      const now = Date.now()
      if (tty) {
        if (now - last < 80 && b + 1 < n) return
        const width = 30
        const done = Math.round(((b + 1) / n) * width)
        process.stdout.write(`\r  epoch ${epoch + 1}/${epochs} [${'█'.repeat(done)}${'░'.repeat(width - done)}] ${String(b + 1).padStart(String(n).length)}/${n}  loss ${loss.toFixed(4)}`)
      } else if (now - last >= 5000) {
        process.stdout.write(`  epoch ${epoch + 1}/${epochs}: batch ${b + 1}/${n}, loss ${loss.toFixed(4)}\n`)
      } else return
      last = now
    },
    epoch: (line: string) => {
      process.stdout.write(`${tty ? '\r\x1b[2K' : ''}${line}\n`)
      last = 0
    },
  }
}
