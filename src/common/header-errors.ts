/**
 * Errors for values that cannot go on the wire as a header (aiohttp raises ValueError, and
 * `http.cookies.CookieError` for cookies). A handler that builds a header, a cookie or a redirect
 * from request input catches them to answer 400 instead of the 500 an uncaught error gets.
 */

/** Anything but HTAB, visible ASCII, space and obs-text (0x80–0xFF): node refuses it in a header value. */
export const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * A header name that is not an RFC 9110 token, or a value with CR, LF, NUL, another control
 * character or a character above U+00FF (aiohttp's ValueError). A TypeError, as before it was typed.
 */
export class InvalidHeaderError extends TypeError {
  override name = 'InvalidHeaderError';
  readonly code: string = 'ERR_INVALID_HEADER';
  /** The header (`Location`, `Set-Cookie`, ...); `undefined` for the status line's reason phrase. */
  readonly header: string | undefined;

  constructor(message: string, header: string | undefined) {
    super(message);
    this.header = header;
  }
}

/** A cookie name, value or attribute that cannot be sent in Set-Cookie (aiohttp's `CookieError`). */
export class CookieError extends InvalidHeaderError {
  override name = 'CookieError';
  override readonly code: string = 'ERR_INVALID_COOKIE';
  /** The cookie's name as given. */
  readonly cookie: string;

  constructor(message: string, cookie: string) {
    super(message, 'Set-Cookie');
    this.cookie = cookie;
  }
}

/** Describes the first character of `value` that `INVALID_HEADER_VALUE` refuses, for error messages. */
export function describeInvalidChar(value: string): string {
  const m = INVALID_HEADER_VALUE.exec(value);
  if (m === null) return 'no invalid character';
  const c = m[0].codePointAt(0)!;
  const names: Record<number, string> = { 0: 'NUL', 10: 'LF', 13: 'CR', 127: 'DEL' };
  return names[c] ?? (c < 0x20 ? `a control character (U+${c.toString(16).toUpperCase().padStart(4, '0')})` : `U+${c.toString(16).toUpperCase().padStart(4, '0')} (above U+00FF; percent-encode it)`);
}
