import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listFixtures } from "../../../pipeline/testing/fixtures";

const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here)
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => readFileSync(join(here, f), "utf8"))
  .join("\n");

describe("amazon fixtures", () => {
  it("are all used by a test (errors are iterated, the others named)", () => {
    expect(sources).toContain(`listFixtures("amazon/errors")`);
    const unused = listFixtures("amazon")
      .filter((f) => !f.startsWith("errors/"))
      .filter((f) => !sources.includes(`amazon/${f}`));
    expect(unused).toEqual([]);
    expect(listFixtures("amazon").length).toBeGreaterThanOrEqual(21);
  });
});
