/** RFC 8288 Link headers, for `response.links` (aiohttp's `ClientResponse.links`). */

/** One entry of `response.links`: the target URL and the link's parameters (`rel`, `title`, ...). */
export interface LinkInfo {
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses RFC 8288 Link header values: `<url>; rel="next"; title="x", <url2>; rel=prev`. */
export function parseLinkHeader(values: readonly string[], base: URL): Array<[string, LinkInfo]> {
  const out: Array<[string, LinkInfo]> = [];
  for (const value of values) {
    let i = 0;
    const n = value.length;
    while (i < n) {
      const lt = value.indexOf('<', i);
      if (lt === -1) break;
      const gt = value.indexOf('>', lt);
      if (gt === -1) break;
      const target = value.slice(lt + 1, gt);
      const params: Record<string, string> = Object.create(null) as Record<string, string>;
      i = gt + 1;
      // Parameters up to the next comma outside quotes.
      while (i < n) {
        while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
        if (value[i] === ',') {
          i++;
          break;
        }
        if (value[i] !== ';') {
          i++;
          continue;
        }
        i++;
        const eq = value.indexOf('=', i);
        const nextSemi = value.indexOf(';', i);
        const nextComma = value.indexOf(',', i);
        const end = Math.min(nextSemi === -1 ? n : nextSemi, nextComma === -1 ? n : nextComma);
        if (eq === -1 || eq > end) {
          const name = value.slice(i, end).trim().toLowerCase();
          if (name) params[name] = '';
          i = end;
          continue;
        }
        const name = value.slice(i, eq).trim().toLowerCase();
        i = eq + 1;
        while (i < n && value[i] === ' ') i++;
        let v = '';
        if (value[i] === '"') {
          i++;
          while (i < n && value[i] !== '"') {
            if (value[i] === '\\' && i + 1 < n) i++;
            v += value[i];
            i++;
          }
          i++;
        } else {
          const stop = Math.min(value.indexOf(';', i) === -1 ? n : value.indexOf(';', i), value.indexOf(',', i) === -1 ? n : value.indexOf(',', i));
          v = value.slice(i, stop).trim();
          i = stop;
        }
        if (name && !Object.hasOwn(params, name)) params[name] = v;
      }
      let url: URL;
      try {
        url = new URL(target, base);
      } catch {
        continue;
      }
      out.push([params.rel ?? url.href, { url, params }]);
    }
  }
  return out;
}
