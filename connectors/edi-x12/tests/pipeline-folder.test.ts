import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../../pipeline/config";
import { saveConnectorInstance } from "../../../pipeline/connector-instances";
import { loadLatestOrder } from "../../../pipeline/db/queries/order-queries";
import { InProcessTransport } from "../../../pipeline/queue/in-process";
import { Runtime } from "../../../pipeline/runtime";
import { openPgliteTestStore, type TestStore } from "../../../pipeline/testing/backends";
import { waitFor } from "../../../pipeline/testing/engine-backends";
import { InMemoryControlNumbers } from "../control-numbers";
import { read997 } from "../generate-997";
import { readTa1 } from "../generate-ta1";
import { parseInterchange, segmentsOf } from "../parse-interchange";
import { baseUrlOf, TradingPartner } from "../partner-config";
import { build850 } from "../sandbox/build-850";
import { SANDBOX_PARTNER } from "../sandbox/server";
import { writeFileAtomic } from "../watch-folder";
import { inboundParties } from "../write-envelope";

/**
 * A partner on a mailbox (SFTP/VAN) instead of HTTP: the worker watches the connection's inbound
 * folder, every file goes through parse → capture → acknowledge like a webhook, and the 997/TA1
 * land in the outbound folder, numbered from the connection's database sequences.
 */
describe("EDI folder transport through the pipeline", () => {
  let store: TestStore;
  let rt: Runtime;
  const root = mkdtempSync(join(tmpdir(), "lk-edi-folder-"));
  const inbox = join(root, "from-partner");
  const outbox = join(root, "to-partner");
  const partner = TradingPartner.parse({ ...SANDBOX_PARTNER, transport: { kind: "folder", inbound: inbox, outbound: outbox } });
  const theirNumbers = new InMemoryControlNumbers(500);

  beforeAll(async () => {
    store = await openPgliteTestStore();
    rt = await Runtime.open({ config: loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-edi-folder-data-")), LOG_LEVEL: "warn" }), store, transport: new InProcessTransport() });
    await saveConnectorInstance(store, rt.config.secretKey, { id: "edi-mailbox", connectorType: "edi-x12", baseUrl: baseUrlOf(partner), credentials: { sharedSecret: "mailbox-shared-secret-0000", partner } });
    await rt.reload();
    await rt.startWorkers();
  });
  afterAll(async () => {
    await rt?.halt();
    await store?.dispose();
  });

  const drop = async (poNumber: string, fault?: "broken_envelope") => {
    const built = await build850({ poNumber, lines: [{ sku: "AB-12", quantity: 24, unitPrice: "24.00" }] }, { parties: inboundParties(partner), controlNumbers: theirNumbers, now: new Date(), fault });
    await writeFileAtomic(inbox, `${poNumber}.x12`, built.text);
    return built;
  };
  const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  const answers = () => filesIn(outbox).filter((f) => f.endsWith(".x12")).sort().map((f) => parseInterchange(readFileSync(join(outbox, f), "utf8")));

  it("captures an 850 dropped in the mailbox and writes the 997 back; a broken one is set aside with a TA1", async () => {
    const good = await drop("PO-F1");
    const bad = await drop("PO-F2", "broken_envelope");
    await waitFor(() => filesIn(join(inbox, "processed")).includes("PO-F1.x12") && filesIn(join(inbox, "rejected")).includes("PO-F2.x12"), { timeoutMs: 20_000, what: "both files handled" });

    const order = await loadLatestOrder(store, `edi:${partner.id}:PO-F1`);
    expect(order).toMatchObject({ orderNumber: "PO-F1", purchaseOrder: { poNumber: "PO-F1" }, lines: [expect.objectContaining({ sku: "AB-12", quantity: 24 })] });
    expect(readFileSync(join(inbox, "rejected", "PO-F2.x12.reason.txt"), "utf8")).toContain("TA1 001");

    await waitFor(() => answers().length >= 2, { what: "the 997 and the TA1 in the outbound folder" });
    const [first, second] = answers();
    const ack = read997(first!.groups[0]!.transactions[0]!, first!.delimiters);
    expect(ack).toMatchObject({ functionalId: "PO", groupControlNumber: good.gs06, status: "A" });
    expect(readTa1(second!.ta1[0]!)).toMatchObject({ controlNumber: bad.isa13, ackCode: "R", noteCode: "001" });
    // Our interchanges are numbered 1, 2 from this connection's sequence: the one deliveries use.
    expect([first!.isa.controlNumber, second!.isa.controlNumber]).toEqual(["000000001", "000000002"]);
    const [seq] = await store.rows<{ value: number }>(sql`select value::int as value from sequences where name = ${`edi-mailbox:edi-x12:${partner.id}:isa`}`);
    expect(seq!.value).toBe(2);
    expect(segmentsOf(first!.groups[0]!.transactions[0]!, "AK2")).toHaveLength(1);
  }, 60_000);
});
