/** Where `--api-url` takes the credentials from: never options, which other users see in the process list. */
export const TOKEN_ENV = 'TTD_AUTH_TOKEN'
export const ADVERTISER_ENV = 'TTD_ADVERTISER_ID'
