/**
 * Jest's `setupFilesAfterEnv` for every suite: tests never leave the machine. Outbound connections are refused
 * unless nock intercepts them, except to loopback, where suites run their own servers (sandbox, redis-server,
 * chromium); interceptors are cleared after each test so none leaks into the next.
 */
import nock from 'nock'

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\]|::1)(:\d+)?$/

nock.disableNetConnect()
nock.enableNetConnect((host) => LOOPBACK.test(host))

afterEach(() => nock.cleanAll())
// Each suite loads its own copy of nock, which patches the worker's one `http` module and `Headers` class over what
// the suites before it patched: a finished suite's copy takes its patches back, or every request in the worker would
// pass through one more layer of interception with each suite, and a finished suite's copy would refuse requests
// meant for the next suite's interceptors.
afterAll(() => nock.restore())
