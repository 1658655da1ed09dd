import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '../../../contracts/common.js';
import type { Logger } from './logger.js';

/** Any request no route handled: 404 with a JSON body (mount after every router). */
export const notFoundHandler: RequestHandler = (req, res) => {
  const body: ErrorBody = { error: 'not_found', message: `No route for ${req.method} ${req.path}` };
  res.status(404).json(body);
};

interface HttpErrorLike {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
  message?: unknown;
}

/** Client errors raised by body-parser and friends: status in 4xx, a `type` naming the problem. */
function describeClientError(error: HttpErrorLike): { status: number; body: ErrorBody } | undefined {
  const status = typeof error.status === 'number' ? error.status : typeof error.statusCode === 'number' ? error.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const message = typeof error.message === 'string' ? error.message : 'Bad request';
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: 400, body: { error: 'malformed_json', message: `Malformed JSON body: ${message}` } };
    case 'entity.too.large':
      return { status: 413, body: { error: 'payload_too_large', message: `Request body too large: ${message}` } };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, body: { error: 'unsupported_encoding', message } };
    default:
      return { status, body: { error: 'bad_request', message: error.expose === false ? 'Bad request' : message } };
  }
}

/**
 * The last middleware: 4xx errors answer with what was wrong; anything else is logged with its stack and answers a
 * generic 500. A stack trace never reaches a client.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const clientError = error !== null && typeof error === 'object' ? describeClientError(error) : undefined;
    if (clientError) {
      res.status(clientError.status).json(clientError.body);
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    const body: ErrorBody = { error: 'internal_error', message: 'Internal server error' };
    res.status(500).json(body);
  };
}
