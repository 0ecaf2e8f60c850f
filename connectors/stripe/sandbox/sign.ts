import { createHmac } from "node:crypto";

/**
 * Signs a webhook body the way Stripe does: `t=<unix>,v1=<hex>` with one v1 per active endpoint
 * secret (two while a secret roll is in progress). Written independently of ../webhooks.ts so the
 * sandbox is a second implementation the verifier is tested against.
 */
export function signStripePayload(body: string, secrets: string[], timestamp = Math.floor(Date.now() / 1000)): string {
  const v1 = secrets.map((s) => `v1=${createHmac("sha256", s).update(`${timestamp}.${body}`).digest("hex")}`);
  return [`t=${timestamp}`, ...v1].join(",");
}
