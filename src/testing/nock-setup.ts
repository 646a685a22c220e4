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
// Each suite loads its own copy of nock, but they all patch the worker's one `http`: a finished suite's copy must let
// requests through, or it would refuse those meant for the next suite's interceptors.
afterAll(() => nock.enableNetConnect())
