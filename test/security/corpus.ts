/**
 * One corpus of malformed HTTP/1.1 framing and header blocks, read by both directions: the server
 * gets each case as a request (test/security/server-parser.test.ts), the client as a response from
 * a raw TCP server (test/security/client-hostile.test.ts). A case is the header fields after the
 * start line (each line with its own terminator, so bare LF and bare CR can be written) and the
 * bytes after the blank line.
 */
export interface FramingCase {
  /** Used in test titles: "refuses <name>". */
  readonly name: string;
  /** Header lines after the start line, each ending with its own line terminator. */
  readonly fields: string;
  /** The bytes after the head's blank line. */
  readonly body: string;
  /**
   * Where the client finds the fault: in the head (the request throws ClientResponseParseError)
   * or in the body's framing (reading the body throws ClientPayloadError).
   */
  readonly client: 'head' | 'body';
}

const TE = 'Transfer-Encoding: chunked\r\n';

export const FRAMING_CORPUS: readonly FramingCase[] = [
  { name: 'Content-Length together with Transfer-Encoding', fields: `Content-Length: 5\r\n${TE}`, body: '0\r\n\r\nSMUGGLED', client: 'head' },
  { name: 'differing Content-Lengths', fields: 'Content-Length: 3\r\nContent-Length: 4\r\n', body: 'abcd', client: 'head' },
  { name: 'a Content-Length list', fields: 'Content-Length: 3, 3\r\n', body: 'abc', client: 'head' },
  { name: 'a signed Content-Length', fields: 'Content-Length: +3\r\n', body: 'abc', client: 'head' },
  { name: 'a duplicate Transfer-Encoding', fields: `${TE}${TE}`, body: '3\r\nabc\r\n0\r\n\r\n', client: 'head' },
  { name: 'chunked that is not the final transfer coding', fields: 'Transfer-Encoding: chunked, identity\r\n', body: '0\r\n\r\n', client: 'head' },
  { name: 'a non-hex chunk size', fields: TE, body: 'zz\r\nabc\r\n0\r\n\r\n', client: 'body' },
  { name: 'a negative chunk size', fields: TE, body: '-3\r\nabc\r\n0\r\n\r\n', client: 'body' },
  { name: 'an overflowing chunk size', fields: TE, body: 'fffffffffffffffff\r\nabc\r\n0\r\n\r\n', client: 'body' },
  { name: 'a chunk size line ended by a bare LF', fields: TE, body: '3\nabc\r\n0\r\n\r\n', client: 'body' },
  { name: 'chunk data not followed by CRLF', fields: TE, body: '3\r\nabcXY0\r\n\r\n', client: 'body' },
  { name: 'obs-fold continuation lines', fields: 'X-A: b\r\n c\r\nContent-Length: 2\r\n', body: 'ok', client: 'head' },
  { name: 'a bare LF after a header', fields: 'X-A: b\nContent-Length: 2\r\n', body: 'ok', client: 'head' },
  { name: 'a bare CR inside a header value', fields: 'X-A: b\rc\r\nContent-Length: 2\r\n', body: 'ok', client: 'head' },
  { name: 'NUL in a header name', fields: 'X\0A: b\r\nContent-Length: 2\r\n', body: 'ok', client: 'head' },
  { name: 'NUL in a header value', fields: 'X-A: b\0c\r\nContent-Length: 2\r\n', body: 'ok', client: 'head' },
  { name: 'control bytes in a header name', fields: 'X\x01A: b\r\nContent-Length: 2\r\n', body: 'ok', client: 'head' },
  { name: 'whitespace between a header name and the colon', fields: 'X-A : b\r\nContent-Length: 2\r\n', body: 'ok', client: 'head' },
];
