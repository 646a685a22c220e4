// The README's fault table for the upload call: see helpers/fault-table.ts.
import { testExpiredDropUrl, testFaultTable } from './helpers/fault-table'

testFaultTable('upload')
testExpiredDropUrl()
