import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Credentials at rest: AES-256-GCM with a random 96-bit nonce per value. The stored form is
 * `v1.<nonce>.<tag>.<ciphertext>` in base64url so the key can be rotated by version later.
 * The connector instance id is bound as associated data: a ciphertext copied onto another
 * connector row does not decrypt.
 */
export function encryptCredentials(key: Buffer, plaintext: Record<string, unknown>, boundTo: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(boundTo));
  const ct = Buffer.concat([cipher.update(JSON.stringify(plaintext), "utf8"), cipher.final()]);
  return ["v1", nonce.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
}

export function decryptCredentials(key: Buffer, stored: string, boundTo: string): Record<string, unknown> {
  const [version, nonce, tag, ct] = stored.split(".");
  if (version !== "v1" || !nonce || !tag || !ct) throw new Error("credentials: unknown ciphertext format");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64url"));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8"));
}
