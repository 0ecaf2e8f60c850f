/**
 * `npm run users -- <command>`: console users from the command line.
 *
 *   create --email you@example.com --role approver [--name "Dana"] [--password ...]
 *   list
 *   set-role --email you@example.com --role operator
 *
 * A password is generated when none is given and printed once. With the embedded database
 * (PGlite, no DATABASE_URL) only one process may open the data directory: stop the server first,
 * or use the console's Users page.
 */
import { parseArgs } from "node:util";
import { createConsoleAuth } from "../pipeline/auth/console-auth";
import { isRole, ROLES } from "../pipeline/auth/roles";
import { createConsoleUser, UserExistsError } from "../pipeline/auth/users";
import { appendAudit } from "../pipeline/audit";
import { config } from "../pipeline/config";
import { openStore } from "../pipeline/db/client";
import { findUserByEmail, listUsers, setUserRole } from "../pipeline/db/queries/console-users";

const USAGE = `usage:
  npm run users -- create --email EMAIL --role ${ROLES.join("|")} [--name NAME] [--password PASSWORD]
  npm run users -- list
  npm run users -- set-role --email EMAIL --role ${ROLES.join("|")}`;

function die(message: string): never {
  console.error(message);
  process.exit(1);
}

async function serverIsUp(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({ args: rest, options: { email: { type: "string" }, role: { type: "string" }, name: { type: "string" }, password: { type: "string" } }, strict: true });
  if (!command || !["create", "list", "set-role"].includes(command)) die(USAGE);
  const cfg = config();
  if (cfg.database.kind === "pglite" && (await serverIsUp(cfg.port))) {
    die(`The server on port ${cfg.port} has the embedded database open, and only one process may. Stop it first, or add users on the console's Users page.`);
  }
  const store = await openStore(cfg.database);
  try {
    if (command === "list") {
      for (const u of await listUsers(store)) console.log(`${u.role.padEnd(9)} ${u.email}${u.name ? ` (${u.name})` : ""}`);
      return;
    }
    if (!values.email) die(`--email is required\n${USAGE}`);
    if (!isRole(values.role)) die(`--role must be one of ${ROLES.join(", ")}\n${USAGE}`);
    if (command === "set-role") {
      const user = await findUserByEmail(store, values.email);
      if (!user) die(`no user ${values.email}`);
      await setUserRole(store, user.id, values.role);
      await appendAudit(store, { actorType: "system", actorId: "cli", action: "user.role_changed", subject: `user:${user.email}`, before: { role: user.role }, after: { role: values.role } });
      console.log(`${user.email} is now ${values.role} (signed out everywhere)`);
      return;
    }
    const auth = createConsoleAuth(store, { secretKey: cfg.secretKey, publicUrl: cfg.publicUrl });
    try {
      const created = await createConsoleUser(auth, store, { email: values.email, name: values.name, role: values.role, password: values.password });
      await appendAudit(store, { actorType: "system", actorId: "cli", action: "user.created", subject: `user:${created.email}`, after: { role: created.role } });
      console.log(`created ${created.email} (${created.role})`);
      if (!values.password) console.log(`password: ${created.password}\nThis is shown once.`);
    } catch (e) {
      if (e instanceof UserExistsError) die(e.message);
      throw e;
    }
  } finally {
    await store.close();
  }
}

main().catch((e) => die((e as Error).message));
