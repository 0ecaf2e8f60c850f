import { describe, expect, it } from "vitest";
import { XmlSyntaxError, parseXml, readIntuitXml } from "../xml-reader";

describe("the small XML reader", () => {
  it("reads a namespaced IntuitResponse into QBO's JSON shape", () => {
    const xml = `<?xml version="1.0"?>
<ns2:IntuitResponse xmlns:ns2="http://schema.intuit.com/finance/v3" time="2026-01-01T00:00:00-08:00">
  <!-- a comment -->
  <ns2:Fault type="ValidationFault"><ns2:Error code="2500" element="Line.ItemRef"><ns2:Message>Invalid Reference Id</ns2:Message><ns2:Detail>Tom &amp; Jerry&#39;s &lt;item&gt; &#x41;</ns2:Detail></ns2:Error></ns2:Fault>
</ns2:IntuitResponse>`;
    expect(readIntuitXml(xml)).toEqual({
      time: "2026-01-01T00:00:00-08:00",
      Fault: { type: "ValidationFault", Error: [{ code: "2500", element: "Line.ItemRef", Message: "Invalid Reference Id", Detail: "Tom & Jerry's <item> A" }] },
    });
  });

  it("turns ...Ref elements into { value, name } and keeps CDATA verbatim", () => {
    const doc = readIntuitXml(`<SalesReceipt><Id>9</Id><CustomerRef name="A &quot;B&quot;">42</CustomerRef><PrivateNote><![CDATA[<b>not markup</b>]]></PrivateNote><SubTotalLineDetail/></SalesReceipt>`);
    expect(doc).toEqual({ SalesReceipt: { Id: "9", CustomerRef: { value: "42", name: 'A "B"' }, PrivateNote: "<b>not markup</b>", SubTotalLineDetail: {} } });
  });

  it("refuses malformed documents instead of guessing", () => {
    expect(() => parseXml("<a><b></a>")).toThrow(XmlSyntaxError);
    expect(() => parseXml("<a>")).toThrow(/unclosed <a>/);
    expect(() => parseXml("<a></a><b></b>")).toThrow(/second root/);
    expect(() => parseXml("just text")).toThrow(XmlSyntaxError);
    expect(() => parseXml("<a x=unquoted></a>")).toThrow(XmlSyntaxError);
  });

  it("tolerates a UTF-8 byte order mark", () => {
    expect(parseXml("\uFEFF<a>1</a>").text).toBe("1");
  });
});
