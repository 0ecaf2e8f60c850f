import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { s3Error } from "./responses";

/**
 * Stands in for the S3 bucket behind getReportDocument's pre-signed URLs: another origin than
 * the API, URLs that expire after 5 minutes, and a refusal of requests that carry an SP-API
 * access token (the credential must never travel to the document host).
 */
export class DocumentHost {
  private server: Server | undefined;
  private readonly docs = new Map<string, { content: Buffer; gzip: boolean; contentType: string }>();
  readonly downloads: { at: string; documentId: string; status: number; carriedAccessToken: boolean }[] = [];
  url = "";

  constructor(private readonly now: () => number) {}

  async start(host = "127.0.0.1"): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://documents");
      const id = decodeURIComponent(url.pathname.slice(1));
      const doc = this.docs.get(id);
      const issued = Date.parse(url.searchParams.get("X-Amz-Date") ?? "");
      const expires = Number(url.searchParams.get("X-Amz-Expires") ?? "300");
      const carriedAccessToken = "x-amz-access-token" in req.headers;
      const answer = (status: number, body: Buffer | string, headers: Record<string, string>) => {
        this.downloads.push({ at: new Date().toISOString(), documentId: id, status, carriedAccessToken });
        res.writeHead(status, headers);
        res.end(body);
      };
      const xml = (e: { status: number; body: string }) => answer(e.status, e.body, { "content-type": "application/xml" });
      if (carriedAccessToken) return xml(s3Error(400, "InvalidArgument", "Only one auth mechanism allowed"));
      if (!doc) return xml(s3Error(404, "NoSuchKey", "The specified key does not exist."));
      if (Number.isNaN(issued) || this.now() - issued > expires * 1000) return xml(s3Error(403, "AccessDenied", "Request has expired"));
      answer(200, doc.gzip ? gzipSync(doc.content) : doc.content, { "content-type": doc.contentType });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  put(documentId: string, content: string, opts: { gzip?: boolean; contentType?: string } = {}): void {
    this.docs.set(documentId, { content: Buffer.from(content, "utf8"), gzip: !!opts.gzip, contentType: opts.contentType ?? "text/plain; charset=utf-8" });
  }

  has(documentId: string): boolean {
    return this.docs.has(documentId);
  }

  isCompressed(documentId: string): boolean {
    return this.docs.get(documentId)?.gzip ?? false;
  }

  /** A URL in the shape of a pre-signed S3 URL, valid 5 minutes from now. */
  presign(documentId: string): string {
    const q = new URLSearchParams({
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Date": new Date(this.now()).toISOString(),
      "X-Amz-Expires": "300",
      "X-Amz-Signature": randomBytes(16).toString("hex"),
    });
    return `${this.url}/${encodeURIComponent(documentId)}?${q}`;
  }

  clear(): void {
    this.docs.clear();
    this.downloads.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
