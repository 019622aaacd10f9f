/*
 * The gate's rules for offline use: identification from the gate-state snapshot and the same
 * decision table as frontline/checkpoints/policy.py (keep the two in step). Pure functions; the
 * screen (gate.js) calls them only when the server cannot be reached.
 */
(function (global) {
  "use strict";

  /* ---- offline matching: the snapshot holds no hash of an ID number or phone (issue 8, hole 4),
     only the last four of each (as every mask shows them); the staff pick by masked name and room,
     and the server identifies the typed value again when the passage syncs. ---- */
  function byTail(state, field, tail, method) {
    const found = tail ? state.residents.filter((x) => x[field] === tail) : [];
    if (found.length === 1) return residentIdent(state, method, found[0]);
    return found.length ? { status: "choose", method, candidates: found.slice(0, 8) } : { status: "unknown", method };
  }

  /* The name mask, as frontline.core.personal.mask_name (a test keeps the two equal): 曾小明 → 曾*明. */
  function maskName(name) {
    const chars = Array.from(String(name || "").trim());
    if (chars.length <= 1) return chars.join("");
    if (chars.length === 2) return chars[0] + "*";
    return chars[0] + "*".repeat(chars.length - 2) + chars[chars.length - 1];
  }

  /* A typed full name fits a masked one (曾小明 fits 曾*明): same length, same visible characters. */
  function fitsMask(masked, typed) {
    if (!masked || masked.length !== typed.length || typed.length < 2) return false;
    return Array.from(masked).every((ch, i) => ch === "*" || ch === typed[i]);
  }

  /* ---- input cleaning, as frontline.core.idnumber / phones ---- */
  const FULLWIDTH = "０１２３４５６７８９ＸｘＸ";
  const ASCII = "0123456789XXX";
  function cleanRaw(raw) {
    let s = "";
    for (const ch of String(raw || "")) { const i = FULLWIDTH.indexOf(ch); s += i >= 0 ? ASCII[i] : ch; }
    return s.replace(/[\s\u3000-]/g, "").toUpperCase();
  }

  const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const CHECK = "10X98765432";
  function checkDigit(first17) { let s = 0; for (let i = 0; i < 17; i++) s += Number(first17[i]) * WEIGHTS[i]; return CHECK[s % 11]; }

  /* Returns {number} or {error: "format"|"date"|"check", expected}. */
  function parseIdNumber(raw) {
    let n = cleanRaw(raw);
    if (/^\d{15}$/.test(n)) { const f = n.slice(0, 6) + "19" + n.slice(6); n = f + checkDigit(f); }
    if (!/^\d{17}[\dX]$/.test(n)) return { error: "format" };
    const y = Number(n.slice(6, 10)), m = Number(n.slice(10, 12)), d = Number(n.slice(12, 14));
    const date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1880 || date > new Date()) {
      return { error: "date" };
    }
    const expected = checkDigit(n.slice(0, 17));
    if (n[17] !== expected) return { error: "check", expected };
    return { number: n };
  }

  function normalisePhone(raw) {
    let t = String(raw || "").replace(/[\s\u3000\-()（）]/g, "").replace(/^(\+86|0086)/, "");
    return /^(1[3-9]\d{9}|0\d{9,11}|\d{7,8})$/.test(t) ? t : null;
  }

  /* The readable (unverified) payload of a Frontline token: offline we can read, not trust. */
  function readToken(raw) {
    const m = /^(FLR1|FLP1|FLV1)\.([^:]+):/.exec(String(raw || "").trim());
    if (!m || m[2].startsWith(".")) return null;
    try {
      const b64 = m[2].replace(/-/g, "+").replace(/_/g, "/");
      const json = decodeURIComponent(escape(atob(b64 + "===".slice((b64.length + 3) % 4))));
      return { kind: m[1], payload: JSON.parse(json) };
    } catch (e) {
      return { kind: m[1], payload: null };
    }
  }

  /* ---- time in the server's zone (the snapshot says its UTC offset) ---- */
  function localParts(state, when) {
    const offset = (state.gate && state.gate.utc_offset_minutes) || 0;
    const t = new Date(when.getTime() + offset * 60000);
    return { date: t.toISOString().slice(0, 10), minutes: t.getUTCHours() * 60 + t.getUTCMinutes() };
  }
  function daysBetween(a, b) { return Math.round((Date.parse(b + "T00:00:00Z") - Date.parse(a + "T00:00:00Z")) / 86400000); }
  function addDays(day, n) { return new Date(Date.parse(day + "T00:00:00Z") + n * 86400000).toISOString().slice(0, 10); }
  function hm(text) { const [h, m] = text.split(":").map(Number); return h * 60 + m; }

  function gateOpen(state, now) {
    const g = state.gate;
    if (!g.opens_at) return true;
    const t = localParts(state, now).minutes, o = hm(g.opens_at), c = hm(g.closes_at);
    return o < c ? (t >= o && t < c) : (t >= o || t < c);
  }

  function inForce(from, until, now) { return new Date(from) <= now && (!until || new Date(until) > now); }

  function policyFor(state, path, now) {
    let best = null;
    for (const p of state.policies) {
      if (!path.startsWith(p.path) || !inForce(p.from, p.until, now)) continue;
      if (!best || p.depth > best.depth || (p.depth === best.depth && new Date(p.from) > new Date(best.from))) best = p;
    }
    return best;
  }

  function periodStart(state, policy, now) {
    const day = localParts(state, now).date;
    return addDays(policy.anchor, Math.floor(daysBetween(policy.anchor, day) / policy.d) * policy.d);
  }

  function quotaEntry(state, householdId, policy, now, create) {
    const period = periodStart(state, policy, now);
    let entry = state.quotas.find((q) => q.h === householdId && q.policy === policy.id && q.period === period);
    if (!entry && create) { entry = { h: householdId, policy: policy.id, period, people: [] }; state.quotas.push(entry); }
    return entry;
  }

  /* ---- identification from the snapshot ---- */
  function byId(state) {
    if (!state._residents) {
      state._residents = new Map(state.residents.map((r) => [r.id, r]));
      state._households = new Map(state.households.map((h) => [h.id, h]));
    }
    return state;
  }

  function residentIdent(state, method, r) {
    return { status: "resident", method, resident: r, household: state._households.get(r.h) };
  }

  function identify(state, raw, residentId, now) {
    byId(state);
    const value = String(raw || "").trim();
    const token = readToken(value);
    if (token && token.kind === "FLP1") {
      const pay = token.payload || {};
      const pass = state.passes.find((p) => p.id === pay.p);
      if (!token.payload) return { status: "refused", method: "pass_qr", rule: "qr_invalid" };
      if (pass && pass.revoked) return { status: "refused", method: "pass_qr", rule: "pass_revoked", message: pass.revoke_reason };
      const until = pass ? new Date(pass.until) : new Date((pay.u || 0) * 1000);
      if (until <= now) return { status: "refused", method: "pass_qr", rule: "pass_expired" };
      const household = state._households.get(pay.h);
      if (!household) return { status: "refused", method: "pass_qr", rule: "pass_other_compound" };
      const members = state.residents.filter((r) => r.h === household.id);
      const chosen = members.find((r) => r.id === residentId) || (members.length === 1 ? members[0] : null);
      const warning = pass ? "" : "pass_unknown";
      if (chosen) return { ...residentIdent(state, "pass_qr", chosen), members, warning };
      return { status: "choose_member", method: "pass_qr", household, members, warning };
    }
    if (residentId && state._residents.has(residentId)) return residentIdent(state, "name", state._residents.get(residentId));
    if (!value) return { status: "unknown", method: "" };
    if (token) {
      if (!token.payload || token.kind !== "FLR1") return { status: "refused", method: "resident_qr", rule: "qr_invalid" };
      if (token.payload.e && token.payload.e * 1000 <= now.getTime()) return { status: "refused", method: "resident_qr", rule: "qr_expired" };
      const r = state._residents.get(token.payload.r);
      return r ? residentIdent(state, "resident_qr", r) : { status: "unknown", method: "resident_qr" };
    }
    const cleaned = cleanRaw(value);
    if (/^\d{13,}[\dX]$/.test(cleaned) && !cleaned.startsWith("0086")) {
      const parsed = parseIdNumber(value);
      if (parsed.error) return { status: "error", method: "id_number", error: parsed.error, expected: parsed.expected };
      return byTail(state, "it", parsed.number.slice(-4), "id_number");
    }
    const phone = /^[+\d][\d\s\-()]*$/.test(value) && value.replace(/\D/g, "").length >= 11 ? normalisePhone(value) : null;
    if (phone) {
      return byTail(state, "t", phone.slice(-4), "phone");
    }
    let found;
    if (/^\d{4}$/.test(cleaned)) found = state.residents.filter((x) => x.t === cleaned);
    else {
      const key = /^[\x00-\x7f]+$/.test(value) ? value.toLowerCase().replace(/[^a-z]/g, "") : value.replace(/\s/g, "");
      found = key ? state.residents.filter((x) => x.k.some((k) => k.startsWith(key)) || fitsMask(x.n, key)) : [];
    }
    if (found.length === 1) return residentIdent(state, "name", found[0]);
    return found.length ? { status: "choose", method: "name", candidates: found.slice(0, 8) } : { status: "unknown", method: "name" };
  }

  /* ---- the decision table (policy.py) ---- */
  const FEVER = 37.3;

  function parseTemperature(text) {
    if (text === null || text === undefined || String(text).trim() === "") return { value: null };
    const t = Number(String(text).trim().replace(",", ".").replace("℃", "").replace("°C", ""));
    if (!Number.isFinite(t) || t < 34 || t > 43) return { error: true };
    return { value: Math.round(t * 10) / 10 };
  }

  function healthRefusal(checks) {
    return checks.health_code === "red" || checks.health_code === "yellow" ? { allowed: false, rule: "health_code" } : null;
  }

  function feverRefusal(checks, now, firstTemperature) {
    if (checks.temperature === null || checks.temperature < FEVER) return null;
    if (firstTemperature !== null && firstTemperature !== undefined) return { allowed: false, rule: "fever_confirmed" };
    return { allowed: false, rule: "fever", remeasure_after: new Date(now.getTime() + 5 * 60000) };
  }

  function decideResident(state, resident, direction, checks, now, firstTemperature) {
    const household = state._households.get(resident.h);
    const policy = policyFor(state, household.path, now);
    const mode = policy ? policy.mode : "normal";
    const kinds = direction === "out"
      ? state.exemptions.filter((e) => e.r === resident.id && inForce(e.from, e.until, now)).map((e) => e.kind) : [];
    const isolated = direction === "out" && state.isolations.some((i) => i.r === resident.id && inForce(i.start, i.end, now));
    if (!gateOpen(state, now) && !kinds.includes("emergency")) return { allowed: false, rule: "gate_closed" };
    if (direction === "in") {
      return feverRefusal(checks, now, firstTemperature) || healthRefusal(checks) || { allowed: true, rule: "return_home" };
    }
    const health = healthRefusal(checks);
    if (health) return health;
    if (isolated && !kinds.includes("emergency")) return { allowed: false, rule: "home_isolation", offer_errand: true };
    if ((mode === "sealed" || mode === "controlled") && kinds.length) return { allowed: true, rule: "exemption", detail: kinds.join(", ") };
    if (mode === "sealed") return { allowed: false, rule: "sealed" };
    if (mode === "controlled") {
      const entry = quotaEntry(state, household.id, policy, now, false);
      const people = entry ? entry.people : [];
      if (people.includes(resident.id)) return { allowed: true, rule: "quota_same_person", quota: policy };
      if (people.length < policy.n) return { allowed: true, rule: "quota", quota: policy };
      return { allowed: false, rule: "quota_exhausted" };
    }
    return { allowed: true, rule: "normal" };
  }

  function decideVisitor(state, kind, direction, checks, now, firstTemperature) {
    if (direction === "out") return { allowed: true, rule: kind };
    if (!gateOpen(state, now)) return { allowed: false, rule: "gate_closed" };
    const refusal = feverRefusal(checks, now, firstTemperature) || healthRefusal(checks);
    if (refusal) return refusal;
    if (checks.travel_risk) return { allowed: false, rule: "travel_risk" };
    const policy = policyFor(state, state.gate.compound_path, now);
    const mode = policy ? policy.mode : "normal";
    if (mode === "sealed" || (mode === "controlled" && kind === "visitor")) return { allowed: false, rule: "no_visitors" };
    return { allowed: true, rule: kind };
  }

  /* After an offline exit under the quota: remember it, so the next offline decision counts it. */
  function noteQuotaUse(state, resident, decision, now) {
    if (!decision.allowed || !decision.quota) return;
    const entry = quotaEntry(state, resident.h, decision.quota, now, true);
    if (!entry.people.includes(resident.id)) entry.people.push(resident.id);
  }

  global.GateRules = {
    maskName, parseIdNumber, readToken, identify, decideResident, decideVisitor, parseTemperature,
    noteQuotaUse, policyFor, gateOpen,
  };
})(window);
