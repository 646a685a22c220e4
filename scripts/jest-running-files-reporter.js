// Names a test file that runs for more than a minute, and again each minute after, as it goes: no file should take
// that long, so it is likely hung, and when CI's `timeout` stops the run the log already says which file it was. A line
// printed as it happens survives whatever kills jest later, where a signal handler would race the workers' deaths, or
// never run while a test blocks jest's main thread.
const { relative } = require('node:path')

const REPORT_AFTER_MS = 60_000

class RunningFilesReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir
    this.running = new Map()
    this.watchdog = undefined
  }

  onRunStart() {
    this.watchdog = setInterval(() => this.reportLongRunning(), 5_000)
    this.watchdog.unref()
  }

  onTestFileStart(test) {
    this.running.set(test.path, { started: Date.now(), reported: 0 })
  }

  onTestFileResult(test) {
    this.running.delete(test.path)
  }

  onRunComplete() {
    clearInterval(this.watchdog)
  }

  reportLongRunning() {
    const now = Date.now()
    for (const [path, file] of this.running) {
      const minutes = Math.floor((now - file.started) / REPORT_AFTER_MS)
      if (minutes > file.reported) {
        file.reported = minutes
        process.stderr.write(`\n${relative(this.rootDir, path)} has been running for ${minutes} min: does it hang?\n`)
      }
    }
  }
}

module.exports = RunningFilesReporter
