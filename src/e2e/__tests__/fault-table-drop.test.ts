// The README's fault table for the drop call: see helpers/fault-table.ts.
import { testFaultTable } from './helpers/fault-table'

testFaultTable('drop')
