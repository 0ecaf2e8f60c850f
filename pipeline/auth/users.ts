import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Store } from "../db/client";
import { countUsers, findUserByEmail } from "../db/queries/console-users";
import type { ConsoleAuth } from "./console-auth";
import type { Role } from "./roles";

export const FIRST_ADMIN_EMAIL = "admin@loopkeeper.local";

export class UserExistsError extends Error {
  constructor(email: string) {
    super(`a user with email ${email} already exists`);
    this.name = "UserExistsError";
  }
}

/** 24 characters from 144 random bits: long enough that nobody has to choose one. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

export const NewUserInput = z.object({
  email: z.email().transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(100).optional(),
  role: z.enum(["viewer", "operator", "approver", "admin"]),
});
export type NewUserInput = z.input<typeof NewUserInput>;

/**
 * Creates a console user with an email + password account. Without a password one is generated;
 * the caller shows it once and it is stored only as an argon2id hash.
 */
export async function createConsoleUser(
  auth: ConsoleAuth,
  store: Store,
  input: NewUserInput & { password?: string },
): Promise<{ id: string; email: string; role: Role; password: string }> {
  const { email, name, role } = NewUserInput.parse(input);
  if (await findUserByEmail(store, email)) throw new UserExistsError(email);
  const password = input.password ?? generatePassword();
  const ctx = await auth.$context;
  if (password.length < ctx.password.config.minPasswordLength) throw new Error(`the password must have at least ${ctx.password.config.minPasswordLength} characters`);
  const passwordHash = await ctx.password.hash(password);
  const user = await ctx.internalAdapter.createUser({ email, name: name ?? email.split("@")[0]!, role, emailVerified: true }, { method: "admin" });
  await ctx.internalAdapter.linkAccount({ providerId: "credential", accountId: user.id, userId: user.id, password: passwordHash });
  return { id: user.id, email, role, password };
}

/**
 * First boot: when no user exists, creates the admin and prints its credentials once, to stdout
 * only (never to the structured log, which may be shipped elsewhere, and never to a file). When
 * several processes start together, the unique email lets exactly one of them win.
 */
export async function ensureFirstAdmin(auth: ConsoleAuth, store: Store, print: (text: string) => void = (t) => process.stdout.write(t)): Promise<boolean> {
  if ((await countUsers(store)) > 0) return false;
  let created;
  try {
    created = await createConsoleUser(auth, store, { email: FIRST_ADMIN_EMAIL, name: "Administrator", role: "admin" });
  } catch (e) {
    if ((await countUsers(store)) > 0) return false;
    throw e;
  }
  print(
    [
      "",
      "┌─ Loopkeeper console: first administrator created ─────────────────────",
      `│ email:    ${created.email}`,
      `│ password: ${created.password}`,
      "│ This is shown once. Sign in, then create named users on the Users page",
      "│ (or: npm run users -- create --email you@example.com --role admin).",
      "└────────────────────────────────────────────────────────────────────────",
      "",
    ].join("\n"),
  );
  return true;
}
