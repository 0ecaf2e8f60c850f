import { createHmac } from "node:crypto";
import { HttpClient, bearerAuth } from "../sdk/http-client";
import { classifyError } from "./errors";

export interface HttpWebhookCredentials {
  signingSecret: string;
  bearerToken?: string;
}

/** Signature a receiver verifies: hex HMAC-SHA256 over `${timestamp}.${body}`, as Stripe-style schemes do. */
export function signBody(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export class HttpWebhookClient {
  private readonly http: HttpClient;

  constructor(private readonly baseUrl: string, private readonly credentials: HttpWebhookCredentials, fetchImpl?: typeof fetch) {
    this.http = new HttpClient({
      baseUrl,
      auth: credentials.bearerToken ? bearerAuth(() => credentials.bearerToken!) : { authorize: async () => {} },
      classify: classifyError,
      fetch: fetchImpl,
      timeoutMs: 10_000,
    });
  }

  async post(path: string, payload: unknown, idempotencyKey: string): Promise<{ id?: string; status: number }> {
    const body = JSON.stringify(payload);
    const t = Math.floor(Date.now() / 1000);
    const res = await this.http.request<{ id?: string }>({
      method: "POST",
      path,
      rawBody: body,
      headers: {
        "content-type": "application/json",
        "idempotency-key": idempotencyKey,
        "x-loopkeeper-signature": `t=${t},v1=${signBody(this.credentials.signingSecret, t, body)}`,
      },
    });
    return { id: typeof res.body === "object" && res.body ? res.body.id : undefined, status: res.status };
  }

  async lookup(path: string, idempotencyKey: string): Promise<string | undefined> {
    try {
      const res = await this.http.json<{ id?: string }>({ path: `${path.replace(/\/$/, "")}/by-key/${encodeURIComponent(idempotencyKey)}` });
      return res.id;
    } catch {
      return undefined;
    }
  }

  async ping(): Promise<void> {
    await this.http.request({ method: "GET", path: "" });
  }
}
