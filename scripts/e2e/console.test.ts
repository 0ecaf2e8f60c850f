/**
 * The console in a real browser (headless Debian chromium via playwright-core) against a real
 * server (`next build` + `next start`, fresh PGlite data directory, embedded queue) and the
 * sandbox world (Shopify, NetSuite, ShipStation, QuickBooks on local ports), as `npm start` runs it.
 *
 * One story, in order: sign in as the first admin printed at set-up → create a viewer, an approver
 * and an MCP token → an MCP client proposes a fix for the injected failure (SKU ZZ-99 has no
 * NetSuite item) → every page is visited and screenshotted → a viewer cannot approve (no button,
 * forged POST refused) → the inbox updates live over SSE → the approver approves and the order's
 * trace turns green without a reload → the failure is injected again (mapping removed, new ZZ-99
 * order), the approver asks the agent in chat why the order failed (no model: the deterministic
 * fallback), gives it the item the fix needs, a viewer sees the proposal card without buttons, and
 * the approver approves it on the card and watches the trace turn green.
 *
 * Screenshots: test-results/screenshots/<page>.png. Set E2E_KEEP=1 to keep the data directory.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxWorld, type SandboxWorld } from "../../connectors/sandbox-world/world";
import { sandboxWorldPath } from "../../pipeline/sandbox-world-config";
import { apiSession, buildConsole, freePort, launchBrowser, screenshot, signIn, signOut, startConsole, waitFor, type Browser, type RunningConsole } from "./harness";
import { seedReconFixture } from "./recon-fixture";

const ADDRESS = { name: "Ada Park", address1: "12 Main St", city: "Denver", province: "CO", zip: "80202", country: "US" };

interface Story {
  admin: { email: string; password: string };
  viewer: { email: string; password: string };
  approver: { email: string; password: string };
  mcpToken: string;
  adminCookie: string;
  okOrder: string;
  brokenOrder: string;
  failureKey: string;
  remediationId: string;
}

describe("operations console in a browser", () => {
  let dataDir = "";
  let world: SandboxWorld | undefined;
  let server: RunningConsole | undefined;
  let browser: Browser | undefined;
  const story: Partial<Story> = {};
  const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);
  let page: Page;
  let url = "";

  /** The order's loop state as its trace page reports it: done, parked or open. */
  async function orderState(orderNumber: string): Promise<string | undefined> {
    const res = await fetch(`${url}/orders/${encodeURIComponent(orderNumber)}`, { headers: { cookie: story.adminCookie! } });
    if (!res.ok) return undefined;
    return /data-testid="order-state" data-state="(\w+)"/.exec(await res.text())?.[1];
  }

  beforeAll(async () => {
    const t0 = Date.now();
    const build = buildConsole(log);
    log(build.built ? `built in ${Math.round(build.ms / 1000)} s` : "build is up to date");
    dataDir = mkdtempSync(join(tmpdir(), "lk-e2e-data-"));
    await seedReconFixture(dataDir);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    world = await startSandboxWorld({ appUrl: url, autoShipAfterMs: 1_000 });
    // What `npm start` hands the console: the sandboxes' connections, routes and mappings, read at boot.
    writeFileSync(sandboxWorldPath(dataDir), JSON.stringify(world.config), { mode: 0o600 });
    server = await startConsole({ port, dataDir });
    story.admin = server.firstAdmin();
    story.adminCookie = await apiSession(url, story.admin.email, story.admin.password);
    browser = await launchBrowser();
    page = browser.page;

    const ok = await world.shopify.placeOrder({ lines: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }], email: "ada.park@example.com", shippingAddress: ADDRESS, shippingMinor: 695 });
    for (const lines of [[{ sku: "HL-03", quantity: 1 }], [{ sku: "TR-20", quantity: 1 }, { sku: "FK-02", quantity: 1 }], [{ sku: "AB-12", quantity: 3 }]]) {
      await world.shopify.placeOrder({ lines, email: "ben.ortiz@example.com", shippingAddress: { ...ADDRESS, name: "Ben Ortiz" }, shippingMinor: 0 });
    }
    const broken = await world.shopify.placeOrder({ lines: [{ sku: "ZZ-99", quantity: 1 }, { sku: "AB-12", quantity: 1 }], email: "chloe.nguyen@example.com", shippingAddress: { ...ADDRESS, name: "Chloe Nguyen" }, shippingMinor: 0 });
    story.okOrder = ok.name;
    story.brokenOrder = broken.name;
    await waitFor(async () => ((await orderState(broken.name)) === "parked" ? true : undefined), { timeoutMs: 45_000, what: `order ${broken.name} to stop at NetSuite` });
    await waitFor(async () => ((await orderState(ok.name)) === "done" ? true : undefined), { timeoutMs: 60_000, what: `order ${ok.name} to complete in every system` });
    log(`ready in ${Math.round((Date.now() - t0) / 1000)} s`);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await world?.close();
    if (dataDir && process.env.E2E_KEEP !== "1") rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("prints the first admin's credentials once, and they sign in", async () => {
    const out = server!.stdout();
    expect(out.match(/first administrator created/g)).toHaveLength(1);
    expect(out.match(/password:/g)).toHaveLength(1);
    // Printed to stdout only: never into the structured log.
    expect(server!.stderr()).not.toContain(story.admin!.password);
    await page.goto(`${url}/`);
    await page.waitForURL(/\/sign-in$/);
    await screenshot(page, "00-sign-in");
    await signIn(page, url, story.admin!.email, story.admin!.password);
    await expect(page.getByTestId("current-role").textContent()).resolves.toBe("admin");
  });

  it("an admin creates a viewer and an approver; each password is shown once", async () => {
    const create = async (email: string, role: string) => {
      await page.goto(`${url}/users`);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Role", { exact: true }).selectOption(role);
      await page.getByRole("button", { name: "Add user" }).click();
      const password = (await page.getByTestId("new-user-password").textContent())?.trim() ?? "";
      expect(password.length).toBeGreaterThanOrEqual(20);
      return password;
    };
    story.viewer = { email: "vera.viewer@example.com", password: await create("vera.viewer@example.com", "viewer") };
    story.approver = { email: "april.approver@example.com", password: await create("april.approver@example.com", "approver") };
    await page.reload();
    await expect(page.getByText("april.approver@example.com")).toBeDefined();
    expect(await page.content()).not.toContain(story.approver.password);
    await screenshot(page, "19-users");
  });

  it("an admin creates an MCP token that is shown once", async () => {
    await page.goto(`${url}/tokens`);
    await page.getByLabel("Name").fill("e2e MCP client");
    await page.getByRole("checkbox", { name: "propose" }).check();
    await page.getByRole("button", { name: "Create token" }).click();
    story.mcpToken = (await page.getByTestId("new-token").textContent())?.trim();
    expect(story.mcpToken).toMatch(/^lkmcp_/);
    await screenshot(page, "18-tokens-created");
    await page.reload();
    expect(await page.content()).not.toContain(story.mcpToken);
  });

  it("an MCP client explains the injected failure and proposes a fix; nothing changes yet", async () => {
    await page.goto(`${url}/failures`);
    const row = page.locator("tr[data-failure-key]", { hasText: "ZZ-99" }).first();
    story.failureKey = (await row.getAttribute("data-failure-key")) ?? undefined;
    expect(story.failureKey).toBeTruthy();
    const client = new Client({ name: "loopkeeper-e2e", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/api/mcp`), { requestInit: { headers: { authorization: `Bearer ${story.mcpToken}` } } }));
    try {
      const diagnosis = (await client.callTool({ name: "explain_failure", arguments: { failureKey: story.failureKey } })).structuredContent as { rootCause: string; evidence: { kind: string; id: string }[] };
      expect(diagnosis.rootCause).toBeTruthy();
      // The human's knowledge the playbook asks for: which NetSuite item the channel's ZZ-99 is.
      const itemId = world!.netsuite.ids.items["FK-02"]!;
      const proposed = await client.callTool({
        name: "propose_remediation",
        arguments: {
          kind: "update_mapping",
          params: { connector: "netsuite", mappingKind: "netsuite_item", mappings: [{ sourceKey: "ZZ-99", targetKey: itemId }], failureKey: story.failureKey, replay: true },
          rationale: "NetSuite sells the channel's Limited Edition Flask (ZZ-99) under an existing item; mapping it lets the stopped sales order through.",
          evidence: diagnosis.evidence.map((e) => ({ kind: e.kind, id: e.id })),
        },
      });
      expect(proposed.isError).not.toBe(true);
      const remediation = (proposed.structuredContent as { remediation: { id: string; status: string } }).remediation;
      expect(remediation.status).toBe("proposed");
      story.remediationId = remediation.id;
    } finally {
      await client.close();
    }
    expect(await orderState(story.brokenOrder!)).toBe("parked");
  });

  it("renders every page, and each screenshot is saved", async () => {
    const visit = async (name: string, path: string, heading?: string | RegExp) => {
      await page.goto(`${url}${path}`);
      const h1 = page.locator("main h1").first();
      await h1.waitFor();
      if (heading) expect(await h1.textContent()).toMatch(heading);
      expect(await page.locator("body").innerText()).not.toMatch(/Application error|Internal Server Error|This page could not be found/);
      await screenshot(page, name);
    };
    await visit("01-overview", "/", "The loop");
    expect(await page.locator(".stage").count()).toBe(4);
    await visit("02-failures", "/failures", "Failures");
    await visit("03-failure-group", `/failures/${encodeURIComponent(story.failureKey!)}`, /ZZ-99/);
    await visit("04-orders", "/orders", "Orders");
    await visit("05-order-trace-stopped", `/orders/${encodeURIComponent(story.brokenOrder!)}`, new RegExp(story.brokenOrder!));
    await visit("06-order-trace-complete", `/orders/${encodeURIComponent(story.okOrder!)}`, new RegExp(story.okOrder!));
    expect(await page.getByTestId("order-state").getAttribute("data-state")).toBe("done");
    await visit("07-events", "/events", "Events");
    await page.locator("table.data tbody tr a.title").first().click();
    await page.waitForURL(/\/events\/evt_/);
    await page.locator("main h1").first().waitFor();
    await screenshot(page, "08-event-detail");
    await visit("09-reconciliation", "/reconciliation?domain=accounting", "Reconciliation");
    await visit("09b-reconciliation-inventory", "/reconciliation?domain=inventory", "Reconciliation");
    // A real run against the sandboxes, on top of the fixture's history.
    await page.getByRole("button", { name: "Run inventory now" }).click();
    await page.locator("[role=status]", { hasText: /compared/ }).waitFor({ timeout: 30_000 });
    await screenshot(page, "09c-reconciliation-after-run");
    await visit("10-usage", "/usage", "Usage");
    await visit("11-approvals", "/approvals", "Approvals");
    await page.locator(`[data-remediation-id="${story.remediationId}"]`).waitFor();
    await visit("12-health", "/health", "Connector health");
    await visit("13-connections", "/connections", "Connections");
    await visit("14-connection-netsuite", "/connections/netsuite", /NetSuite/);
    // The generated credentials form: secrets are write-only (empty password inputs), the rest shows what is stored.
    const secretInputs = page.locator('[data-testid="credential-fields"] input[type="password"]');
    expect(await secretInputs.count()).toBeGreaterThan(0);
    for (const value of await secretInputs.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))) expect(value).toBe("");
    const html = await page.content();
    for (const secret of Object.values(world!.config.instances.find((i) => i.id === "netsuite")!.credentials)) {
      if (typeof secret === "string" && secret.length > 12) expect(html).not.toContain(secret);
    }
    await visit("15-connection-new", "/connections/new", "Add connection");
    await visit("15b-connection-new-shopify", "/connections/new?type=shopify", /Shopify/);
    await visit("16-routing", "/routing", "Routing rules");
    await page.getByRole("button", { name: "Edit" }).first().click();
    await page.getByRole("region", { name: "Rule editor" }).waitFor();
    await screenshot(page, "16b-routing-editor");
    await visit("17-mappings", "/mappings", "Mappings");
    await visit("20-audit", "/audit", "Audit log");
    await page.getByRole("button", { name: "Verify chain" }).click();
    await expect(page.getByTestId("chain-result").textContent()).resolves.toMatch(/Chain intact/);
    await screenshot(page, "20b-audit-verified");
    await visit("21-chat", "/chat", "Ask the agent");
    expect(browser!.problems).toEqual([]);
  }, 120_000);

  it("a viewer cannot approve: the button is absent and a forged POST is refused", async () => {
    await signOut(page);
    await signIn(page, url, story.viewer!.email, story.viewer!.password);
    await page.goto(`${url}/approvals`);
    const card = page.locator(`[data-remediation-id="${story.remediationId}"]`);
    await card.waitFor();
    expect(await page.getByRole("button", { name: /Approve/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /Reject/ }).count()).toBe(0);
    await page.getByTestId("approver-only-note").waitFor();
    await screenshot(page, "11b-approvals-as-viewer");
    // Forged from the viewer's own signed-in page: same origin, valid session, wrong role.
    const forged = await page.evaluate(async (id) => {
      const res = await fetch(`/api/console/remediations/${id}/approve`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      return { status: res.status, body: await res.json() };
    }, story.remediationId!);
    expect(forged.status).toBe(403);
    expect(forged.body.error).toBe("forbidden");
    const viewerCookie = await apiSession(url, story.viewer!.email, story.viewer!.password);
    const crossSite = await fetch(`${url}/api/console/remediations/${story.remediationId}/approve`, { method: "POST", headers: { cookie: viewerCookie, origin: "https://evil.example", "content-type": "application/json" }, body: "{}" });
    expect(crossSite.status).toBe(403);
    const anonymous = await fetch(`${url}/api/console/remediations/${story.remediationId}/approve`, { method: "POST", headers: { origin: url, "content-type": "application/json" }, body: "{}" });
    expect(anonymous.status).toBe(401);
    await page.reload();
    await expect(card.locator(".badge", { hasText: "proposed" }).count()).resolves.toBeGreaterThan(0);
  });

  it("the failures inbox updates live over SSE, without a reload", async () => {
    await page.goto(`${url}/failures`);
    await page.locator(".live[data-state='open']").waitFor();
    const rows = page.locator("tr[data-failure-key]");
    const before = await rows.count();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    // A new root cause appears in the books: QuickBooks refuses any receipt with SB-40.
    world!.quickbooks.faults.set({ rejectRecords: { "SB-40": { field: "ItemRef", message: "Item SB-40 (Stuff Sack 40L) is inactive" } } });
    await world!.shopify.placeOrder({ lines: [{ sku: "SB-40", quantity: 1 }], email: "dev.patel@example.com", shippingAddress: { ...ADDRESS, name: "Dev Patel" }, shippingMinor: 0 });
    await waitFor(async () => ((await rows.count()) > before ? true : undefined), { timeoutMs: 45_000, what: "a new failure group to appear in the open inbox" });
    expect(await page.locator("tr[data-failure-key*='quickbooks']").count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(Number(await page.evaluate(() => document.documentElement.dataset.liveRefreshes ?? "0"))).toBeGreaterThan(0);
    await screenshot(page, "02b-failures-live-update");
  }, 90_000);

  it("an approver approves the proposed fix and the order's trace turns green without a reload", async () => {
    await signOut(page);
    await signIn(page, url, story.approver!.email, story.approver!.password);
    await page.goto(`${url}/approvals`);
    const card = page.locator(`[data-remediation-id="${story.remediationId}"]`);
    await expect(card.getByTestId("dry-run-summary").textContent()).resolves.toMatch(/would now pass/);
    await screenshot(page, "11c-approvals-as-approver");
    await card.getByRole("button", { name: /Approve and apply/ }).click();
    await page.locator(`[data-remediation-id="${story.remediationId}"]`).waitFor({ state: "detached", timeout: 30_000 });
    await page.goto(`${url}/orders/${encodeURIComponent(story.brokenOrder!)}`);
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    // Green means every delivery of every event of the order, including the shipment the 3PL reports after the fix.
    await page.waitForFunction(() => document.querySelector('[data-testid="order-state"]')?.getAttribute("data-state") === "done" && document.body.innerText.includes("shipment.created"), undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, "05b-order-trace-green");
    await page.goto(`${url}/audit?subject=remediation:`);
    await expect(page.locator("td.mono", { hasText: "remediation.approved" }).count()).resolves.toBeGreaterThan(0);
  }, 120_000);

  it("asks in chat why an injected failure happened, approves the proposed fix on its card, and sees the trace turn green", async () => {
    // The failure again, for a fresh order: the ZZ-99 mapping the fix above wrote is removed (a catalogue
    // clean-up gone wrong), so the next ZZ-99 order stops at NetSuite for the same reason.
    await page.goto(`${url}/mappings`);
    await page.getByRole("button", { name: "Delete mapping ZZ-99" }).click();
    await page.getByRole("button", { name: "Delete mapping ZZ-99" }).waitFor({ state: "detached" });
    const order = (await world!.shopify.placeOrder({ lines: [{ sku: "ZZ-99", quantity: 1 }], email: "eli.moss@example.com", shippingAddress: { ...ADDRESS, name: "Eli Moss" }, shippingMinor: 0 })).name;
    await waitFor(async () => ((await orderState(order)) === "parked" ? true : undefined), { timeoutMs: 45_000, what: `order ${order} to stop at NetSuite` });

    const input = page.getByLabel("Your question");
    const answers = page.getByTestId("answer");
    const ask = async (question: string, nth: number) => {
      await input.fill(question);
      await input.press("Enter");
      await waitFor(async () => ((await answers.count()) >= nth && (await answers.nth(nth - 1).getAttribute("data-status")) === "done" ? true : undefined), { timeoutMs: 60_000, what: `answer ${nth} to "${question}"` });
      return answers.nth(nth - 1);
    };

    await page.goto(`${url}/chat`);
    await input.waitFor();
    // Shift+Enter is a new line, not a question.
    await input.fill("draft");
    await input.press("Shift+Enter");
    expect(await input.inputValue()).toBe("draft\n");
    expect(await answers.count()).toBe(0);
    await input.fill(`why did order ${order} fail?`);
    await screenshot(page, "22-chat-question");

    const why = await ask(`why did order ${order} fail?`, 1);
    // Focus stays where the next question goes.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("chat-input");
    expect(await input.inputValue()).toBe("");
    expect(page.url()).toMatch(/\/chat\?c=cnv_/);
    await expect(why.getByTestId("no-model-notice").textContent()).resolves.toMatch(/No model configured/);
    const text = (await why.locator(".md").innerText()).trim();
    expect(text).toMatch(new RegExp(`^Order ${order} failed at netsuite`));
    expect(text).toContain("SKU ZZ-99 missing in netsuite");
    expect(text).toContain('map SKU ZZ-99 to netsuite item <item id>');
    expect(await why.getByRole("link", { name: order, exact: true }).first().getAttribute("href")).toBe(`/orders/${encodeURIComponent(order)}`);
    expect(await why.locator('a[data-cite-kind="event"]').first().getAttribute("href")).toMatch(/^\/events\/evt_/);
    expect(await why.locator('a[data-cite-kind="connector"]', { hasText: /^netsuite$/i }).first().getAttribute("href")).toBe("/connections/netsuite");
    expect(await why.locator("[data-unresolved]").count()).toBe(0);
    // The steps it took, in the side panel, each opened to its arguments and result.
    const steps = page.locator("#chat-steps li.step");
    expect(await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute("data-tool")}:${e.getAttribute("data-state")}`))).toEqual(["search_events:ok", "explain_failure:ok"]);
    for (const summary of await page.locator("#chat-steps li.step summary").all()) await summary.click();
    await expect(page.locator("#chat-steps li.step[data-tool='explain_failure'] .step-body").innerText()).resolves.toMatch(/eventId[\s\S]*unknown_sku_mapping/);
    await screenshot(page, "23-chat-answer-steps");

    // The diagnosis asks for what only a person knows: which NetSuite item the channel's ZZ-99 is.
    const itemId = world!.netsuite.ids.items["FK-02"]!;
    const fix = await ask(`map SKU ZZ-99 to netsuite item ${itemId}`, 2);
    const card = fix.locator("[data-remediation-id]");
    await expect(card.getAttribute("data-status")).resolves.toBe("proposed");
    await expect(card.getByTestId("dry-run-summary").textContent()).resolves.toBe("1 of 1 would now pass");
    const remediationId = (await card.getAttribute("data-remediation-id"))!;
    expect(remediationId).toMatch(/^rem_/);
    expect(await card.getByRole("button", { name: /Approve and apply/ }).count()).toBe(1);
    await screenshot(page, "24-chat-proposal");
    expect(await orderState(order)).toBe("parked");

    // A viewer asking the same sees the waiting proposal, without the buttons.
    await signOut(page);
    await signIn(page, url, story.viewer!.email, story.viewer!.password);
    await page.goto(`${url}/chat`);
    const seen = await ask(`map SKU ZZ-99 to netsuite item ${itemId}`, 1);
    const viewerCard = seen.locator(`[data-remediation-id="${remediationId}"]`);
    await viewerCard.getByTestId("card-approver-note").waitFor();
    expect(await viewerCard.getByRole("button").count()).toBe(0);
    await screenshot(page, "24b-chat-proposal-as-viewer");

    // Back as the approver: the conversation comes back from the server, and the card is approved right there.
    await signOut(page);
    await signIn(page, url, story.approver!.email, story.approver!.password);
    await page.goto(`${url}/chat`);
    await waitFor(async () => ((await answers.count()) === 2 ? true : undefined), { timeoutMs: 15_000, what: "the approver's conversation to load again" });
    const restored = answers.nth(1).locator(`[data-remediation-id="${remediationId}"]`);
    await restored.getByRole("button", { name: /Approve and apply/ }).click();
    await expect(restored.getByTestId("card-outcome").textContent()).resolves.toMatch(/^Applied: \d+ delivered, 0 stopped again, \d+ still running \(1 delivery replayed\)\.$/);
    expect(await restored.getAttribute("data-status")).toBe("applied");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("card-outcome");
    await screenshot(page, "25-chat-approved");

    // The order link in the explanation opens the trace, which turns green by itself.
    await answers.first().getByRole("link", { name: order, exact: true }).first().click();
    await page.waitForURL(`${url}/orders/${encodeURIComponent(order)}`);
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await page.waitForFunction(() => document.querySelector('[data-testid="order-state"]')?.getAttribute("data-state") === "done" && document.body.innerText.includes("shipment.created"), undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, "26-chat-order-trace-green");
    await page.goto(`${url}/audit?subject=${encodeURIComponent(`remediation:${remediationId}`)}`);
    await expect(page.locator("td.mono", { hasText: "remediation.approved" }).count()).resolves.toBeGreaterThan(0);
    // Read back later, the card says what the click said: the outcome and the deliveries it replayed.
    await page.goto(`${url}/chat`);
    await waitFor(async () => ((await answers.count()) === 2 ? true : undefined), { timeoutMs: 15_000, what: "the approver's conversation to load again" });
    const later = answers.nth(1).locator(`[data-remediation-id="${remediationId}"]`);
    expect(await later.getAttribute("data-status")).toBe("applied");
    expect(await later.getByTestId("card-outcome").textContent()).toMatch(/^Applied: \d+ delivered, 0 stopped again, \d+ still running \(1 delivery replayed\)\.$/);
    expect(browser!.problems).toEqual([]);
  }, 240_000);
});
