import { asc, count, eq, sql } from "drizzle-orm";
import type { Store } from "../client";
import { authSessions, authUsers, type ConsoleRole } from "../schema-auth";

export interface ConsoleUserRow {
  id: string;
  email: string;
  name: string;
  role: ConsoleRole;
  createdAt: string;
  activeSessions: number;
}

export async function countUsers(store: Store): Promise<number> {
  const [row] = await store.db.select({ n: count() }).from(authUsers);
  return row?.n ?? 0;
}

export async function listUsers(store: Store): Promise<ConsoleUserRow[]> {
  const rows = await store.db
    .select({
      id: authUsers.id,
      email: authUsers.email,
      name: authUsers.name,
      role: authUsers.role,
      createdAt: authUsers.createdAt,
      activeSessions: sql<number>`(select count(*)::int from ${authSessions} s where s.user_id = ${authUsers.id} and s.expires_at > now())`,
    })
    .from(authUsers)
    .orderBy(asc(authUsers.email));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), activeSessions: Number(r.activeSessions) }));
}

export async function findUserByEmail(store: Store, email: string): Promise<{ id: string; email: string; role: ConsoleRole } | undefined> {
  const [row] = await store.db.select({ id: authUsers.id, email: authUsers.email, role: authUsers.role }).from(authUsers).where(eq(authUsers.email, email.toLowerCase()));
  return row;
}

/** Changes a role and signs the user out everywhere, so no session keeps powers it lost. */
export async function setUserRole(store: Store, userId: string, role: ConsoleRole): Promise<boolean> {
  return store.db.transaction(async (tx) => {
    const updated = await tx.update(authUsers).set({ role, updatedAt: new Date() }).where(eq(authUsers.id, userId)).returning({ id: authUsers.id });
    if (updated.length === 0) return false;
    await tx.delete(authSessions).where(eq(authSessions.userId, userId));
    return true;
  });
}

export async function countAdmins(store: Store): Promise<number> {
  const [row] = await store.db.select({ n: count() }).from(authUsers).where(eq(authUsers.role, "admin"));
  return row?.n ?? 0;
}
