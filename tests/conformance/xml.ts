/**
 * A small, strict XML reader for the tests of the JUnit reporter: enough of
 * XML 1.0 to refuse what a CI system's parser would refuse (unbalanced or
 * mismatched tags, a raw `<` or `&`, an unknown entity, a repeated
 * attribute, two roots, characters XML forbids) and to hand back the tree.
 *
 * @module
 */

/** One element: its name, attributes, child elements and text (entities decoded). */
export type XmlElement = {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
};

const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*/;
const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function decode(raw: string, where: number): string {
  if (raw.includes("<")) throw new Error(`raw '<' in text or attribute near ${where}`);
  return raw.replace(/&([^;]*);|&/g, (whole, entity: string | undefined) => {
    if (entity === undefined) throw new Error(`bare '&' near ${where}`);
    if (entity in ENTITIES) return ENTITIES[entity] as string;
    const numeric = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(entity);
    if (numeric === null) throw new Error(`unknown entity ${whole} near ${where}`);
    const code = numeric[1]?.startsWith("x") ? Number.parseInt(numeric[1].slice(1), 16) : Number(numeric[1]);
    const char = String.fromCodePoint(code);
    if (FORBIDDEN.test(char)) throw new Error(`entity ${whole} names a character XML forbids`);
    return char;
  });
}

/**
 * Parse `text` as one XML document (an optional `<?xml ...?>` declaration and
 * one root element); throws with a position on anything malformed.
 *
 * @example
 * ```ts
 * parseXml('<?xml version="1.0"?><a b="1"><c/>x &amp; y</a>').children[0]?.name; // "c"
 * ```
 */
export function parseXml(text: string): XmlElement {
  if (FORBIDDEN.test(text)) throw new Error("the document holds a character XML forbids");
  let at = 0;
  const rest = () => text.slice(at);
  const skipSpace = () => {
    at += /^\s*/.exec(rest())?.[0].length ?? 0;
  };
  if (rest().startsWith("<?xml")) {
    const end = text.indexOf("?>", at);
    if (end < 0) throw new Error("unterminated XML declaration");
    at = end + 2;
  }
  skipSpace();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < text.length) {
    if (stack.length === 0 && root !== undefined) {
      skipSpace();
      if (at < text.length) throw new Error(`content after the root element at ${at}`);
      break;
    }
    if (text[at] !== "<") {
      const next = text.indexOf("<", at);
      const raw = text.slice(at, next < 0 ? text.length : next);
      const parent = stack.at(-1);
      if (parent === undefined) throw new Error(`text outside the root element at ${at}`);
      parent.text += decode(raw, at);
      at += raw.length;
      continue;
    }
    if (text.startsWith("</", at)) {
      at += 2;
      const name = NAME.exec(rest())?.[0];
      const open = stack.pop();
      if (name === undefined || open === undefined || open.name !== name) {
        throw new Error(`end tag ${name ?? "?"} does not close ${open?.name ?? "anything"} at ${at}`);
      }
      at += name.length;
      skipSpace();
      if (text[at] !== ">") throw new Error(`malformed end tag at ${at}`);
      at += 1;
      continue;
    }
    at += 1;
    const name = NAME.exec(rest())?.[0];
    if (name === undefined) throw new Error(`malformed tag at ${at}`);
    at += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const space = /^\s*/.exec(rest())?.[0].length ?? 0;
      at += space;
      if (text.startsWith("/>", at) || text[at] === ">") break;
      if (space === 0) throw new Error(`attributes must be separated by space at ${at}`);
      const attribute = /^([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(rest());
      if (attribute === null) throw new Error(`malformed attribute at ${at}`);
      const key = attribute[1] as string;
      if (key in attributes) throw new Error(`attribute ${key} repeated at ${at}`);
      attributes[key] = decode(attribute[3] ?? attribute[4] ?? "", at);
      at += attribute[0].length;
    }
    const element: XmlElement = { name, attributes, children: [], text: "" };
    const parent = stack.at(-1);
    if (parent === undefined) {
      if (root !== undefined) throw new Error(`a second root element at ${at}`);
      root = element;
    } else {
      parent.children.push(element);
    }
    if (text.startsWith("/>", at)) {
      at += 2;
    } else {
      at += 1;
      stack.push(element);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed element ${stack.at(-1)?.name}`);
  if (root === undefined) throw new Error("no root element");
  return root;
}
