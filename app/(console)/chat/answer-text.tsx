import Link from "next/link";
import type { ReactNode } from "react";
import type { Citation } from "@/agent/chat/events";
import { eventHref, orderHref } from "@/app/lib/format";

/** Where a cited id lives in the console; null for kinds without a page of their own. */
export function citationHref(c: Pick<Citation, "kind" | "id">): string | null {
  switch (c.kind) {
    case "order":
      return orderHref(c.id);
    case "event":
      return eventHref(c.id);
    case "connector":
      return `/connections/${encodeURIComponent(c.id)}`;
    case "remediation":
      return `/approvals#${encodeURIComponent(c.id)}`;
    case "quarantine":
      return "/failures";
    case "recon_diff":
      return "/reconciliation";
    case "audit":
      return "/audit";
    default:
      return null;
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How each citation appears in prose: ids verbatim, "#1042" or "order 1042", connector names in any case. */
function patternOf(c: Citation): string {
  if (c.kind === "order") {
    const digits = escapeRe(c.id.replace(/^#/, ""));
    return `(?<![\\w#&])#${digits}(?!\\d)|(?<=\\border\\s+(?:number\\s+|no\\.?\\s*)?)${digits}(?!\\d)`;
  }
  if (c.kind === "connector") return `(?<![\\w/.-])${escapeRe(c.id)}(?![\\w/-])`;
  return `(?<![\\w])${escapeRe(c.id)}(?![\\w])`;
}

interface Linker {
  re: RegExp | null;
  find(match: string): Citation | undefined;
  /** Connectors already linked in this answer: a name that recurs in every line links once. */
  linkedConnectors: Set<string>;
}

function linkerOf(citations: Citation[]): Linker {
  const usable = citations.filter((c) => c.id.length >= 3);
  if (!usable.length) return { re: null, find: () => undefined, linkedConnectors: new Set() };
  // Longer ids first, so "evt_abc123def" wins over a shorter id it contains.
  const ordered = [...usable].sort((a, b) => b.id.length - a.id.length);
  return {
    linkedConnectors: new Set(),
    re: new RegExp(ordered.map((c) => `(${patternOf(c)})`).join("|"), "gi"),
    find(match) {
      const m = match.toLowerCase();
      return ordered.find((c) => (c.kind === "order" ? c.id.replace(/^#/, "") === m.replace(/^#/, "") : c.id.toLowerCase() === m));
    },
  };
}

function CitedId({ c, text }: { c: Citation; text: string }) {
  if (!c.resolved) {
    return (
      <span className="cite-missing" title={`Not found: no such ${c.kind.replace("_", " ")} exists here. Treat it as unconfirmed.`} data-unresolved={c.id}>
        <span aria-hidden="true">⚠ </span>
        {text}
        <span className="visually-hidden"> (unverified: not found)</span>
      </span>
    );
  }
  const href = citationHref(c);
  if (!href) return <span className="mono">{text}</span>;
  return (
    <Link href={href} className="cite" data-cite-kind={c.kind}>
      {text}
    </Link>
  );
}

function linkify(text: string, linker: Linker, key: string): ReactNode[] {
  if (!linker.re) return [text];
  const out: ReactNode[] = [];
  let last = 0;
  linker.re.lastIndex = 0;
  for (const m of text.matchAll(linker.re)) {
    const c = linker.find(m[0]);
    if (!c) continue;
    if (c.kind === "connector" && c.resolved) {
      if (linker.linkedConnectors.has(c.id)) continue;
      linker.linkedConnectors.add(c.id);
    }
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(<CitedId key={`${key}-${m.index}`} c={c} text={m[0]} />);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const FAILURE_KEY = /^(validation|auth|outage|conflict|duplicate|permanent|quarantine)\|/;
const SAFE_HREF = /^(\/(?!\/)|https?:\/\/)/;

/** Inline markup: `code`, **bold**, [text](url), and cited ids as links. */
function inline(text: string, linker: Linker, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /`([^`\n]+)`|\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(...linkify(text.slice(last, m.index), linker, `${key}-${last}`));
    const k = `${key}-m${m.index}`;
    if (m[1] !== undefined) {
      out.push(
        FAILURE_KEY.test(m[1]) ? (
          <Link key={k} href={`/failures/${encodeURIComponent(m[1])}`} className="mono cite" title="Open the failure group">
            {m[1]}
          </Link>
        ) : (
          <code key={k}>{linkify(m[1], linker, k)}</code>
        ),
      );
    } else if (m[2] !== undefined) {
      out.push(<strong key={k}>{linkify(m[2], linker, k)}</strong>);
    } else if (SAFE_HREF.test(m[4]!)) {
      const external = /^https?:/.test(m[4]!);
      out.push(
        external ? (
          <a key={k} href={m[4]} rel="noreferrer noopener" target="_blank">
            {m[3]}
          </a>
        ) : (
          <Link key={k} href={m[4]!}>
            {m[3]}
          </Link>
        ),
      );
    } else {
      out.push(m[0]);
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(...linkify(text.slice(last), linker, `${key}-${last}`));
  return out;
}

type Block =
  | { kind: "p"; lines: string[] }
  | { kind: "ul" | "ol"; items: string[][] }
  | { kind: "quote"; lines: string[] }
  | { kind: "code"; text: string }
  | { kind: "h"; text: string };

const BULLET = /^\s*[-*•]\s+/;
const NUMBERED = /^\s*\d+[.)]\s+/;

/** Paragraphs, lists (with indented continuation lines), quotes, fenced code and small headings. */
function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const prev = blocks[blocks.length - 1];
    if (/^\s*```/.test(line)) {
      const body: string[] = [];
      while (++i < lines.length && !/^\s*```/.test(lines[i]!)) body.push(lines[i]!);
      blocks.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    if (!line.trim()) {
      blocks.push({ kind: "p", lines: [] });
      continue;
    }
    if (/^#{1,4}\s+/.test(line)) {
      blocks.push({ kind: "h", text: line.replace(/^#+\s+/, "") });
      continue;
    }
    if (/^\s*>/.test(line)) {
      const text = line.replace(/^\s*>\s?/, "");
      if (prev?.kind === "quote") prev.lines.push(text);
      else blocks.push({ kind: "quote", lines: [text] });
      continue;
    }
    const list = BULLET.test(line) ? "ul" : NUMBERED.test(line) ? "ol" : null;
    if (list) {
      const item = line.replace(list === "ul" ? BULLET : NUMBERED, "");
      if (prev?.kind === list) prev.items.push([item]);
      else blocks.push({ kind: list, items: [[item]] });
      continue;
    }
    if ((prev?.kind === "ul" || prev?.kind === "ol") && /^\s+\S/.test(line)) {
      prev.items[prev.items.length - 1]!.push(line.trim());
      continue;
    }
    if (prev?.kind === "p" && prev.lines.length) prev.lines.push(line);
    else blocks.push({ kind: "p", lines: [line] });
  }
  return blocks.filter((b) => b.kind !== "p" || b.lines.length > 0);
}

function lines(ls: string[], linker: Linker, key: string): ReactNode[] {
  return ls.flatMap((l, i) => (i === 0 ? inline(l, linker, `${key}-${i}`) : [<br key={`${key}-br${i}`} />, ...inline(l, linker, `${key}-${i}`)]));
}

/**
 * An answer in the Markdown subset the agent writes (paragraphs, lists, quotes, code), built as
 * React elements rather than HTML so nothing in a model's text can inject markup. Every cited
 * id that resolved links to its page; the ones that did not are flagged where they appear.
 */
export function AnswerText({ text, citations }: { text: string; citations: Citation[] }) {
  const linker = linkerOf(citations);
  return (
    <div className="md">
      {blocksOf(text).map((b, i) => {
        const key = `b${i}`;
        switch (b.kind) {
          case "p":
            return <p key={key}>{lines(b.lines, linker, key)}</p>;
          case "h":
            return <h4 key={key}>{inline(b.text, linker, key)}</h4>;
          case "quote":
            return (
              <blockquote key={key} className={/⚠|unverified/i.test(b.lines.join(" ")) ? "notice warn" : undefined}>
                {lines(b.lines, linker, key)}
              </blockquote>
            );
          case "code":
            return (
              <pre key={key} className="json">
                <code>{b.text}</code>
              </pre>
            );
          case "ul":
          case "ol": {
            const items = b.items.map((it, j) => <li key={`${key}-${j}`}>{lines(it, linker, `${key}-${j}`)}</li>);
            return b.kind === "ul" ? <ul key={key}>{items}</ul> : <ol key={key}>{items}</ol>;
          }
        }
      })}
    </div>
  );
}
