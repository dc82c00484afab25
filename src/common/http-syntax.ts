/** Shared HTTP syntax checks, one definition for every module that validates names and values. */

/** RFC 9110 §5.6.2 token: header and cookie names, WebSocket subprotocols (RFC 6455 §4.1). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** CR, LF or NUL: what would end or split a header line (RFC 9110 §5.5). */
export const CRLF_NUL = /[\r\n\0]/;
