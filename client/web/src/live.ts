// The live document: a Y.Doc synced over y-websocket (cookie-authenticated), the server's notices
// (message type 100) and the connection status, plus typed readers of the schema (README "Live
// document schema").

import * as decoding from "lib0/decoding";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

export const NOTICE = 100;

export interface Notice {
  type: "rejected" | "event";
  code?: string;
  reason?: string;
  paragraph?: string;
  event?: string;
  actor?: string;
  seq?: number;
}

export type Status = "connecting" | "connected" | "disconnected";

export interface Live {
  doc: Y.Doc;
  provider: WebsocketProvider;
  onNotice: (handler: (notice: Notice) => void) => void;
}

export function connect(draftId: string): Live {
  const doc = new Y.Doc();
  const server = location.origin.replace(/^http/, "ws") + "/drafts";
  const provider = new WebsocketProvider(server, `${draftId}/sync`, doc, { connect: false });
  const handlers: ((notice: Notice) => void)[] = [];
  provider.messageHandlers[NOTICE] = (_encoder, decoder) => {
    const body = decoding.readVarUint8Array(decoder);
    let notice: Notice;
    try {
      notice = JSON.parse(new TextDecoder().decode(body)) as Notice;
    } catch {
      return;
    }
    for (const handler of handlers) handler(notice);
  };
  provider.connect();
  return { doc, provider, onNotice: (handler) => handlers.push(handler) };
}

// -- reading the schema -------------------------------------------------------------------------

export type ParagraphStatus = "open" | "under_silence" | "agreed_ad_ref" | "agreed";

export interface Paragraph {
  id: string;
  label: string;
  kind: string;
  status: ParagraphStatus;
  text: Y.Text;
  proposal: string | null;
  alternative_to: string | null;
  silence_deadline: string | null;
  ad_ref_pending: string[];
  map: Y.Map<unknown>;
}

export interface Amendment {
  id: string;
  paragraph: string;
  proposer: string;
  kind: string;
  status: "pending" | "accepted" | "rejected" | "withdrawn";
  supporters: string[];
  objections: string[];
  created: string | null;
  contribution: string | null;
}

export interface Objection {
  id: string;
  target: string;
  delegation: string;
  reason: string;
  status: "outstanding" | "withdrawn" | "closed";
}

export interface Reservation {
  id: string;
  target: string;
  delegation: string;
  text: string;
}

export interface Contribution {
  id: string;
  delegation: string;
  text: string;
  paragraph: string | null;
  status: "submitted" | "taken_up";
  amendment: string | null;
  submitted: string | null;
}

const str = (value: unknown): string => (typeof value === "string" ? value : "");
const strOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

export function paragraphs(doc: Y.Doc): Paragraph[] {
  const out: Paragraph[] = [];
  for (const item of doc.getArray("paragraphs").toArray()) {
    if (!(item instanceof Y.Map)) continue;
    const text = item.get("text");
    if (!(text instanceof Y.Text)) continue;
    out.push({
      id: str(item.get("id")),
      label: str(item.get("label")),
      kind: str(item.get("kind")),
      status: (str(item.get("status")) || "open") as ParagraphStatus,
      text,
      proposal: strOrNull(item.get("proposal")),
      alternative_to: strOrNull(item.get("alternative_to")),
      silence_deadline: strOrNull(item.get("silence_deadline")),
      ad_ref_pending: list(item.get("ad_ref_pending")),
      map: item as Y.Map<unknown>,
    });
  }
  return out;
}

const records = <T>(doc: Y.Doc, name: string, read: (m: Y.Map<unknown>, id: string) => T): Map<string, T> => {
  const out = new Map<string, T>();
  doc.getMap(name).forEach((value, key) => {
    if (value instanceof Y.Map) out.set(key, read(value as Y.Map<unknown>, key));
  });
  return out;
};

export const amendments = (doc: Y.Doc): Map<string, Amendment> =>
  records(doc, "amendments", (m, id) => ({
    id,
    paragraph: str(m.get("paragraph")),
    proposer: str(m.get("proposer")),
    kind: str(m.get("kind")),
    status: (str(m.get("status")) || "pending") as Amendment["status"],
    supporters: list(m.get("supporters")),
    objections: list(m.get("objections")),
    created: strOrNull(m.get("created")),
    contribution: strOrNull(m.get("contribution")),
  }));

export const objections = (doc: Y.Doc): Map<string, Objection> =>
  records(doc, "objections", (m, id) => ({
    id,
    target: str(m.get("target")),
    delegation: str(m.get("delegation")),
    reason: str(m.get("reason")),
    status: (str(m.get("status")) || "outstanding") as Objection["status"],
  }));

export const reservations = (doc: Y.Doc): Map<string, Reservation> =>
  records(doc, "reservations", (m, id) => ({
    id,
    target: str(m.get("target")),
    delegation: str(m.get("delegation")),
    text: str(m.get("text")),
  }));

export const contributions = (doc: Y.Doc): Map<string, Contribution> =>
  records(doc, "contributions", (m, id) => ({
    id,
    delegation: str(m.get("delegation")),
    text: str(m.get("text")),
    paragraph: strOrNull(m.get("paragraph")),
    status: (str(m.get("status")) || "submitted") as Contribution["status"],
    amendment: strOrNull(m.get("amendment")),
    submitted: strOrNull(m.get("submitted")),
  }));

export interface Speakers {
  queue: string[];
  floor: string | null;
  floor_started: string | null;
  floor_ends: string | null;
}

export function speakers(doc: Y.Doc): Speakers {
  const m = doc.getMap("speakers");
  return {
    queue: list(m.get("queue")),
    floor: strOrNull(m.get("floor")),
    floor_started: strOrNull(m.get("floor_started")),
    floor_ends: strOrNull(m.get("floor_ends")),
  };
}

export interface Meta {
  title: string;
  symbol: string;
  state: string;
}

export function meta(doc: Y.Doc): Meta {
  const m = doc.getMap("meta");
  return { title: str(m.get("title")), symbol: str(m.get("symbol")), state: str(m.get("state")) };
}

/** A stable, readable colour per delegation code (hue from a hash), for brackets and chips. */
export function hue(code: string): number {
  let h = 0;
  for (const c of code) h = (h * 31 + c.charCodeAt(0)) % 360;
  return (h * 7) % 360;
}
