// The roster (GET /api/delegations): who is in the room, with constituency — used to show
// supporters and objectors grouped by constituency ("Member States: BRA, ZAF · Civil society: APC").

import { api } from "./api";

export interface Delegate {
  code: string;
  name: string;
  role: string;
  constituency: string;
}

export type Roster = Map<string, Delegate>;

export const CONSTITUENCIES: [string, string][] = [
  ["member_state", "Member States"],
  ["civil_society", "Civil society"],
  ["business", "Business"],
  ["technical_academic", "Technical & academic"],
  ["intergovernmental", "Intergovernmental"],
];

export async function loadRoster(): Promise<Roster> {
  try {
    const { delegations } = await api<{ delegations: Delegate[] }>("GET", "/api/delegations");
    return new Map(delegations.map((d) => [d.code, d]));
  } catch {
    return new Map(); // codes are still shown, ungrouped
  }
}

/** Codes grouped by constituency, in the usual order; unknown codes last, as "Other". */
export function groupByConstituency(codes: string[], roster: Roster): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const code of codes) {
    const key = roster.get(code)?.constituency ?? "";
    const list = groups.get(key) ?? [];
    list.push(code);
    groups.set(key, list);
  }
  const out: [string, string[]][] = [];
  for (const [key, label] of CONSTITUENCIES) {
    const list = groups.get(key);
    if (list) out.push([label, list]);
    groups.delete(key);
  }
  const rest = [...groups.values()].flat();
  if (rest.length) out.push([roster.size ? "Other" : "", rest]);
  return out;
}

/** "Member States: BRA, ZAF · Civil society: APC" (or just the codes without a roster). */
export function groupedText(codes: string[], roster: Roster): string {
  return groupByConstituency(codes, roster)
    .map(([label, list]) => (label ? `${label}: ${list.join(", ")}` : list.join(", ")))
    .join(" · ");
}
