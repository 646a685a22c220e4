// The README's fault table for the create call: see helpers/fault-table.ts.
import { testFaultTable } from './helpers/fault-table'

testFaultTable('create')
