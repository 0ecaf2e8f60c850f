import { z } from "zod";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../../pipeline/model";
import { connectorDefinition } from "../../registry";
import { ShipStationCredentials, shipstation } from "../index";

describe("ShipStation connector definition", () => {
  it("is registered as shipstation", () => {
    expect(connectorDefinition("shipstation")).toBe(shipstation);
  });

  it("marks every credential secret and describes every field for the console form", () => {
    const schema = z.toJSONSchema(ShipStationCredentials, { io: "input" }) as { properties: Record<string, { description?: string; secret?: boolean }>; required: string[] };
    for (const [name, field] of Object.entries(schema.properties)) expect(field.description, name).toBeTruthy();
    expect(Object.entries(schema.properties).filter(([, f]) => f.secret).map(([k]) => k).sort()).toEqual(["apiKey", "apiSecret", "v2ApiKey", "webhookToken"]);
    expect(schema.required.sort()).toEqual(["apiKey", "apiSecret", "webhookToken"]);
    expect(ShipStationCredentials.parse({ apiKey: "k", apiSecret: "s", webhookToken: "x".repeat(16) }).currency).toBe("USD");
    expect(ShipStationCredentials.safeParse({ apiKey: "k", apiSecret: "s", webhookToken: "short" }).success).toBe(false);
  });

  it("declares its capabilities, rate policy and the events each action accepts", () => {
    expect(shipstation.defaultBaseUrl).toBe("https://ssapi.shipstation.com");
    expect(shipstation.ratePolicy).toEqual({ concurrency: 2, perSecond: 0.66 });
    expect(shipstation.capabilities).toEqual({ source: ["shipment.created"], destination: ["create_order", "cancel_order"], readers: ["inventory", "shipments", "orders"] });
    expect(Object.keys(shipstation.destinations!)).toEqual(shipstation.capabilities.destination);
    expect(Object.keys(shipstation.readers!)).toEqual(shipstation.capabilities.readers);
    expect(shipstation.destinations!.create_order!.accepts).toEqual(["order.created", "order.updated"]);
    expect(shipstation.destinations!.cancel_order!.accepts).toEqual(["order.cancelled"]);
    for (const d of Object.values(shipstation.destinations!)) for (const t of d.accepts) expect(EVENT_TYPES).toContain(t);
  });

  it("verifies webhooks against the configured API origin, defaulting to production", () => {
    const creds = { apiKey: "k", apiSecret: "s", webhookToken: "x".repeat(16), currency: "USD" };
    expect(shipstation.webhookSecrets!(creds)).toEqual({ webhookToken: "x".repeat(16), apiBaseUrl: "https://ssapi.shipstation.com" });
    expect(shipstation.webhookSecrets!(creds, { baseUrl: "http://127.0.0.1:9" }).apiBaseUrl).toBe("http://127.0.0.1:9");
  });
});
