import { hash, verify } from "@node-rs/argon2";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createHmac } from "node:crypto";
import type { Store } from "../db/client";
import { log } from "../log";
import { requestOrigin } from "./origin";
import { authAccounts, authSessions, authUsers, authVerifications } from "../db/schema-auth";

/**
 * argon2id with OWASP's baseline (19 MiB, 2 passes, 1 lane); argon2id is @node-rs/argon2's default
 * algorithm, and the tests check that stored hashes start with $argon2id$.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);
export const verifyPassword = (data: { hash: string; password: string }): Promise<boolean> => verify(data.hash, data.password).catch(() => false);

export const MIN_PASSWORD_LENGTH = 12;

export interface ConsoleAuthOptions {
  /** The AES key of the credentials store; the session-signing secret is derived from it. */
  secretKey: Buffer;
  /**
   * The console's public URL. Unset, better-auth takes the origin from each request, so sign-in
   * and the CSRF origin check accept exactly the origin the browser is on.
   */
  publicUrl?: string;
}

/**
 * better-auth for the console: email + password only, no self sign-up (users are created by the
 * first-boot admin, the Users page or `npm run users`), sessions in the database (role changes
 * and revocations apply on the next request), HttpOnly SameSite=Lax cookies, and better-auth's
 * origin / Fetch-Metadata checks on every state-changing auth request.
 */
export function createConsoleAuth(store: Store, opts: ConsoleAuthOptions) {
  return betterAuth({
    appName: "Loopkeeper",
    baseURL: opts.publicUrl,
    // Next.js hands route handlers a URL built from its own listen address, not the Host the
    // browser used; trust exactly the origin of the request's Host instead.
    trustedOrigins: async (request?: Request) => {
      const origin = request ? requestOrigin(request, opts.publicUrl) : undefined;
      return origin ? [origin] : [];
    },
    // A separate key per purpose: a leaked session-signing secret must not decrypt credentials.
    secret: createHmac("sha256", opts.secretKey).update("loopkeeper/console-sessions/v1").digest("base64url"),
    database: drizzleAdapter(store.db, {
      provider: "pg",
      schema: { user: authUsers, session: authSessions, account: authAccounts, verification: authVerifications },
    }),
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      password: { hash: hashPassword, verify: verifyPassword },
    },
    user: {
      additionalFields: {
        // input: false: no auth endpoint accepts a role from the client; only server code sets it.
        role: { type: "string", required: false, defaultValue: "viewer", input: false },
      },
    },
    session: { expiresIn: 60 * 60 * 12, updateAge: 60 * 60 },
    advanced: {
      cookiePrefix: "lk",
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      // Explicit, because better-auth turns both checks off when it detects a test runner.
      disableOriginCheck: false,
      disableCSRFCheck: false,
    },
    rateLimit: {
      enabled: true,
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: 20 } },
    },
    telemetry: { enabled: false },
    logger: {
      level: "warn",
      log: (level, message, ...args) => {
        // Deriving the origin from each request is the intended set-up when no public URL is configured.
        if (!opts.publicUrl && message.includes("Base URL is not set")) return;
        const fields = { component: "console-auth", detail: args.length ? args : undefined };
        if (level === "error") log.error(fields, message);
        else if (level === "warn") log.warn(fields, message);
        else log.info(fields, message);
      },
    },
  });
}

export type ConsoleAuth = ReturnType<typeof createConsoleAuth>;
