import definition from '../../destinations/the-trade-desk-crm/index'
import { destinations } from '../../index'

describe('definition', () => {
  // src/index.ts is the project's, not the destination folder's: this check stays out of the folder.
  it('is what the project exports under its slug', () => {
    expect(destinations['actions-the-trade-desk-crm']).toBe(definition)
  })
})
