/**
 * Tables in docs/ that are rendered from the code they describe, so they
 * cannot drift: each sits between `<!-- generated:NAME -->` and
 * `<!-- /generated -->` in its document, and `tests/docs/generated.test.ts`
 * fails until `npx tsx tests/docs/update-docs.ts` has rewritten it.
 *
 * @module
 */
import {
  CONFIG_LIMITS,
  DRIVER_CAPABILITIES,
  DRIVER_ERROR_DEFINITIONS,
  DRIVER_ERROR_NAMES,
  DRIVER_METHOD_TABLE,
  ALL_DRIVER_METHODS,
  ERROR_MAPPING_RULES,
  INPUT_LIMITS,
} from "../../src/index.js";

/** A generated block: the document it lives in, and how to render it. */
export type GeneratedBlock = { readonly document: string; readonly render: () => string };

const cell = (text: string) => text.replaceAll("|", "\\|");

function methodTable(): string {
  const rows = ALL_DRIVER_METHODS.map((method) => {
    const facts = DRIVER_METHOD_TABLE[method];
    const who =
      facts.capability === undefined ? (facts.optional ? "optional" : "every driver") : `\`${facts.capability}\``;
    const rejects = facts.rejects.length === 0 ? "—" : facts.rejects.map((name) => `\`${name}\``).join(", ");
    return `| \`${method}\` | ${who} | ${cell(facts.summary)} | ${rejects} |`;
  });
  return ["| Method | Who has it | What it does | Rejects with |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

function errorTable(): string {
  const rows = DRIVER_ERROR_NAMES.map((name) => {
    const { code, retryable, meaning, fields } = DRIVER_ERROR_DEFINITIONS[name];
    const own = fields.length === 0 ? "—" : fields.map((field) => `\`${field}\``).join(", ");
    return `| \`${name}\` | \`${code}\` | ${retryable ? "yes" : "no"} | ${own} | ${cell(meaning)} |`;
  });
  return ["| Class | Code | Retryable | Fields | Meaning |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

function capabilityList(): string {
  return DRIVER_CAPABILITIES.map((capability) => {
    const methods = ALL_DRIVER_METHODS.filter((method) => DRIVER_METHOD_TABLE[method].capability === capability);
    const adds = methods.length === 0 ? "no method of its own" : methods.map((method) => `\`${method}\``).join(", ");
    return `- \`${capability}\`: ${adds}`;
  }).join("\n");
}

function limitTable(limits: Readonly<Record<string, number>>): string {
  const rows = Object.entries(limits).map(([name, value]) => `| \`${name}\` | ${value.toLocaleString("en-US")} |`);
  return ["| Limit | Value |", "| --- | --- |", ...rows].join("\n");
}

function errorMappingTable(): string {
  const rows = ERROR_MAPPING_RULES.map((rule) => `| ${cell(rule.thrown)} | ${cell(rule.result)} |`);
  return ["| Thrown | Result |", "| --- | --- |", ...rows].join("\n");
}

/** Every generated block, by name. */
export const GENERATED_BLOCKS: Readonly<Record<string, GeneratedBlock>> = {
  methods: { document: "docs/INTERFACE_CONTRACT.md", render: methodTable },
  errors: { document: "docs/INTERFACE_CONTRACT.md", render: errorTable },
  capabilities: { document: "docs/INTERFACE_CONTRACT.md", render: capabilityList },
  "config-limits": { document: "docs/INTERFACE_CONTRACT.md", render: () => limitTable(CONFIG_LIMITS) },
  "input-limits": { document: "docs/INTERFACE_CONTRACT.md", render: () => limitTable(INPUT_LIMITS) },
  "error-mapping": { document: "docs/RESILIENCE.md", render: errorMappingTable },
};

const BLOCK = /<!-- generated:([a-z-]+) -->\n[\s\S]*?<!-- \/generated -->/g;

/**
 * `text` (the document at `path`) with every generated block re-rendered.
 * Throws on a block name no renderer knows, or one that belongs to another
 * document.
 */
export function updateGeneratedBlocks(path: string, text: string): string {
  return text.replace(BLOCK, (_whole, name: string) => {
    const block = GENERATED_BLOCKS[name];
    if (block === undefined || block.document !== path) throw new Error(`${path}: no generated block '${name}' here`);
    return `<!-- generated:${name} -->\n${block.render()}\n<!-- /generated -->`;
  });
}

/** The names of the blocks `text` contains. */
export function blocksIn(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((match) => match[1] as string);
}
