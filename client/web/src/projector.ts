// The projector (`/project?draft=…`): the paragraph under negotiation in large type, following
// the Chair's focus (awareness, stamped by the server), brackets readable from the back of the
// room, the silence countdown and the speaker's time. Read-only; signed in with any token.

import { humanMessage } from "./api";
import { amendments, connect, hue, meta, paragraphs, speakers } from "./live";
import type { Run } from "./plan";
import { renderRuns } from "./render";
import { chooseDraft, signIn, signInScreen } from "./session";
import { countdown, h, tickCountdowns } from "./ui";

const STATUS: Record<string, string> = {
  open: "Under negotiation",
  under_silence: "Under silence",
  agreed_ad_ref: "Agreed ad ref",
  agreed: "Agreed",
};

async function project(root: HTMLElement): Promise<void> {
  try {
    if (!(await signIn())) {
      signInScreen(root, "Open the projector with a sign-in link (…/project/?draft=…&token=…).");
      return;
    }
  } catch (error) {
    signInScreen(root, humanMessage(error));
    return;
  }
  const draftId = await chooseDraft();
  if (!draftId) {
    signInScreen(root, "There is no draft on this server yet.");
    return;
  }
  const live = connect(draftId);
  const { doc, provider } = live;
  provider.awareness.setLocalState(null); // the projector is not a participant in the room
  let scheduled = false;
  let lastKey = "";

  const chairFocus = (): string | null => {
    let found: string | null = null;
    provider.awareness.getStates().forEach((state) => {
      const d = state["delegation"] as { role?: string } | undefined;
      if (d?.role === "chair" && typeof state["focus"] === "string") found = state["focus"];
    });
    return found;
  };

  const render = (): void => {
    scheduled = false;
    const ps = paragraphs(doc);
    const focus = chairFocus();
    const current = ps.find((p) => p.id === focus) ?? ps.find((p) => p.status !== "agreed") ?? ps[0];
    const all = amendments(doc);
    const m = meta(doc);
    const s = speakers(doc);
    const runs = (current?.text.toDelta() ?? []) as Run[];
    const key = JSON.stringify([current?.id, current?.status, current?.silence_deadline, current?.ad_ref_pending, runs, [...all.values()], m, s, ps.map((p) => p.status)]);
    if (key === lastKey) return;
    lastKey = key;
    const tagOf = (id: string) => {
      const a = all.get(id);
      return { proposer: a?.proposer ?? "…", supporters: a?.supporters ?? [] };
    };
    const agreed = ps.filter((p) => p.status === "agreed").length;
    const header = h(
      "header",
      { class: "proj-head" },
      h("span", { class: "symbol" }, m.symbol),
      h("span", { class: "progress" }, `${agreed} of ${ps.length} paragraphs agreed`),
      s.floor ? h("span", { class: "floor" }, h("b", { class: "chip", style: `--h:${hue(s.floor)}` }, s.floor), " has the floor ", s.floor_ends ? countdown(s.floor_ends) : "") : "",
    );
    const body = h("main", { class: "proj-main", "aria-live": "polite" });
    if (current) {
      const head = h("div", { class: "proj-label" }, h("span", { class: "label" }, current.label), h("span", { class: `badge ${current.status}` }, STATUS[current.status] ?? current.status));
      if (current.status === "under_silence" && current.silence_deadline) head.append(h("span", { class: "silence" }, "Silence ends in ", countdown(current.silence_deadline)));
      if (current.status === "agreed_ad_ref") head.append(h("span", { class: "adref" }, `pending ${current.ad_ref_pending.join(", ")}`));
      const text = h("div", { class: `proj-text status-${current.status}`, dir: "auto", "data-paragraph": current.id });
      text.append(renderRuns(runs, tagOf));
      body.append(head, text);
    }
    root.replaceChildren(header, body);
  };
  const refresh = (): void => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(render);
  };
  doc.on("update", refresh);
  provider.awareness.on("change", refresh);
  provider.on("sync", refresh);
  setInterval(tickCountdowns, 250);
  refresh();
}

const root = document.getElementById("app");
if (root) void project(root);
