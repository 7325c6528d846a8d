/**
 * The syntax tree of the mock's shell: the part of the POSIX shell language
 * the conformance cases and ordinary container commands use (lists, `&&`,
 * `||`, `&`, pipelines, subshells, groups, `if`, `while`, `until`, `for`,
 * redirections, assignments, and words with quoting and expansions).
 *
 * @module
 */

/** A piece of a word: text, or an expansion. `quoted` parts are not split into fields nor matched as patterns. */
export type WordPart =
  | { readonly kind: "text"; readonly text: string; readonly quoted: boolean }
  | {
      readonly kind: "param";
      readonly name: string;
      /** `#` length, or one of `-`, `:-`, `=`, `:=`, `+`, `:+`, `?`, `:?`, `#`, `##`, `%`, `%%` with `arg`. */
      readonly op?: string;
      readonly arg?: Word;
      readonly quoted: boolean;
    }
  | { readonly kind: "command"; readonly source: string; readonly quoted: boolean }
  | { readonly kind: "arith"; readonly expression: Word; readonly quoted: boolean };

/** A word: its parts, and its source text (to recognise reserved words and assignments). */
export type Word = { readonly parts: readonly WordPart[]; readonly raw: string };

/** The operators of a redirection. */
export type RedirectOp = "<" | ">" | ">>" | ">|" | "<>" | "<&" | ">&" | "<<<";

/** `[fd]op target`, such as `2>/dev/null` or `>&2`. */
export type Redirect = { readonly fd: number; readonly op: RedirectOp; readonly target: Word };

/** `name=value` before a command (or alone). */
export type Assignment = { readonly name: string; readonly value: Word };

/** A command with arguments: `VAR=1 cmd arg >file`. */
export type SimpleCommand = {
  readonly kind: "simple";
  readonly assignments: readonly Assignment[];
  readonly words: readonly Word[];
  readonly redirects: readonly Redirect[];
};

/** `( list )`: runs in a child process. */
export type Subshell = { readonly kind: "subshell"; readonly body: Script; readonly redirects: readonly Redirect[] };

/** `{ list; }`: runs in the shell itself. */
export type Group = { readonly kind: "group"; readonly body: Script; readonly redirects: readonly Redirect[] };

/** `if list; then list; [elif list; then list;]... [else list;] fi`. */
export type IfCommand = {
  readonly kind: "if";
  readonly branches: readonly { readonly condition: Script; readonly body: Script }[];
  readonly otherwise: Script | undefined;
  readonly redirects: readonly Redirect[];
};

/** `while list; do list; done`, or `until` (`until: true`). */
export type LoopCommand = {
  readonly kind: "loop";
  readonly until: boolean;
  readonly condition: Script;
  readonly body: Script;
  readonly redirects: readonly Redirect[];
};

/** `for name [in words]; do list; done` (no `in`: the positional parameters). */
export type ForCommand = {
  readonly kind: "for";
  readonly name: string;
  readonly items: readonly Word[] | undefined;
  readonly body: Script;
  readonly redirects: readonly Redirect[];
};

/** One command of a pipeline. */
export type Command = SimpleCommand | Subshell | Group | IfCommand | LoopCommand | ForCommand;

/** `[!] command | command | ...`. */
export type Pipeline = { readonly kind: "pipeline"; readonly negate: boolean; readonly commands: readonly Command[] };

/** `pipeline && pipeline || pipeline ...`. */
export type AndOr = {
  readonly kind: "andor";
  readonly first: Pipeline;
  readonly rest: readonly { readonly op: "&&" | "||"; readonly pipeline: Pipeline }[];
};

/** A list of and-or lists, each run in the foreground or (`&`) in the background. */
export type Script = {
  readonly kind: "script";
  readonly items: readonly { readonly command: AndOr; readonly background: boolean }[];
};
