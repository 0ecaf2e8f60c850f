/**
 * The origin the browser is on, as this server sees it: the Host header, with the scheme a
 * TLS-terminating proxy reports (x-forwarded-proto) or else the request's own. A page on another
 * site cannot forge a request's Origin, so equality with this is what same-origin means here.
 * A configured public URL, when set, replaces all of this.
 */
export function requestOrigin(req: Request, publicUrl?: string): string | undefined {
  if (publicUrl) return new URL(publicUrl).origin;
  const host = req.headers.get("host");
  if (!host || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) return undefined;
  const forwarded = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  const scheme = forwarded === "https" || forwarded === "http" ? forwarded : new URL(req.url).protocol.replace(":", "");
  return `${scheme}://${host}`;
}
