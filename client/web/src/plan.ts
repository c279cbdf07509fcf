// Suggestion mode, on the client: what one user's input may do to a paragraph's Y.Text.
//
// `plan` is a pure function. It takes the paragraph's runs (Y.Text delta), who types, and what the
// browser wanted to do (insert text / delete a range / both), and returns either the Y.Text
// operations the server will accept (DESIGN §5, README "Live document schema") or a refusal with a
// short human reason. Nothing is sent for a refusal, so the client never sends an edit that the
// server would revert. Indices are UTF-16 code units, as everywhere in Yjs and the DOM.

export const INS = "ins";
export const DEL_PREFIX = "del:";

export type Attrs = Record<string, unknown>;
export interface Run {
  insert: string;
  attributes?: Attrs;
}

export type Op =
  | { type: "insert"; index: number; text: string; attrs: Attrs }
  | { type: "delete"; index: number; length: number }
  | { type: "format"; index: number; length: number; attrs: Attrs };

export type Plan = { ops: Op[]; caret: number } | { refused: string };

/** What the typist may do: `suggest` makes amendments; `base` edits base text (presiding only). */
export type Mode = "suggest" | "base";

export interface Typist {
  code: string;
  mode: Mode;
  /** Whose amendment an id is: `mine` (pending, mine), `other` (someone else's), `closed`. */
  owner: (id: string) => "mine" | "other" | "closed";
  newId: () => string;
  /** The proposer's code of an amendment id, for messages. */
  proposerOf: (id: string) => string;
}

export interface Intent {
  /** The range the input replaces or deletes ([start, end), may be empty). */
  start: number;
  end: number;
  /** Text to insert at the range (empty for a pure deletion). */
  text: string;
  /** For a pure deletion: where the caret goes — before (Backspace) or after (Delete). */
  backward: boolean;
}

interface Piece {
  start: number;
  end: number;
  attrs: Attrs;
}

export const insOf = (attrs: Attrs | undefined): string | null => {
  const value = attrs?.[INS];
  return typeof value === "string" && value ? value : null;
};

export const delsOf = (attrs: Attrs | undefined): string[] =>
  Object.keys(attrs ?? {})
    .filter((k) => k.startsWith(DEL_PREFIX) && attrs?.[k] === true)
    .map((k) => k.slice(DEL_PREFIX.length))
    .sort();

export const textLength = (runs: Run[]): number => runs.reduce((n, r) => n + r.insert.length, 0);

/** The runs cut into pieces at `start` and `end`, with their absolute positions. */
const pieces = (runs: Run[], start: number, end: number): Piece[] => {
  const out: Piece[] = [];
  let pos = 0;
  for (const run of runs) {
    const runEnd = pos + run.insert.length;
    const s = Math.max(pos, start);
    const e = Math.min(runEnd, end);
    if (s < e) out.push({ start: s, end: e, attrs: run.attributes ?? {} });
    pos = runEnd;
  }
  return out;
};

/** Attributes of the character at `index` (null outside the text). */
const attrsAt = (runs: Run[], index: number): Attrs | null => {
  if (index < 0) return null;
  let pos = 0;
  for (const run of runs) {
    if (index < pos + run.insert.length) return run.attributes ?? {};
    pos += run.insert.length;
  }
  return null;
};

/** Explicit attributes for inserted text: the ones wanted, and null for every neighbour's mark,
 * so Yjs copies nothing from the left neighbour. */
const explicit = (wanted: Attrs, left: Attrs | null): Attrs => {
  const out: Attrs = {};
  for (const key of Object.keys(left ?? {})) out[key] = null;
  return { ...out, ...wanted };
};

/** My pending amendment touching [start, end]: an insertion or deletion mark of mine that
 * overlaps or borders the range — typing next to it extends it. */
const nearbyOwn = (runs: Run[], start: number, end: number, typist: Typist): string | null => {
  const candidates = [attrsAt(runs, start - 1), ...pieces(runs, start, end).map((p) => p.attrs), attrsAt(runs, end)];
  for (const attrs of candidates) {
    if (!attrs) continue;
    const ins = insOf(attrs);
    if (ins && typist.owner(ins) === "mine") return ins;
  }
  for (const attrs of candidates) {
    if (!attrs || insOf(attrs)) continue;
    for (const id of delsOf(attrs)) if (typist.owner(id) === "mine") return id;
  }
  return null;
};

/** The operations that delete [start, end) as the typist may: its own inserted text really,
 * base text by its deletion mark (members) or really (presiding, base mode). Ops run right to
 * left so that earlier indices stay valid. Returns the ops and how many units stay. */
const deletion = (
  runs: Run[],
  start: number,
  end: number,
  typist: Typist,
  markId: () => string,
): { ops: Op[]; kept: number } | { refused: string } => {
  const ops: Op[] = [];
  let kept = 0;
  const parts = pieces(runs, start, end);
  for (const part of parts) {
    const ins = insOf(part.attrs);
    if (ins) {
      const owner = typist.owner(ins);
      if (owner !== "mine")
        return {
          refused:
            owner === "closed"
              ? "That proposal is closed; it cannot be edited."
              : "That bracket is another delegation's proposal: object to it instead of deleting it.",
        };
      continue;
    }
    const foreign = delsOf(part.attrs).filter((id) => typist.owner(id) !== "mine");
    if (typist.mode === "base" && foreign.length > 0)
      return {
        refused: "Other delegations propose deleting these words; settle their proposal first.",
      };
  }
  for (const part of [...parts].reverse()) {
    const length = part.end - part.start;
    if (insOf(part.attrs) || typist.mode === "base") {
      ops.push({ type: "delete", index: part.start, length });
      continue;
    }
    kept += length;
    const mine = delsOf(part.attrs).some((id) => typist.owner(id) === "mine");
    if (!mine) ops.push({ type: "format", index: part.start, length, attrs: { [DEL_PREFIX + markId()]: true } });
  }
  return { ops: mergeFormats(ops), kept };
};

/** Adjacent format ops with the same attributes become one. */
const mergeFormats = (ops: Op[]): Op[] => {
  const out: Op[] = [];
  for (const op of ops) {
    const last = out[out.length - 1];
    if (
      last &&
      last.type === "format" &&
      op.type === "format" &&
      op.index + op.length === last.index &&
      JSON.stringify(op.attrs) === JSON.stringify(last.attrs)
    ) {
      out[out.length - 1] = { ...last, index: op.index, length: last.length + op.length };
    } else out.push(op);
  }
  return out;
};

/** Where typed text goes, and with which attributes, or why it may not. */
const insertion = (runs: Run[], at: number, typist: Typist, id: () => string): { attrs: Attrs } | { refused: string } => {
  const left = attrsAt(runs, at - 1);
  const right = attrsAt(runs, at);
  const leftIns = insOf(left ?? undefined);
  const rightIns = insOf(right ?? undefined);
  if (leftIns && leftIns === rightIns && typist.owner(leftIns) !== "mine")
    return {
      refused: `You are inside ${typist.proposerOf(leftIns)}'s bracket: type before or after it, or object to it.`,
    };
  if (typist.mode === "base") {
    if (leftIns && leftIns === rightIns) return { attrs: explicit({ [INS]: leftIns }, left) };
    return { attrs: explicit({}, left) };
  }
  return { attrs: explicit({ [INS]: id() }, left) };
};

export function plan(runs: Run[], intent: Intent, typist: Typist): Plan {
  const { start, end, text } = intent;
  const total = textLength(runs);
  if (start < 0 || end > total || start > end) return { refused: "The caret is out of step; try again." };
  if (!text && start === end) return { ops: [], caret: start };
  let chosen: string | null = null;
  const amendmentId = (): string => {
    chosen ??= nearbyOwn(runs, start, end, typist) ?? typist.newId();
    return chosen;
  };
  const removed = start < end ? deletion(runs, start, end, typist, amendmentId) : { ops: [], kept: 0 };
  if ("refused" in removed) return removed;
  if (!text) {
    const caret = intent.backward ? start : start + removed.kept;
    return { ops: removed.ops, caret };
  }
  // Text replacing a range goes after what stays of it (struck base text), so a replacement
  // reads "[~~old~~ new]" and shares one amendment id.
  const at = start + removed.kept;
  const after = applyOps(runs, removed.ops);
  const placed = insertion(after, at, typist, amendmentId);
  if ("refused" in placed) return placed;
  const ops: Op[] = [...removed.ops, { type: "insert", index: at, text, attrs: placed.attrs }];
  return { ops, caret: at + text.length };
}

/** The runs after `ops` (for planning a step on top of earlier ones, and for tests). */
export function applyOps(runs: Run[], ops: Op[]): Run[] {
  let chars: { c: string; attrs: Attrs }[] = [];
  for (const run of runs) {
    // one entry per UTF-16 unit, so that indices match Yjs
    for (let i = 0; i < run.insert.length; i++) chars.push({ c: run.insert[i] ?? "", attrs: run.attributes ?? {} });
  }
  for (const op of ops) {
    if (op.type === "delete") chars.splice(op.index, op.length);
    else if (op.type === "insert") {
      const attrs: Attrs = {};
      for (const [k, v] of Object.entries(op.attrs)) if (v !== null && v !== undefined) attrs[k] = v;
      const added = Array.from({ length: op.text.length }, (_, i) => ({ c: op.text[i] ?? "", attrs }));
      chars = [...chars.slice(0, op.index), ...added, ...chars.slice(op.index)];
    } else {
      for (let i = op.index; i < op.index + op.length; i++) {
        const cur = chars[i];
        if (!cur) continue;
        const attrs: Attrs = { ...cur.attrs };
        for (const [k, v] of Object.entries(op.attrs)) {
          if (v === null || v === undefined) delete attrs[k];
          else attrs[k] = v;
        }
        chars[i] = { c: cur.c, attrs };
      }
    }
  }
  const out: Run[] = [];
  for (const ch of chars) {
    const last = out[out.length - 1];
    if (last && JSON.stringify(last.attributes ?? {}) === JSON.stringify(ch.attrs)) last.insert += ch.c;
    else out.push(Object.keys(ch.attrs).length ? { insert: ch.c, attributes: ch.attrs } : { insert: ch.c });
  }
  return out;
}
