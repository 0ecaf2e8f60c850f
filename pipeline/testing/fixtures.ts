import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * ../shared/fixtures: real-world samples with their sources. Read-only; tests never edit them.
 * FIXTURES_DIR overrides the location.
 */
export function fixturesDir(): string {
  const dir = process.env.FIXTURES_DIR ?? resolve(process.cwd(), "../shared/fixtures");
  if (!existsSync(dir)) throw new Error(`fixtures not found at ${dir} (set FIXTURES_DIR)`);
  return dir;
}

export function fixturePath(...parts: string[]): string {
  return join(fixturesDir(), ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), "utf8");
}

export function readFixtureJson<T = any>(...parts: string[]): T {
  return JSON.parse(readFixture(...parts));
}

/** Every file below a fixtures folder, relative to it (for "every fixture is used" tests). */
export function listFixtures(...parts: string[]): string[] {
  const root = fixturePath(...parts);
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), join(rel, e.name));
      else out.push(join(rel, e.name));
    }
  };
  walk(root, "");
  return out.sort();
}
