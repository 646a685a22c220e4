import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sendText } from '../http/answer'
import type { Router } from '../http/router'
import type { Endpoint } from './context'

// Plain files beside this module, edited as HTML, CSS and JS and served as they are: no build step. `npm run
// build:tools` copies the folder next to the compiled sandbox.
const ASSET_DIR = join(__dirname, 'console')

const ASSETS: ReadonlyMap<string, { file: string; contentType: string }> = new Map([
  ['/', { file: 'index.html', contentType: 'text/html; charset=utf-8' }],
  ['/console.css', { file: 'console.css', contentType: 'text/css; charset=utf-8' }],
  ['/console.js', { file: 'console.js', contentType: 'text/javascript; charset=utf-8' }],
  ['/favicon.svg', { file: 'favicon.svg', contentType: 'image/svg+xml' }]
])

// Segment names are whatever a client sent: the page only ever sets them as text, and this policy refuses inline
// script and any other origin, so a name that slipped into markup still could not run or load anything.
const HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store'
}

const cache = new Map<string, string>()

export function isConsolePath(pathname: string): boolean {
  return ASSETS.has(pathname)
}

/** GET / and its assets: the sandbox console. */
export function addConsoleRoutes(router: Router<Endpoint>): void {
  for (const [path, asset] of ASSETS) {
    router.on(['GET', 'HEAD'], path, {
      route: 'other',
      handle: ({ res }) => {
        let body = cache.get(asset.file)
        if (body === undefined) {
          body = readFileSync(join(ASSET_DIR, asset.file), 'utf8')
          cache.set(asset.file, body)
        }
        // node:http leaves the body out of a HEAD answer itself, keeping its Content-Length
        sendText(res, 200, body, asset.contentType, HEADERS)
      }
    })
  }
}
