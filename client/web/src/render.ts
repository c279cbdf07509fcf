// The compilation view of one paragraph: its Y.Text runs as DOM whose text is exactly the Y.Text.
// Brackets and strike-through are CSS (pseudo-elements, borders), and each bracket's tag (proposer
// and supporters) is an empty, non-editable element drawn with `content: attr(data-tag)` — so a
// DOM offset counted over text nodes is a Y.Text index (UTF-16 units), in the editor and out.

import { type Run, delsOf, insOf } from "./plan";
import { hue } from "./live";

export interface TagInfo {
  proposer: string;
  supporters: string[];
}

/** The amendment a run belongs to, for bracketing: its insertion, else its first deletion mark. */
const primary = (run: Run | undefined): string | null => {
  if (!run) return null;
  return insOf(run.attributes) ?? delsOf(run.attributes)[0] ?? null;
};

export function renderRuns(runs: Run[], tagOf: (id: string) => TagInfo): DocumentFragment {
  const out = document.createDocumentFragment();
  runs.forEach((run, i) => {
    const span = document.createElement("span");
    const id = primary(run);
    span.textContent = run.insert;
    if (id) {
      const info = tagOf(id);
      const ins = insOf(run.attributes);
      const dels = delsOf(run.attributes);
      span.className = ins ? "run ins" : "run del";
      span.dataset["amendment"] = id;
      span.style.setProperty("--h", String(hue(info.proposer)));
      if (!ins && dels.length > 1) span.title = `Proposed for deletion by ${dels.map((d) => tagOf(d).proposer).join(", ")}`;
      if (primary(runs[i - 1]) !== id) span.dataset["open"] = "";
      const closes = primary(runs[i + 1]) !== id;
      out.append(span);
      if (closes) {
        span.dataset["close"] = "";
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.contentEditable = "false";
        tag.dataset["tag"] = [info.proposer, ...info.supporters].join(",");
        tag.style.setProperty("--h", String(hue(info.proposer)));
        out.append(tag);
      }
      return;
    }
    span.className = "run";
    out.append(span);
  });
  return out;
}

/** The clean text: base text only (what would be adopted now), pending insertions left out. */
export function cleanText(runs: Run[]): string {
  return runs
    .filter((run) => !insOf(run.attributes))
    .map((run) => run.insert)
    .join("");
}

/** The text an amendment inserts and the text it marks for deletion, for its description. */
export function amendmentText(runs: Run[], id: string): { inserted: string; deleted: string } {
  let inserted = "";
  let deleted = "";
  for (const run of runs) {
    if (insOf(run.attributes) === id) inserted += run.insert;
    else if (delsOf(run.attributes).includes(id)) deleted += run.insert;
  }
  return { inserted, deleted };
}

// -- DOM offsets ↔ Y.Text indices -------------------------------------------------------------

/** The Y.Text index of a DOM position inside `root` (text nodes only count). */
export function indexAt(root: Node, node: Node, offset: number): number {
  const range = document.createRange();
  range.setStart(root, 0);
  try {
    range.setEnd(node, offset);
  } catch {
    return 0;
  }
  return range.toString().length;
}

/** The DOM position of a Y.Text index: the end of a text node when at a boundary (so the caret
 * stays inside the bracket one was typing in). */
export function positionAt(root: Node, index: number): { node: Node; offset: number } {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let left = index;
  let last: Text | null = null;
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    const length = node.data.length;
    if (left <= length) return { node, offset: left };
    left -= length;
    last = node;
  }
  if (last) return { node: last, offset: last.data.length };
  return { node: root, offset: 0 };
}
