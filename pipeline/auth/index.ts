import { getRuntime } from "../runtime";
import { createConsoleAuth, type ConsoleAuth } from "./console-auth";
import { ensureFirstAdmin } from "./users";

export { createConsoleAuth, type ConsoleAuth } from "./console-auth";
export { hasRole, isRole, ROLES, type Role } from "./roles";

const KEY = Symbol.for("loopkeeper.console-auth");

/**
 * The console's auth for this process, on the runtime's database. The first call also creates the
 * first administrator when the database has no user yet.
 */
export function getConsoleAuth(): Promise<ConsoleAuth> {
  const g = globalThis as unknown as Record<symbol, Promise<ConsoleAuth> | undefined>;
  g[KEY] ??= (async () => {
    const rt = await getRuntime();
    const auth = createConsoleAuth(rt.store, { secretKey: rt.config.secretKey, publicUrl: rt.config.publicUrl });
    await ensureFirstAdmin(auth, rt.store);
    return auth;
  })().catch((e) => {
    g[KEY] = undefined;
    throw e;
  });
  return g[KEY]!;
}
