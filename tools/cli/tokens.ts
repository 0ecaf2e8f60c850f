/**
 * npm run tokens -- create --name NAME --scopes read,propose   prints the token once
 * npm run tokens -- list
 * npm run tokens -- revoke <id>
 * Uses the configured database (DATABASE_URL, or the embedded PGlite under LOOPKEEPER_DATA_DIR:
 * stop the app first, an embedded database has one process at a time).
 */
import { parseArgs } from "node:util";
import { config } from "../../pipeline/config";
import { openStore } from "../../pipeline/db/client";
import { createMcpToken, listMcpTokens, parseScopes, revokeMcpToken } from "../../pipeline/mcp-tokens";

const USAGE = "usage: npm run tokens -- create --name NAME --scopes read[,propose][,approve] | list | revoke TOKEN_ID";

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: "string" }, scopes: { type: "string", default: "read" }, by: { type: "string" } } });
  const [command, arg] = positionals;
  if (!command || !["create", "list", "revoke"].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const store = await openStore(config().database);
  try {
    if (command === "create") {
      if (!values.name) throw new Error(`--name is required\n${USAGE}`);
      const t = await createMcpToken(store, { name: values.name, scopes: parseScopes(values.scopes!), createdBy: values.by });
      process.stdout.write(`created token ${t.id} (${values.name}) with scopes ${t.scopes.join(",")}\n\n  ${t.token}\n\nIt is shown only now; it is stored as a SHA-256 hash. Use it as LOOPKEEPER_MCP_TOKEN (npm run mcp) or as "Authorization: Bearer …" for POST /api/mcp.\n`);
    } else if (command === "list") {
      const rows = await listMcpTokens(store);
      if (rows.length === 0) process.stdout.write("no tokens\n");
      for (const t of rows) process.stdout.write(`${t.id}  ${t.name.padEnd(24)} ${t.scopes.join(",").padEnd(20)} created ${t.createdAt}  last used ${t.lastUsedAt ?? "never"}${t.revokedAt ? `  REVOKED ${t.revokedAt}` : ""}\n`);
    } else {
      if (!arg) throw new Error(`give the token id to revoke\n${USAGE}`);
      const ok = await revokeMcpToken(store, arg, values.by);
      process.stdout.write(ok ? `revoked ${arg}\n` : `no live token ${arg}\n`);
      if (!ok) return 1;
    }
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);
