// A small word-level diff (longest common subsequence over words and spaces), for the redline
// preview of "propose by rewriting". The server computes the real amendments (diff-match-patch
// with semantic cleanup); this only shows the member what the rewrite will propose.

export type Part = { kind: "same" | "ins" | "del"; text: string };

const words = (s: string): string[] => s.match(/\s+|[^\s]+/gu) ?? [];

export function wordDiff(before: string, after: string): Part[] {
  const a = words(before);
  const b = words(after);
  const n = a.length;
  const m = b.length;
  // LCS table, bottom-up; paragraphs are short (hundreds of words at most)
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint16Array;
    const next = lcs[i + 1] as Uint16Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const parts: Part[] = [];
  const push = (kind: Part["kind"], text: string): void => {
    const last = parts[parts.length - 1];
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      push("same", a[i] ?? "");
      i++;
      j++;
    } else if ((lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)) push("del", a[i++] ?? "");
    else push("ins", b[j++] ?? "");
  }
  while (i < n) push("del", a[i++] ?? "");
  while (j < m) push("ins", b[j++] ?? "");
  return parts;
}

export function redline(parts: Part[]): DocumentFragment {
  const out = document.createDocumentFragment();
  for (const part of parts) {
    const el = document.createElement(part.kind === "same" ? "span" : part.kind);
    el.textContent = part.text;
    out.append(el);
  }
  return out;
}
