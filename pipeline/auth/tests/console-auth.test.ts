import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authAccounts } from "../../db/schema-auth";
import { openPgliteTestStore, type TestStore } from "../../testing/backends";
import { createConsoleAuth, type ConsoleAuth } from "../console-auth";
import { hasRole } from "../roles";
import { createConsoleUser, ensureFirstAdmin, FIRST_ADMIN_EMAIL, UserExistsError } from "../users";
import { setUserRole } from "../../db/queries/console-users";

const ORIGIN = "http://127.0.0.1:3999";

describe("console auth", () => {
  let store: TestStore;
  let auth: ConsoleAuth;
  let adminPassword = "";

  beforeAll(async () => {
    store = await openPgliteTestStore();
    auth = createConsoleAuth(store, { secretKey: randomBytes(32) });
  });
  afterAll(() => store.dispose());

  // Next.js builds request.url from its listen address; the Host header is what the browser used.
  const signIn = (email: string, password: string, origin = ORIGIN) =>
    auth.handler(
      new Request("http://localhost:3000/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json", origin, host: "127.0.0.1:3999" },
        body: JSON.stringify({ email, password }),
      }),
    );

  it("creates the first admin once and prints its password", async () => {
    let printed = "";
    expect(await ensureFirstAdmin(auth, store, (t) => (printed += t))).toBe(true);
    adminPassword = /password: (\S+)/.exec(printed)?.[1] ?? "";
    expect(printed).toContain(FIRST_ADMIN_EMAIL);
    expect(adminPassword.length).toBeGreaterThanOrEqual(20);
    expect(await ensureFirstAdmin(auth, store, () => expect.fail("printed twice"))).toBe(false);
  });

  it("stores passwords only as argon2id hashes", async () => {
    const rows = await store.db.select({ password: authAccounts.password }).from(authAccounts);
    expect(rows.length).toBe(1);
    expect(rows[0]!.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0]!.password).not.toContain(adminPassword);
  });

  it("signs in with an HttpOnly SameSite=Lax session cookie and reads the role", async () => {
    const res = await signIn(FIRST_ADMIN_EMAIL, adminPassword);
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const session = await auth.api.getSession({ headers: new Headers({ cookie: cookie.split(";")[0]! }) });
    expect(session?.user.email).toBe(FIRST_ADMIN_EMAIL);
    expect(hasRole(session?.user.role, "admin")).toBe(true);
  });

  it("refuses a wrong password, a cross-site sign-in and self sign-up", async () => {
    expect((await signIn(FIRST_ADMIN_EMAIL, "not-the-password-at-all")).status).toBe(401);
    expect((await signIn(FIRST_ADMIN_EMAIL, adminPassword, "https://evil.example")).status).toBe(403);
    const signUp = await auth.handler(
      new Request(`${ORIGIN}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body: JSON.stringify({ email: "mallory@example.com", password: "a-long-enough-password", name: "m", role: "admin" }),
      }),
    );
    expect(signUp.status).toBeGreaterThanOrEqual(400);
  });

  it("creates users with a role, refuses duplicates, and a role change ends their sessions", async () => {
    const viewer = await createConsoleUser(auth, store, { email: "Viewer@Example.com", role: "viewer" });
    expect(viewer.email).toBe("viewer@example.com");
    await expect(createConsoleUser(auth, store, { email: "viewer@example.com", role: "admin" })).rejects.toBeInstanceOf(UserExistsError);
    const res = await signIn(viewer.email, viewer.password);
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    const before = await auth.api.getSession({ headers: new Headers({ cookie }) });
    expect(before?.user.role).toBe("viewer");
    expect(hasRole(before?.user.role, "approver")).toBe(false);
    await setUserRole(store, viewer.id, "approver");
    expect(await auth.api.getSession({ headers: new Headers({ cookie }) })).toBeNull();
  });
});
