// The texts and attribute values of XML (a SOAP or REST service's answer, FHIR or a clinical document in XML, a data
// export), each after its element's or attribute's name as a label, so that values which are personal data only by
// their element are found (`<lastName>Gonzalez</lastName>`, `<ssn>123456789</ssn>`, FHIR's `<family value="…"/>`).

import { isSpace, type LabelledSpan } from './span-leaves.js';

/** An element holding text, or an element with a quoted attribute that ends itself: what makes a text XML here. */
const ELEMENT =
  /<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)(?:\s[^<>]*)?>[^<>]*<\/\1\s*>|<[A-Za-z_][\w.:-]*\s+[\w.:-]+\s*=\s*"[^"<>]*"[^<>]*\/>/;
const NAME = /[A-Za-z_][\w.:-]*/y;
const ATTRIBUTE = /\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const TAG_END = /\s*(\/?)>/y;

// HTML's elements and attributes name no personal data: a page pasted into a prompt is scanned as the text it was.
const HTML = new Set(
  (
    'a abbr address article aside audio b bdi bdo blockquote body br button canvas caption cite code col colgroup ' +
    'data dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head ' +
    'header hr html i iframe img input ins kbd label legend li link main mark meta meter nav noscript object ol ' +
    'optgroup option output p param picture pre progress q rp rt ruby s samp script section select small source span ' +
    'strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track u ul var ' +
    'video wbr class style href src alt id lang dir rel role width height xmlns'
  ).split(' '),
);

const ENTITY = /&(?:#(\d{1,7})|#x([\da-f]{1,6})|(amp|lt|gt|quot|apos));/gi;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeEntities = (value: string): string =>
  value.replace(ENTITY, (whole, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED[name.toLowerCase()];
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
const encodeEntities = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);

/** The start of an element whose name is not one of HTML's: one regex, which skips an HTML page's tags fast. */
const NON_HTML_TAG = new RegExp(String.raw`<(?!(?:${[...HTML].join('|')})[\s/>])[A-Za-z_]`, 'i');

/** True if `text` holds XML with data (see `xmlLeaves`): an element not of HTML, then one of ELEMENT's shapes. */
export function holdsXml(text: string): boolean {
  return (text.includes('</') || text.includes('/>')) && NON_HTML_TAG.test(text) && ELEMENT.test(text);
}

/**
 * The labelled spans of a text holding XML: the text of each element and each attribute's value after the element's or
 * attribute's name (a local name: `ns:lastName` is `lastName`; an attribute `value` takes its element's, as FHIR writes
 * `<family value="Kowalczyk"/>`) as a label, entities decoded for the guard and written back encoded; the rest
 * unlabelled. HTML's elements and attributes give no label. None when the text holds no XML.
 */
export function xmlSpans(text: string, labelPrefix: (key: string) => string): LabelledSpan[] {
  if (!holdsXml(text)) return [];
  const spans: LabelledSpan[] = [];
  const open: string[] = [];
  const add = (start: number, end: number, key: string): void => {
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    const local = key.slice(key.lastIndexOf(':') + 1);
    if (start === end || HTML.has(local.toLowerCase())) return;
    const prefix = labelPrefix(local);
    if (prefix === '') return;
    const raw = text.slice(start, end);
    const value = raw.includes('&') ? decodeEntities(raw) : raw;
    spans.push(
      value === raw ? { start, end, prefix } : { start, end, prefix, decoded: { value, write: encodeEntities } },
    );
  };
  for (let at = text.indexOf('<'); at !== -1;) {
    let next = skipMarkup(text, at, open, add);
    if (next === at) next = at + 1; // a `<` that opens nothing: text
    // The text up to the next tag belongs to the innermost open element.
    const lt = text.indexOf('<', next);
    const element = open[open.length - 1];
    if (element !== undefined && next > at) add(next, lt === -1 ? text.length : lt, element);
    at = lt;
  }
  return spans;
}

/**
 * Reads the markup at `at` (a tag, a comment, a CDATA section, a declaration): opens or closes elements in `open`,
 * gives attribute values and CDATA text to `add`; returns where it ends, or `at` when it is no markup.
 */
function skipMarkup(
  text: string,
  at: number,
  open: string[],
  add: (start: number, end: number, key: string) => void,
): number {
  if (text.startsWith('<!--', at)) return endAfter(text, at, '-->');
  if (text.startsWith('<![CDATA[', at)) {
    const end = text.indexOf(']]>', at);
    if (end === -1) return text.length;
    const element = open[open.length - 1];
    if (element !== undefined) add(at + 9, end, element);
    return end + 3;
  }
  if (text.startsWith('<?', at) || text.startsWith('<!', at)) return endAfter(text, at, '>');
  const closing = text[at + 1] === '/';
  NAME.lastIndex = at + (closing ? 2 : 1);
  const name = NAME.exec(text)?.[0];
  if (name === undefined) return at;
  let i = NAME.lastIndex;
  if (closing) {
    TAG_END.lastIndex = i;
    if (!TAG_END.test(text)) return at;
    // The element it closes, looked for among the innermost few (unclosed tags never pile up a long search).
    for (let k = open.length - 1; k >= 0 && k >= open.length - MAX_UNCLOSED; k--)
      if (open[k] === name) {
        open.length = k;
        break;
      }
    return TAG_END.lastIndex;
  }
  const attributes: [number, number, string][] = [];
  for (ATTRIBUTE.lastIndex = i; ;) {
    const m = ATTRIBUTE.exec(text);
    if (m === null) break;
    const valueStart = ATTRIBUTE.lastIndex - 1 - (m[2] ?? m[3]).length;
    attributes.push([valueStart, ATTRIBUTE.lastIndex - 1, m[1] === 'value' ? name : m[1]]);
    i = ATTRIBUTE.lastIndex;
  }
  TAG_END.lastIndex = i;
  const end = TAG_END.exec(text);
  if (end === null) return at;
  for (const [start, stop, key] of attributes) add(start, stop, key);
  if (end[1] !== '/') open.push(name);
  if (open.length > 4 * MAX_UNCLOSED) open.splice(0, 2 * MAX_UNCLOSED);
  return TAG_END.lastIndex;
}

/** How deep a closing tag looks for the element it closes. */
const MAX_UNCLOSED = 64;

const endAfter = (text: string, at: number, marker: string): number => {
  const end = text.indexOf(marker, at);
  return end === -1 ? text.length : end + marker.length;
};
