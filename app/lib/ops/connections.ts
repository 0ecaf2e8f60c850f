import { z } from "zod";
import type { ConnectorDefinition } from "@/connectors/sdk/definition";
import { CONNECTORS } from "@/connectors/registry";
import { appendAudit } from "@/pipeline/audit";
import { saveConnectorInstance } from "@/pipeline/connector-instances";
import { deleteMapping, deleteRoutingRule, getConnection, getRoutingRule, recentEventPayloads, setConnectionEnabled, upsertMapping } from "@/pipeline/db/queries/console-connections";
import { classifyUnknownError } from "@/pipeline/errors";
import { redactText } from "@/pipeline/redact";
import { saveRoutingRule } from "@/pipeline/routing-rules";
import type { Runtime } from "@/pipeline/runtime";
import { routeEvent, RoutingRule } from "@/pipeline/stages/route";
import { actorOf } from "../guard";
import type { ConsoleUser } from "../session";

/** One input of a generated credentials form. Secrets never carry a value: only whether one is stored. */
export interface FieldSpec {
  path: string;
  label: string;
  kind: "text" | "secret" | "number" | "boolean" | "select" | "list" | "json";
  description?: string;
  required: boolean;
  options?: string[];
  /** Current (non-secret) value or default, as the input shows it. */
  value?: string | boolean;
  /** For secrets: a value is stored, so leaving the input blank keeps it. */
  stored?: boolean;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
  title?: string;
  default?: unknown;
  secret?: boolean;
  const?: unknown;
};

function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Optional fields arrive as anyOf [T, null]; the form cares about T. */
function unwrap(s: JsonSchema): JsonSchema {
  const alts = s.anyOf ?? s.oneOf;
  if (!alts) return s;
  const real = alts.filter((a) => a.type !== "null");
  if (real.length === 1) return { ...real[0], description: s.description ?? real[0]!.description, secret: s.secret ?? real[0]!.secret, default: s.default ?? real[0]!.default };
  if (real.every((a) => a.const !== undefined)) return { ...s, enum: real.map((a) => a.const) };
  return s;
}

function readPath(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function fieldsOf(schema: JsonSchema, prefix: string, labelPrefix: string, required: boolean, stored: Record<string, unknown> | undefined): FieldSpec[] {
  const out: FieldSpec[] = [];
  const req = new Set(schema.required ?? []);
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const s = unwrap(raw);
    const path = prefix ? `${prefix}.${name}` : name;
    const label = `${labelPrefix}${s.title ?? humanize(name)}`;
    const isRequired = required && req.has(name);
    const current = stored ? readPath(stored, path) : undefined;
    const base = { path, label, description: s.description, required: isRequired };
    if (s.type === "object" && s.properties) {
      out.push(...fieldsOf(s, path, `${label} · `, isRequired, stored));
    } else if (s.secret || raw.secret) {
      out.push({ ...base, kind: "secret", stored: current !== undefined && current !== null && current !== "" });
    } else if (s.enum) {
      out.push({ ...base, kind: "select", options: s.enum.map(String), value: String(current ?? s.default ?? "") });
    } else if (s.type === "boolean") {
      out.push({ ...base, kind: "boolean", value: Boolean(current ?? s.default ?? false) });
    } else if (s.type === "number" || s.type === "integer") {
      out.push({ ...base, kind: "number", value: current ?? s.default ? String(current ?? s.default) : "" });
    } else if (s.type === "string") {
      out.push({ ...base, kind: "text", value: String(current ?? s.default ?? "") });
    } else if (s.type === "array" && s.items && ["string", "number", "integer"].includes(String(unwrap(s.items).type))) {
      const list = Array.isArray(current) ? current : Array.isArray(s.default) ? s.default : [];
      out.push({ ...base, kind: "list", value: list.map(String).join("\n") });
    } else {
      out.push({ ...base, kind: "json", value: current !== undefined ? JSON.stringify(current, null, 2) : s.default !== undefined ? JSON.stringify(s.default, null, 2) : "" });
    }
  }
  return out;
}

/**
 * The credentials form of a connector, generated from its zod schema (z.toJSONSchema): field
 * names, descriptions, required-ness, enums, and which fields are secrets (.meta({ secret: true })).
 * Stored non-secret values are shown; secrets only say whether one is stored.
 */
export function credentialFields(def: ConnectorDefinition, stored?: Record<string, unknown>): FieldSpec[] {
  const schema = z.toJSONSchema(def.credentials, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return fieldsOf(schema, "", "", true, stored);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== "object") o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]!] = value;
}

function deepMerge(base: unknown, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = base && typeof base === "object" && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    out[k] = v && typeof v === "object" && !Array.isArray(v) ? deepMerge(out[k], v as Record<string, unknown>) : v;
  }
  return out;
}

export class ConnectionInputError extends Error {}

/** Turns the form's strings back into typed values; a blank input keeps what is stored. */
function credentialsFromForm(fields: FieldSpec[], form: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = form[f.path];
    if (raw === undefined || raw === null || raw === "") continue;
    let value: unknown = raw;
    if (f.kind === "boolean") value = raw === true || raw === "true" || raw === "on";
    else if (f.kind === "number") {
      value = Number(raw);
      if (!Number.isFinite(value)) throw new ConnectionInputError(`${f.label}: not a number`);
    } else if (f.kind === "list") value = String(raw).split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
    else if (f.kind === "json") {
      try {
        value = JSON.parse(String(raw));
      } catch {
        throw new ConnectionInputError(`${f.label}: not valid JSON`);
      }
    } else value = String(raw);
    setPath(out, f.path, value);
  }
  return out;
}

export const ConnectionForm = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lower-case letters, digits and dashes, e.g. shopify-us"),
  connectorType: z.string().min(1),
  displayName: z.string().trim().min(1).max(100),
  baseUrl: z.url("a full URL such as https://api.example.com").optional().or(z.literal("")),
  owner: z.string().trim().max(200).optional(),
  enabled: z.boolean().default(true),
  settings: z.string().optional(),
  credentials: z.record(z.string(), z.union([z.string(), z.boolean()])).default({}),
  isNew: z.boolean().default(false),
});

/**
 * Saves a connection from the console form: validates against the connector's schema, keeps
 * stored secrets the form left blank, records who changed which fields (never the values), and
 * reloads the runtime so deliveries use the new settings at once.
 */
export async function saveConnection(rt: Runtime, user: ConsoleUser, input: z.output<typeof ConnectionForm>): Promise<void> {
  const def = CONNECTORS[input.connectorType];
  if (!def) throw new ConnectionInputError(`unknown connector type ${input.connectorType}`);
  const existing = await getConnection(rt.store, input.id);
  if (input.isNew && existing) throw new ConnectionInputError(`a connection named ${input.id} already exists`);
  if (existing && existing.connectorType !== input.connectorType) throw new ConnectionInputError(`${input.id} is a ${existing.connectorType} connection`);
  const stored = rt.directory.instance(input.id)?.credentials ?? {};
  const fields = credentialFields(def, stored);
  const submitted = credentialsFromForm(fields, input.credentials);
  let settings: Record<string, unknown> | undefined;
  if (input.settings !== undefined && input.settings.trim() !== "") {
    try {
      settings = z.record(z.string(), z.unknown()).parse(JSON.parse(input.settings));
    } catch {
      throw new ConnectionInputError("settings must be a JSON object");
    }
  }
  try {
    await saveConnectorInstance(rt.store, rt.config.secretKey, {
      id: input.id,
      connectorType: input.connectorType,
      displayName: input.displayName,
      baseUrl: input.baseUrl || undefined,
      credentials: deepMerge(stored, submitted),
      settings,
      owner: input.owner?.trim() || undefined,
      enabled: input.enabled,
    });
  } catch (e) {
    if (e instanceof z.ZodError) {
      const i = e.issues[0]!;
      const field = fields.find((f) => f.path === i.path.join("."));
      throw new ConnectionInputError(`${field?.label ?? (i.path.join(".") || "credentials")}: ${i.message}`);
    }
    throw e;
  }
  await appendAudit(rt.store, {
    ...actorOf(user),
    action: existing ? "connection.updated" : "connection.created",
    subject: `connector:${input.id}`,
    before: existing ? { displayName: existing.displayName, baseUrl: existing.baseUrl, owner: existing.owner, enabled: existing.enabled } : null,
    after: { displayName: input.displayName, baseUrl: input.baseUrl || def.defaultBaseUrl, owner: input.owner || null, enabled: input.enabled, credentialFieldsChanged: Object.keys(flatten(submitted)) },
  });
  await rt.reload();
}

function flatten(obj: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, p));
    else out[p] = v;
  }
  return out;
}

/** The connector's own cheap authenticated read, through the live client, with a time limit. */
export async function testConnection(rt: Runtime, id: string): Promise<{ ok: boolean; detail: string; ms: number }> {
  const inst = rt.directory.instance(id);
  if (!inst) return { ok: false, detail: `no connection ${id} is loaded (is its connector type installed?)`, ms: 0 };
  const started = performance.now();
  try {
    const res = await Promise.race([
      inst.definition.testConnection(inst.client),
      new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error("no answer within 15 s"), { name: "TimeoutError" })), 15_000)),
    ]);
    return { ok: true, detail: redactText(res.detail, 500), ms: Math.round(performance.now() - started) };
  } catch (e) {
    const err = classifyUnknownError(e);
    return { ok: false, detail: redactText(`${err.errorClass}: ${err.message}`, 500), ms: Math.round(performance.now() - started) };
  }
}

/** After credentials were fixed: deliveries to this connection run again. */
export async function resumeConnection(rt: Runtime, user: ConsoleUser, id: string): Promise<void> {
  await rt.engine.resumeConnector(id);
  await appendAudit(rt.store, { ...actorOf(user), action: "connection.resumed", subject: `connector:${id}` });
}

export async function toggleConnection(rt: Runtime, user: ConsoleUser, id: string, enabled: boolean): Promise<boolean> {
  const done = await setConnectionEnabled(rt.store, id, enabled);
  if (!done) return false;
  await appendAudit(rt.store, { ...actorOf(user), action: enabled ? "connection.enabled" : "connection.disabled", subject: `connector:${id}`, after: { enabled } });
  await rt.reload();
  return true;
}

export const MappingInput = z.object({
  kind: z.string().trim().regex(/^[a-z0-9_]+$/, "lower-case letters, digits and underscores, e.g. netsuite_item"),
  connector: z.string().trim().min(1),
  sourceKey: z.string().trim().min(1).max(200),
  targetKey: z.string().trim().min(1).max(200),
});

export async function saveMapping(rt: Runtime, user: ConsoleUser, m: z.output<typeof MappingInput>): Promise<void> {
  const { before } = await upsertMapping(rt.store, m);
  rt.engine.mappings.invalidate();
  await appendAudit(rt.store, {
    ...actorOf(user),
    action: before === null ? "mapping.created" : "mapping.updated",
    subject: `mapping:${m.connector}:${m.kind}:${m.sourceKey}`,
    before: before === null ? null : { targetKey: before },
    after: { targetKey: m.targetKey },
  });
}

export async function removeMapping(rt: Runtime, user: ConsoleUser, id: number): Promise<boolean> {
  const row = await deleteMapping(rt.store, id);
  if (!row) return false;
  rt.engine.mappings.invalidate();
  await appendAudit(rt.store, { ...actorOf(user), action: "mapping.deleted", subject: `mapping:${row.connector}:${row.kind}:${row.sourceKey}`, before: { targetKey: row.targetKey } });
  return true;
}

export async function saveRule(rt: Runtime, user: ConsoleUser, rule: RoutingRule): Promise<void> {
  const before = await getRoutingRule(rt.store, rule.id);
  await saveRoutingRule(rt.store, rule);
  await appendAudit(rt.store, { ...actorOf(user), action: before ? "routing_rule.updated" : "routing_rule.created", subject: `routing_rule:${rule.id}`, before: before ?? null, after: rule });
  await rt.rules.reload();
}

export async function removeRule(rt: Runtime, user: ConsoleUser, id: string): Promise<boolean> {
  const row = await deleteRoutingRule(rt.store, id);
  if (!row) return false;
  await appendAudit(rt.store, { ...actorOf(user), action: "routing_rule.deleted", subject: `routing_rule:${id}`, before: row });
  await rt.rules.reload();
  return true;
}

/** What a rule would have done to recent events: a check before saving, nothing is routed. */
export async function checkRule(rt: Runtime, rule: RoutingRule, sample = 300): Promise<{ checked: number; matched: number; byType: Record<string, number>; destinations: Record<string, number> }> {
  const events = await recentEventPayloads(rt.store, sample);
  const byType: Record<string, number> = {};
  const destinations: Record<string, number> = {};
  let matched = 0;
  for (const e of events) {
    const targets = routeEvent([{ ...rule, enabled: true }], { type: e.type as never, sourceConnector: e.sourceConnector, data: e.payload });
    if (targets.length === 0) continue;
    matched++;
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    for (const t of targets) destinations[`${t.connector}.${t.action}`] = (destinations[`${t.connector}.${t.action}`] ?? 0) + 1;
  }
  return { checked: events.length, matched, byType, destinations };
}

export { RoutingRule };
