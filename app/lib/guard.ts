import type { z } from "zod";
import { getConsoleAuth, hasRole, type Role } from "@/pipeline/auth";
import { requestOrigin } from "@/pipeline/auth/origin";
import { config } from "@/pipeline/config";
import type { ConsoleUser } from "./session";

export type Gate = { user: ConsoleUser; response?: undefined } | { user?: undefined; response: Response };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function refuse(status: number, error: string, reason: string): Response {
  return Response.json({ error, reason }, { status, headers: { "cache-control": "no-store" } });
}

/**
 * The server-side check on every console API call: same-origin for anything that changes state
 * (CSRF: the session cookie is SameSite=Lax, and this refuses what Lax still lets through), then
 * a valid session (401), then the role (403). Use: `const gate = await requireRole(req, "approver");
 * if (gate.response) return gate.response;`.
 */
export async function requireRole(req: Request, role: Role): Promise<Gate> {
  if (!SAFE_METHODS.has(req.method)) {
    const origin = req.headers.get("origin");
    const site = req.headers.get("sec-fetch-site");
    if (!origin || origin !== requestOrigin(req, config().publicUrl) || (site && site !== "same-origin")) {
      return { response: refuse(403, "cross_origin", "state-changing requests must come from the console itself") };
    }
  }
  const auth = await getConsoleAuth();
  const session = await auth.api.getSession({ headers: req.headers });
  if (!session) return { response: refuse(401, "unauthenticated", "sign in first") };
  const u = session.user as typeof session.user & { role?: string };
  const user: ConsoleUser = { id: u.id, email: u.email, name: u.name, role: u.role ?? "viewer" };
  if (!hasRole(user.role, role)) return { response: refuse(403, "forbidden", `this needs the ${role} role; you are ${user.role}`) };
  return { user };
}

/** Parses a JSON body once against its schema; a bad body is a 400 naming the field. */
export async function parseBody<T extends z.ZodType>(req: Request, schema: T): Promise<{ data: z.infer<T>; response?: undefined } | { data?: undefined; response: Response }> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    return { response: refuse(400, "malformed", "the body must be JSON") };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { response: refuse(400, "invalid", `${issue?.path.join(".") || "body"}: ${issue?.message}`) };
  }
  return { data: parsed.data };
}

/** Who did it, as the audit log and the tools record actors. */
export function actorOf(user: ConsoleUser): { actorType: "user"; actorId: string } {
  return { actorType: "user", actorId: user.email };
}

export function ok(body: unknown = { ok: true }): Response {
  return Response.json(body, { headers: { "cache-control": "no-store" } });
}

export function fail(status: number, error: string, reason: string): Response {
  return refuse(status, error, reason);
}
