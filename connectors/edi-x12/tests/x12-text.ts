/** Hand-written interchanges for tests that need defects no generator would produce. */

export interface TextOptions {
  el?: string;
  comp?: string;
  seg?: string;
  /** Appended after each terminator (line breaks, indentation). */
  after?: string;
  isa13?: string;
  version?: string;
  sender?: [string, string];
  receiver?: [string, string];
  ackRequested?: string;
}

export function isaText(o: TextOptions = {}): string {
  const e = o.el ?? "*";
  const [sq, sid] = o.sender ?? ["ZZ", "SANDBOXRETAIL"];
  const [rq, rid] = o.receiver ?? ["ZZ", "LOOPKEEPER"];
  return ["ISA", "00", "          ", "00", "          ", sq, sid.padEnd(15), rq, rid.padEnd(15), "261127", "1200", "U", o.version ?? "00401", o.isa13 ?? "000000101", o.ackRequested ?? "0", "T", o.comp ?? ">"].join(e);
}

/** ISA + segments (given with "*" and joined with the chosen delimiters) + IEA unless the list has one. */
export function x12(segments: string[], o: TextOptions = {}): string {
  const e = o.el ?? "*";
  const t = (o.seg ?? "~") + (o.after ?? "");
  const all = segments.some((s) => s.startsWith("IEA")) ? segments : [...segments, `IEA*${segments.filter((s) => s.startsWith("GS*")).length}*${o.isa13 ?? "000000101"}`];
  const body = all.map((s) => s.split("*").join(e));
  return [isaText(o), ...body].join(t) + t;
}

/** A well-formed 850 group (counts right) to build variants from. */
export function po850(o: { po?: string; lines?: string[]; ctt?: number; gs06?: string; st02?: string } = {}): string[] {
  const lines = o.lines ?? ["PO1*1*2*EA*24**VN*AB-12", "PO1*2*1*EA*18**VN*CM-01"];
  const body = ["BEG*00*SA*" + (o.po ?? "PO-1001") + "**20261127", "N1*ST*Sandbox DC*92*6094", "N3*1 Warehouse Way", "N4*Columbus*OH*43004*US", ...lines, `CTT*${o.ctt ?? lines.length}`];
  const st02 = o.st02 ?? "0001";
  const gs06 = o.gs06 ?? "7";
  return [`GS*PO*SANDBOXRETAIL*LOOPKEEPER*20261127*1200*${gs06}*X*004010`, `ST*850*${st02}`, ...body, `SE*${body.length + 2}*${st02}`, `GE*1*${gs06}`];
}
