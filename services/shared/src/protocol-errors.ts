import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from '../../../contracts/common.js';

// Node answers some requests itself, before Express sees them, with an empty body: a request it cannot parse (400),
// headers over its maxHeaderSize (431), a request that took too long (408), an Expect it does not know (417), and
// CONNECT (no answer at all). These listeners give those answers the JSON error shape every other error has.

interface ParserError extends Error {
  code?: string;
  /** llhttp's reason, e.g. "Invalid method encountered". */
  reason?: string;
  /** The bytes Node was parsing when it gave up. */
  rawPacket?: Buffer;
}

/** What Node's parser or timers raised, as the answer our routes would give. */
export function describeProtocolError(error: ParserError): { status: number; body: ErrorBody } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, body: { error: 'headers_too_large', message: 'Request headers too large' } };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, body: { error: 'payload_too_large', message: 'Chunk extensions too large' } };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, body: { error: 'request_timeout', message: 'The request did not arrive in time' } };
    default:
      return { status: 400, body: { error: 'malformed_request', message: `Malformed HTTP request: ${error.reason ?? error.message}` } };
  }
}

/** The answer as bytes; to a HEAD request without its body, which the client would read as garbage. */
function rawResponse(status: number, body: ErrorBody, toHead = false): string {
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Connection: close',
    '',
    toHead ? '' : json,
  ].join('\r\n');
}

/** The response Node's HTTP server is writing on this socket, if any (Node's own default handler checks the same). */
const inFlightResponse = (socket: Duplex): ServerResponse | undefined => (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;

function answerOnSocket(socket: Duplex, status: number, body: ErrorBody, toHead = false): void {
  socket.end(rawResponse(status, body, toHead), () => socket.destroy());
}

function onClientError(error: ParserError, socket: Duplex): void {
  // Only where nothing of another response has been written to this connection yet: else the peer would read garbage.
  if (error.code === 'ECONNRESET' || !socket.writable || inFlightResponse(socket)?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, body } = describeProtocolError(error);
  // The request line is at the start of the bytes Node was parsing, unless its headers came in several reads.
  answerOnSocket(socket, status, body, error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ');
}

function onExpectation(req: IncomingMessage, res: ServerResponse): void {
  const body: ErrorBody = { error: 'expectation_failed', message: `Expect: ${req.headers.expect ?? ''} is not supported (only 100-continue is)` };
  res.writeHead(417, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' }).end(JSON.stringify(body));
}

function onConnect(req: IncomingMessage, socket: Duplex): void {
  answerOnSocket(socket, 404, { error: 'not_found', message: `No route for CONNECT ${req.url ?? ''}` });
}

/** Makes `server` answer what Node handles itself in the JSON error shape (see above). */
export function answerProtocolErrorsInJson(server: Server): void {
  server.on('clientError', onClientError);
  server.on('checkExpectation', onExpectation);
  server.on('connect', onConnect);
}
