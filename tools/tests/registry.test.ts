import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonSchemaOf, toOpenAiTools } from "../openai-adapter";
import { TOOLS } from "../registry";

const TOOLS_DIR = join(process.cwd(), "tools");
const REQUIRED = [
  "search_events", "get_event", "get_order_trace", "list_failures", "explain_failure", "get_reconciliation_report", "get_connector_health",
  "preview_replay", "propose_remediation", "apply_remediation", "approve_remediation", "reject_remediation", "get_audit_log", "verify_audit_chain",
];
/** Calls that change state outside the approvals module: no tool file may make them itself. */
const MUTATIONS = /\b(replayParked|resumeConnector|stopConnector|enqueueDeliveries|releaseParked|supersedeParked|upsertMappings|insertCapturedEvents|applyRemediation|decideRemediationRow|claimApprovedRemediation|insertRemediation|appendAudit)\s*\(|engine\.capture\(|\bdb\s*\.\s*(insert|update|delete)\(|\bexecute\(|sql`\s*(insert|update|delete)/;

const fileOf = (name: string) => join(TOOLS_DIR, `${name.replace(/_/g, "-")}.ts`);

describe("tool registry", () => {
  it("has every tool the issue names, once, with snake_case names in kebab-case files", () => {
    const names = TOOLS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
    for (const t of TOOLS) {
      expect(t.name).toMatch(/^[a-z]+(_[a-z]+)+$/);
      expect(() => readFileSync(fileOf(t.name), "utf8"), `${t.name} lives in ${fileOf(t.name)}`).not.toThrow();
    }
  });

  it("registers every tool file (a tool written but not listed fails here)", () => {
    const files = readdirSync(TOOLS_DIR).filter((f) => f.endsWith(".ts") && readFileSync(join(TOOLS_DIR, f), "utf8").includes("export default defineTool("));
    expect(files.sort()).toEqual(TOOLS.map((t) => `${t.name.replace(/_/g, "-")}.ts`).sort());
  });

  it("states all four annotations explicitly on every tool", () => {
    for (const t of TOOLS) {
      for (const k of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof t.annotations[k], `${t.name}.${k}`).toBe("boolean");
      }
      // The literal must be in the source too: a default filled in elsewhere would not count.
      const src = readFileSync(fileOf(t.name), "utf8");
      expect(src, t.name).toMatch(/annotations:\s*\{\s*readOnlyHint:\s*(true|false),\s*destructiveHint:\s*(true|false),\s*idempotentHint:\s*(true|false),\s*openWorldHint:\s*(true|false)\s*\}/);
    }
  });

  it("describes each tool for a model and converts its schemas to JSON Schema", () => {
    for (const t of TOOLS) {
      expect(t.description.length, t.name).toBeGreaterThan(120);
      expect(t.input).toBeInstanceOf(z.ZodObject);
      expect(t.output).toBeInstanceOf(z.ZodObject);
      expect(jsonSchemaOf(t.input)).toMatchObject({ type: "object" });
      expect(z.toJSONSchema(t.output, { io: "output", unrepresentable: "any" })).toMatchObject({ type: "object" });
    }
    const openai = toOpenAiTools();
    expect(openai).toHaveLength(TOOLS.length);
    expect(openai[0]).toMatchObject({ type: "function", function: { name: expect.any(String), parameters: { type: "object" } } });
  });

  it("only offers the agent the tools its scopes allow", () => {
    const names = (scopes: ("read" | "propose" | "approve")[]) => toOpenAiTools({ actor: { type: "agent", id: "agent", scopes } }).map((t) => t.function.name);
    expect(names(["read"])).not.toContain("propose_remediation");
    expect(names(["read", "propose"])).toEqual(expect.arrayContaining(["propose_remediation", "apply_remediation"]));
    expect(names(["read", "propose"])).not.toContain("approve_remediation");
  });

  it("puts every write tool behind the approval gate: declared, scoped, and importing pipeline/approvals", () => {
    for (const t of TOOLS) {
      const src = readFileSync(fileOf(t.name), "utf8");
      if (t.annotations.readOnlyHint) {
        expect(t.annotations.destructiveHint, t.name).toBe(false);
        expect(t.approvalGate, t.name).toBeUndefined();
        expect(t.requiredScope, t.name).toBe("read");
        expect(src, `${t.name} is read-only but imports the approvals write path`).not.toMatch(/\b(proposeRemediation|approveRemediation|rejectRemediation|applyApprovedRemediation)\b/);
      } else {
        expect(["propose", "decide", "apply"], t.name).toContain(t.approvalGate);
        expect(t.requiredScope, t.name).not.toBe("read");
        expect(src, `${t.name} must reach state only through pipeline/approvals`).toMatch(/from "\.\.\/pipeline\/approvals"/);
      }
      expect(src, `${t.name} changes state directly instead of through the approvals module`).not.toMatch(MUTATIONS);
    }
  });

  it("the bypass scan would catch a tool that replays, resumes or writes directly", () => {
    for (const bypass of ["await rt.engine.replayParked(ids, by);", "await ctx.rt.engine.resumeConnector(\"erp\")", "await rt.store.db.update(remediations).set({ status: \"approved\" })", "await rt.store.rows(sql`update remediations set status = 'approved'`)", "await applyRemediation(rt, actor, id)"]) {
      expect(bypass).toMatch(MUTATIONS);
    }
  });

  it("marks apply as the one destructive tool and decisions as approve-scoped", () => {
    const byName = Object.fromEntries(TOOLS.map((t) => [t.name, t]));
    expect(TOOLS.filter((t) => t.annotations.destructiveHint).map((t) => t.name)).toEqual(["apply_remediation"]);
    expect(byName.approve_remediation!.requiredScope).toBe("approve");
    expect(byName.reject_remediation!.requiredScope).toBe("approve");
    expect(byName.apply_remediation!.approvalGate).toBe("apply");
  });
});
