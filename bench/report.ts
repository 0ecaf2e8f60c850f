import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Replaces the section of BENCHMARKS.md for one benchmark (keeping the others), with the command
 * that produced it and the machine it ran on.
 */
export function appendBenchmark(name: string, command: string, lines: string[]): void {
  const file = "BENCHMARKS.md";
  const header = "# Benchmarks\n\nFigures from `npm run bench:*` on this project's machines (2 cores, Node 20). The machine is shared and noisy: read ratios against the baseline measured in the same run, not absolute numbers.\n";
  const current = existsSync(file) ? readFileSync(file, "utf8") : header;
  const section = `## ${name}\n\nCommand: \`${command}\`\n\n${lines.join("\n")}\n`;
  const re = new RegExp(`## ${name.replace(/[:]/g, "\\:")}\\n[\\s\\S]*?(?=\\n## |$)`);
  const next = re.test(current) ? current.replace(re, section.trimEnd() + "\n") : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
}
