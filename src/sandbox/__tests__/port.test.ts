import { isPortInUse, parsePort } from '../port'

describe('port helpers', () => {
  it.each([
    ['0', 0],
    ['3000', 3000],
    ['65535', 65535],
    ['65536', undefined],
    ['', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    [' 80', undefined],
    ['0x50', undefined],
    ['123456', undefined]
  ])('parsePort(%j) is %j', (text, port) => {
    expect(parsePort(text)).toBe(port)
  })

  it('recognizes a busy port by the error code, not its message', () => {
    expect(isPortInUse(Object.assign(new Error('whatever'), { code: 'EADDRINUSE' }))).toBe(true)
    expect(isPortInUse(new Error('listen EADDRINUSE: address already in use'))).toBe(false)
    expect(isPortInUse(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false)
    expect(isPortInUse(undefined)).toBe(false)
  })
})
