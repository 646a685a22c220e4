import { drain } from '../http/body'
import { sendMessage, sendXmlError } from './answers'
import type { SandboxCall, SandboxContext } from './context'
import { UploadParser } from './upload-parser'

/**
 * PUT {drop Url}: the pre-signed upload location. Like a storage host it needs no TTD-Auth and answers its own
 * refusals as S3-style XML; the identifier-count rule is TTD's and answers with TTD's JSON Message.
 */
export async function handleUpload(ctx: SandboxContext, { req, res, params }: SandboxCall): Promise<void> {
  const drop = ctx.store.dropByUploadId(params.uploadId)
  if (!drop) {
    await drain(req)
    return sendXmlError(res, 404, 'NoSuchUpload', 'The specified upload does not exist')
  }
  if (drop.state !== 'pending') {
    await drain(req)
    return sendXmlError(res, 403, 'AccessDenied', 'This upload URL has already been used')
  }
  if (ctx.store.isExpired(drop, ctx.now())) {
    await drain(req)
    return sendXmlError(res, 403, 'AccessDenied', 'Request has expired')
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (contentType !== 'text/plain') {
    await drain(req)
    return sendMessage(res, 400, 'Content-Type must be text/plain')
  }

  drop.state = 'uploading'
  const parser = new UploadParser(drop.piiType)
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) parser.push(chunk)
  } catch {
    // The body never arrived whole: nothing is applied and the location stays usable, as with an aborted S3 PUT.
    drop.state = 'pending'
    return
  }
  if (!req.complete) {
    drop.state = 'pending'
    return
  }
  const outcome = ctx.store.finishUpload(drop, parser.finish(), ctx.now())
  if (!outcome.applied) {
    return sendMessage(
      res,
      400,
      `The upload holds ${outcome.distinctCount} distinct valid identifiers; each upload must hold at least ` +
        `${ctx.minDistinct} distinct identifiers. Nothing was applied.`
    )
  }
  res.writeHead(200, { 'Content-Length': 0 })
  res.end()
}
