import { getConsoleAuth, type Role } from "@/pipeline/auth";
import { createConsoleUser, type NewUserInput } from "@/pipeline/auth/users";
import { appendAudit } from "@/pipeline/audit";
import { countAdmins, listUsers, setUserRole } from "@/pipeline/db/queries/console-users";
import type { Runtime } from "@/pipeline/runtime";
import { actorOf } from "../guard";
import type { ConsoleUser } from "../session";

/** Creates a user with a generated password, shown once to the admin who created it. */
export async function addUser(rt: Runtime, by: ConsoleUser, input: NewUserInput): Promise<{ id: string; email: string; role: Role; password: string }> {
  const created = await createConsoleUser(await getConsoleAuth(), rt.store, input);
  await appendAudit(rt.store, { ...actorOf(by), action: "user.created", subject: `user:${created.email}`, after: { role: created.role } });
  return created;
}

export class LastAdminError extends Error {}

/** Changes a role; the user is signed out everywhere. The last admin cannot lose the role. */
export async function changeRole(rt: Runtime, by: ConsoleUser, userId: string, role: Role): Promise<boolean> {
  const target = (await listUsers(rt.store)).find((u) => u.id === userId);
  if (!target) return false;
  if (target.role === "admin" && role !== "admin" && (await countAdmins(rt.store)) <= 1) throw new LastAdminError("this is the last admin: make someone else admin first");
  await setUserRole(rt.store, userId, role);
  await appendAudit(rt.store, { ...actorOf(by), action: "user.role_changed", subject: `user:${target.email}`, before: { role: target.role }, after: { role } });
  return true;
}
