// The README's fault table for the list call: see helpers/fault-table.ts.
import { testFaultTable } from './helpers/fault-table'

testFaultTable('list')
