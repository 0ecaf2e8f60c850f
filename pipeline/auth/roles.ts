import type { ConsoleRole } from "../db/schema-auth";

export type Role = ConsoleRole;

/** Ordered: each role can do everything the ones before it can. */
export const ROLES: readonly Role[] = ["viewer", "operator", "approver", "admin"] as const;

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Whether a user with `actual` may do what needs `required`. An unknown role may do nothing. */
export function hasRole(actual: unknown, required: Role): boolean {
  return isRole(actual) && ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

/** What each role adds, in the words the console shows next to the role picker. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: "Reads everything; changes nothing.",
  operator: "Acknowledges, ignores and replays failures; edits mappings; tests connections.",
  approver: "Approves or rejects proposed remediations.",
  admin: "Configures connections, routing rules, MCP tokens and users.",
};
