// Prints the plain closing line CI reads ("N passed, N failed") as the very last line of the run: jest
// writes its own summary to stderr afterwards, so the line waits for the process to exit.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const tail = skipped > 0 ? `, ${skipped} skipped` : ''
    // A file can fail outside its tests (it does not load, or it leaves a process running): say so, since its
    // tests may all have passed.
    const broken = results.numRuntimeErrorTestSuites
    const files =
      broken > 0
        ? `, ${broken} test file${broken === 1 ? '' : 's'} failed outside ${broken === 1 ? 'its' : 'their'} tests`
        : ''
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${tail}${files}\n`
    process.once('exit', () => process.stdout.write(line))
  }
}

module.exports = SummaryReporter
