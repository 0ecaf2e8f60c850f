/**
 * A deliberately small XML reader for QuickBooks' IntuitResponse documents. QBO answers in XML
 * when it throttles (403/429 ThrottleExceeded, even when JSON was asked for) and older payloads
 * (quickbooks-ruby fixtures) are XML; no XML library is installed, so this reads exactly the
 * subset QBO produces: elements, attributes, text, comments, CDATA, the XML declaration and the
 * five named entities plus numeric character references. No DTDs, no processing instructions
 * beyond the declaration.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const TOKEN = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/y;
const ATTR = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlSyntaxError";
  }
}

/** Parses a document and returns its root element; throws XmlSyntaxError on anything malformed. */
export function parseXml(xml: string): XmlElement {
  const source = xml.replace(/^\uFEFF/, "");
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new XmlSyntaxError(`unexpected markup at offset ${at}: ${JSON.stringify(source.slice(at, at + 30))}`);
    const [, cdata, closing, rawName, rawAttrs, selfClosing, text] = m;
    const top = stack[stack.length - 1];
    if (text !== undefined || cdata !== undefined) {
      const value = cdata ?? decodeEntities(text!);
      if (top) top.text += value;
      else if (value.trim()) throw new XmlSyntaxError(`text outside the root element at offset ${at}`);
      continue;
    }
    if (!rawName) continue; // comment or declaration
    const name = localName(rawName);
    if (closing) {
      if (!top || top.name !== name) throw new XmlSyntaxError(`closing </${name}> does not match <${top?.name ?? "nothing"}> at offset ${at}`);
      stack.pop();
      continue;
    }
    const el: XmlElement = { name, attrs: readAttrs(rawAttrs ?? ""), children: [], text: "" };
    if (top) top.children.push(el);
    else if (root) throw new XmlSyntaxError(`a second root element <${name}> at offset ${at}`);
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length) throw new XmlSyntaxError(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new XmlSyntaxError("no root element");
  return root;
}

/** Whether a body looks like XML (QBO's content-type is not always truthful). */
export function looksLikeXml(body: string): boolean {
  return /^\s*(\uFEFF)?\s*</.test(body);
}

/**
 * Elements that QBO's JSON renders as arrays even when there is one of them, so that an XML
 * document converts to the same shape the JSON API returns.
 */
const ARRAY_ELEMENTS = new Set(["Line", "TaxLine", "Error", "CustomField", "LinkedTxn"]);

/**
 * Converts an IntuitResponse (or a bare entity such as <Invoice>) to the JSON shape of the same
 * response: attributes become keys (Fault.type, Error.code, domain), `...Ref` elements become
 * { value, name }, leaf text stays a string (amounts are converted by the mapping, never here).
 */
export function readIntuitXml(xml: string): Record<string, unknown> {
  const root = parseXml(xml);
  if (root.name === "IntuitResponse") return elementToJson(root) as Record<string, unknown>;
  return { [root.name]: elementToJson(root) };
}

function elementToJson(el: XmlElement): unknown {
  if (el.children.length === 0) {
    if (/Ref$/.test(el.name)) return { value: el.text.trim(), ...(el.attrs.name !== undefined ? { name: el.attrs.name } : {}) };
    if (Object.keys(el.attrs).length > 0 || el.text.trim() === "") return { ...el.attrs, ...(el.text.trim() ? { value: el.text.trim() } : {}) };
    return el.text.trim();
  }
  const out: Record<string, unknown> = { ...el.attrs };
  for (const child of el.children) {
    const value = elementToJson(child);
    const existing = out[child.name];
    if (ARRAY_ELEMENTS.has(child.name)) out[child.name] = [...((existing as unknown[] | undefined) ?? []), value];
    else if (existing === undefined) out[child.name] = value;
    else out[child.name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

function readAttrs(raw: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of raw.matchAll(ATTR)) {
    const name = localName(m[1]!);
    if (m[1]!.startsWith("xmlns")) continue;
    attrs[name] = decodeEntities(m[2] ?? m[3] ?? "");
  }
  return attrs;
}

function localName(name: string): string {
  const i = name.indexOf(":");
  return i === -1 ? name : name.slice(i + 1);
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}
