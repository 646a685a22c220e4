// Prints the plain closing line CI reads ("N passed, N failed") as the very last line of the run: jest
// writes its own summary to stderr afterwards, so the line waits for the process to exit.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const tail = skipped > 0 ? `, ${skipped} skipped` : ''
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${tail}\n`
    process.once('exit', () => process.stdout.write(line))
  }
}

module.exports = SummaryReporter
