import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getConsoleAuth, hasRole, type Role } from "@/pipeline/auth";

export interface ConsoleUser {
  id: string;
  email: string;
  name: string;
  /** As stored; hasRole() treats anything unknown as no permission. */
  role: string;
}

/** The signed-in user of this request, read once per render. */
export const currentUser = cache(async (): Promise<ConsoleUser | null> => {
  const auth = await getConsoleAuth();
  const session = await auth.api.getSession({ headers: await headers() });
  if (!session) return null;
  const u = session.user as typeof session.user & { role?: string };
  return { id: u.id, email: u.email, name: u.name, role: u.role ?? "viewer" };
});

/** For pages: the signed-in user, or a redirect to sign-in. */
export async function requireUser(): Promise<ConsoleUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}

export function can(user: ConsoleUser | null, role: Role): boolean {
  return !!user && hasRole(user.role, role);
}
