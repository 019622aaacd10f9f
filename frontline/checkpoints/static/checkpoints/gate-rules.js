/*
 * The gate's rules for offline use: identification from the gate-state snapshot and the same
 * decision table as frontline/checkpoints/policy.py (keep the two in step). Pure functions; the
 * screen (gate.js) calls them only when the server cannot be reached.
 */
(function (global) {
  "use strict";

  /* ---- SHA-256 (synchronous; crypto.subtle is missing on plain-http pages) ---- */
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256hex(text) {
    const bytes = new TextEncoder().encode(text);
    const len = bytes.length;
    const total = ((len + 9 + 63) >> 6) << 6;
    const buf = new Uint8Array(total);
    buf.set(bytes);
    buf[len] = 0x80;
    const view = new DataView(buf.buffer);
    view.setUint32(total - 4, (len * 8) >>> 0);
    view.setUint32(total - 8, Math.floor(len / 0x20000000));
    const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
  }

  function salted(salt, value) { return value ? sha256hex(`${salt}:${value}`).slice(0, 20) : ""; }

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
      const hash = salted(state.salt, parsed.number);
      const r = state.residents.find((x) => x.i === hash);
      return r ? residentIdent(state, "id_number", r) : { status: "unknown", method: "id_number" };
    }
    const phone = /^[+\d][\d\s\-()]*$/.test(value) && value.replace(/\D/g, "").length >= 11 ? normalisePhone(value) : null;
    if (phone) {
      const hash = salted(state.salt, phone);
      const found = state.residents.filter((x) => x.p === hash);
      if (found.length === 1) return residentIdent(state, "phone", found[0]);
      return found.length ? { status: "choose", method: "phone", candidates: found } : { status: "unknown", method: "phone" };
    }
    let found;
    if (/^\d{4}$/.test(cleaned)) found = state.residents.filter((x) => x.t === cleaned);
    else {
      const key = /^[\x00-\x7f]+$/.test(value) ? value.toLowerCase().replace(/[^a-z]/g, "") : value.replace(/\s/g, "");
      found = key ? state.residents.filter((x) => x.k.some((k) => k.startsWith(key))) : [];
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
    sha256hex, salted, parseIdNumber, readToken, identify, decideResident, decideVisitor, parseTemperature,
    noteQuotaUse, policyFor, gateOpen,
  };
})(window);
