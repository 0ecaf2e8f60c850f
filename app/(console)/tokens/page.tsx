import { Badge, Empty, PageHead, When } from "@/app/components/ui";
import { can, requireUser } from "@/app/lib/session";
import { listMcpTokens } from "@/pipeline/mcp-tokens";
import { getRuntime } from "@/pipeline/runtime";
import { CreateTokenForm, RevokeTokenButton } from "./token-controls";

export const metadata = { title: "MCP tokens" };

const SCOPE_HELP: Record<string, string> = {
  read: "every read tool",
  propose: "propose fixes and apply approved ones",
  approve: "approve or reject proposals: give it only to a person's client",
};

export default async function TokensPage() {
  const user = await requireUser();
  const rt = await getRuntime();
  const tokens = await listMcpTokens(rt.store);
  const isAdmin = can(user, "admin");
  return (
    <>
      <PageHead
        title="MCP tokens"
        description={
          <>
            Bearer tokens for MCP clients (Claude Desktop, IDEs, scripts) calling <span className="mono">/api/mcp</span>. Only a hash is stored: a token is shown once, when created.
          </>
        }
      />
      {isAdmin ? <CreateTokenForm scopeHelp={SCOPE_HELP} /> : <p className="notice info" style={{ marginBottom: 14 }}>Creating and revoking tokens needs the admin role.</p>}
      <section className="panel" aria-label="Tokens" style={{ marginTop: 14 }}>
        {tokens.length === 0 ? (
          <Empty title="No tokens yet" />
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Name</th>
                <th>Scopes</th>
                <th>Created</th>
                <th>Last used</th>
                <th>State</th>
                {isAdmin ? <th aria-label="Actions" /> : null}
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>
                    <span className="title">{t.name}</span>
                    <div className="sub mono">{t.id}</div>
                  </td>
                  <td>
                    {t.scopes.map((s) => (
                      <Badge key={s} tone={s === "approve" ? "warn" : s === "propose" ? "info" : "neutral"}>
                        {s}
                      </Badge>
                    ))}
                  </td>
                  <td>
                    <When at={t.createdAt} />
                    <div className="sub">{t.createdBy ?? "cli"}</div>
                  </td>
                  <td>
                    <When at={t.lastUsedAt} />
                  </td>
                  <td>{t.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="ok">active</Badge>}</td>
                  {isAdmin ? <td style={{ textAlign: "right" }}>{t.revokedAt ? null : <RevokeTokenButton id={t.id} name={t.name} />}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
