/*
 * The gate screen. Online: the server identifies (preview) and decides (POST /passages, with a
 * client id). When the server cannot be reached, the screen identifies and decides from the last
 * synced gate state (GateRules) and hands the passage, marked with its offline decision, to the
 * shared FrontlineQueue, which syncs it later exactly once.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("gate-config").textContent);
  const T = JSON.parse(document.getElementById("gate-strings").textContent);
  const $ = (id) => document.getElementById(id);
  const csrf = (() => {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { /* fall through */ }
    return (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  })();
  const STATE_KEY = `frontline-gate-state-${cfg.gate}`;
  const ONLINE_TIMEOUT_MS = 5000;

  let state = loadState();
  let current = null;  // the person on screen: {value, direction, ident, decision, offline, residentId}
  let lastFever = null;  // {clientId, passageId, at, residentId, visitor} for the re-measure
  let lastPassage = null;

  const queue = new FrontlineQueue({
    name: `gate-${cfg.gate}`, endpoint: cfg.batch_url, csrfToken: csrf, batchSize: 200,
    onChange: renderStatus, onResult: onQueueResult,
  });

  /* ---------- small helpers ---------- */
  function loadState() {
    try { return JSON.parse(localStorage.getItem(STATE_KEY) || "null"); } catch (e) { return null; }
  }
  function saveState() {
    if (!state) return;
    try { localStorage.setItem(STATE_KEY, JSON.stringify(state, (k, v) => (k.startsWith("_") ? undefined : v))); } catch (e) { /* full */ }
  }
  function show(el, on) { el.hidden = !on; }
  function text(el, value) { el.textContent = value == null ? "" : String(value); }
  function direction() { return document.querySelector("input[name=direction]:checked").value; }
  function healthCode() { return (document.querySelector("input[name=health_code]:checked") || { value: "" }).value; }
  function checks() {
    return { health_code: healthCode(), travel_risk: $("travel-risk").checked, temperature: $("temperature").value.trim() };
  }
  function message(msg, kind) {
    const box = $("message");
    text(box, msg);
    box.dataset.kind = kind || "info";
    show(box, !!msg);
  }
  function ruleLabel(rule) { return cfg.rules[rule] || rule; }
  function hhmm(when) { const d = new Date(when); return d.toTimeString().slice(0, 5); }

  async function postJSON(url, body, timeoutMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs || ONLINE_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        method: "POST", credentials: "same-origin", signal: controller.signal,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body),
      });
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      return { status: response.status, data };
    } finally { clearTimeout(timer); }
  }

  /* ---------- the gate state (offline snapshot) ---------- */
  async function refreshState() {
    if (await queue.pending()) return;  // keep local quota use until the queue has synced
    try {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 15000);
      const response = await fetch(cfg.state_url, { credentials: "same-origin", signal: controller.signal });
      clearTimeout(timer);
      if (!response.ok) return;
      state = await response.json();
      saveState();
      fillHosts();
      renderStatus(queue.state);
    } catch (e) { /* offline: keep the last one */ }
  }

  function fillHosts() {
    const select = $("visitor-host");
    if (!state || select.dataset.filled === state.generated_at) return;
    select.length = 1;
    for (const h of state.households) select.add(new Option(h.label, h.id));
    select.dataset.filled = state.generated_at;
  }

  function renderStatus(s) {
    const net = $("net");
    const online = s.online && !s.lastError;
    net.dataset.state = online ? "online" : "offline";
    text(net, online ? T.online : T.no_network);
    const pending = $("pending");
    text(pending, `${T.pending}: ${s.pending}`);
    show(pending, s.pending > 0);
    text($("snapshot-age"), state ? T.snapshot_age.replace("%s", hhmm(state.generated_at)) : T.no_snapshot);
    if (s.rejected) renderRejected();
    if (s.lastSync && s.lastSync !== lastSync && !s.syncing) { lastSync = s.lastSync; loadReview(); }
  }

  /* ---------- after an offline sync: passages the server would have decided otherwise ---------- */
  let lastSync = null;
  async function loadReview() {
    try {
      const response = await fetch(cfg.review_url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      renderReview(await response.json());
    } catch (e) { /* offline: keep the list as it is */ }
  }
  function renderReview(items) {
    const list = $("review");
    list.innerHTML = "";
    for (const item of items) {
      const li = document.createElement("li");
      li.dataset.passage = String(item.id);
      const line = document.createElement("span");
      text(line, T.review_line.replace("%(at)s", item.at).replace("%(who)s", item.who || "—")
        .replace("%(gate)s", item.rule_label).replace("%(server)s", item.server_rule_label));
      const seen = document.createElement("button");
      seen.type = "button";
      seen.textContent = T.review_seen;
      seen.addEventListener("click", async () => {
        try { await postJSON(`${cfg.passage_review_url}${item.id}/review`, { note: "" }); } catch (e) { return; }
        loadReview();
      });
      li.append(line, " ", seen);
      list.appendChild(li);
    }
    show($("review-box"), items.length > 0);
  }

  async function renderRejected() {
    const items = await queue.rejected();
    const list = $("rejected");
    list.innerHTML = "";
    for (const item of items) {
      const li = document.createElement("li");
      text(li, `${whoLabel(item, item.result && item.result.data)} — ${(item.result && item.result.message) || ""} `);
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.textContent = T.dismiss;
      dismiss.addEventListener("click", () => queue.dismissRejected(item.client_id).then(renderRejected));
      li.appendChild(dismiss);
      list.appendChild(li);
    }
    show($("rejected-box"), items.length > 0);
  }

  /* ---------- showing a person and a decision ---------- */
  function clearPerson() {
    current = null;
    ["person", "candidates", "decision", "record", "remeasure", "errand-box", "visitor-form"].forEach((id) => show($(id), false));
    message("");
  }

  function showPerson(name, idMasked, householdLabel, members, outNow) {
    text($("person-name"), name);
    text($("person-id"), idMasked || "");
    text($("person-household"), householdLabel ? `${T.household}: ${householdLabel}` : "");
    const list = $("members");
    list.innerHTML = "";
    for (const m of members || []) {
      const li = document.createElement("li");
      text(li, m.name + ((outNow || []).includes(m.id) ? ` · ${T.out_now}` : ""));
      list.appendChild(li);
    }
    show($("person"), true);
  }

  function showCandidates(people, onChoose) {
    const list = $("candidates");
    list.innerHTML = "";
    for (const p of people) {
      const button = document.createElement("button");
      button.type = "button";
      text(button, `${p.name} ${p.label || ""}`);
      button.addEventListener("click", () => onChoose(p.id));
      const li = document.createElement("li");
      li.appendChild(button);
      list.appendChild(li);
    }
    show(list, people.length > 0);
  }

  function showDecision(d, offline) {
    const box = $("decision");
    box.dataset.decision = d.decision;
    text($("decision-word"), d.decision === "allowed" ? T.allowed : T.refused);
    text($("decision-rule"), d.rule_label || ruleLabel(d.rule));
    text($("decision-reason"), d.reason || "");
    show($("decision-offline"), !!offline);
    show(box, true);
  }

  function offerFollowUps(d, residentId) {
    show($("errand-box"), !!d.offer_errand && !!residentId);
    const re = $("remeasure");
    if (d.rule === "fever" && d.remeasure_after) {
      const due = new Date(d.remeasure_after);
      text(re, T.remeasure_at.replace("%s", hhmm(due)));
      re.disabled = due > new Date();
      if (re.disabled) setTimeout(() => { re.disabled = false; text(re, T.remeasure); }, due - new Date());
      show(re, true);
    } else show(re, false);
  }

  /* ---------- identify ---------- */
  async function identify(residentId) {
    const value = $("scan").value.trim();
    const c = checks();
    const temp = GateRules.parseTemperature(c.temperature);
    if (temp.error) { message(`${c.temperature} °C ${T.bad_temperature}`, "error"); $("temperature").select(); return; }
    clearPerson();
    current = { value, direction: direction(), residentId: residentId || null };
    message(T.searching);
    try {
      const r = await postJSON(cfg.identify_url, { value, direction: current.direction, resident_id: residentId || null,
        health_code: c.health_code, travel_risk: c.travel_risk, temperature: c.temperature || null });
      if (r.status === 200) { message(""); return showServerIdent(r.data); }
      if (r.status >= 400 && r.status < 500) { message((r.data && r.data.message) || String(r.status), "error"); return; }
    } catch (e) { /* network: decide offline */ }
    message("");
    showLocalIdent(value, residentId);
  }

  function showServerIdent(data) {
    current.offline = false;
    current.ident = data;
    if (data.status === "error") { message(data.message, "error"); return; }
    if (data.status === "choose" || data.status === "choose_member") {
      message(data.status === "choose" ? T.choose : T.choose_member);
      const people = data.status === "choose" ? data.candidates : data.household.members;
      showCandidates(people, (id) => identify(id));
      return;
    }
    if (data.status === "unknown") { message(T.unknown); showVisitorForm(); return; }
    if (data.resident) {
      current.residentId = data.resident.id;
      showPerson(data.resident.name, data.resident.id_number, data.household && data.household.label,
        data.household && data.household.members, data.household && data.household.out_now);
    }
    if (data.preview) {
      current.decision = data.preview;
      showDecision(data.preview, false);
      showRecordButton(data.preview);
    }
  }

  function showLocalIdent(value, residentId) {
    current.offline = true;
    if (!state) { message(T.no_snapshot, "error"); return; }
    const now = new Date();
    const ident = GateRules.identify(state, value, residentId, now);
    current.ident = ident;
    if (ident.status === "error") {
      message(ident.error === "check" ? `${T.bad_id} (${ident.expected})` : T.id_format, "error");
      return;
    }
    if (ident.status === "refused") {
      current.decision = { decision: "refused", rule: ident.rule, reason: ident.message || "" };
      showDecision(current.decision, true);
      showRecordButton(current.decision);
      return;
    }
    if (ident.status === "choose" || ident.status === "choose_member") {
      message(ident.status === "choose" ? T.choose : T.choose_member);
      const people = (ident.candidates || ident.members).map((r) => ({ id: r.id, name: r.n, label: (state._households.get(r.h) || {}).label }));
      showCandidates(people, (id) => { current.residentId = id; showLocalIdent(value, id); });
      return;
    }
    if (ident.status === "unknown") { message(T.unknown); showVisitorForm(); return; }
    const r = ident.resident;
    current.residentId = r.id;
    const members = state.residents.filter((x) => x.h === r.h).map((x) => ({ id: x.id, name: x.n }));
    showPerson(r.n, "", ident.household && ident.household.label, members, []);
    const d = localDecision(r, current.direction, null);
    if (ident.warning) d.reason = `${d.reason} ${T.pass_unknown}`.trim();
    current.decision = d;
    showDecision(d, true);
    showRecordButton(d);
  }

  function localChecks() {
    const c = checks();
    return { health_code: c.health_code, travel_risk: c.travel_risk, temperature: GateRules.parseTemperature(c.temperature).value };
  }

  function localDecision(resident, dir, firstTemperature) {
    const raw = GateRules.decideResident(state, resident, dir, localChecks(), new Date(), firstTemperature);
    return asDecision(raw);
  }

  function asDecision(raw) {
    return { decision: raw.allowed ? "allowed" : "refused", rule: raw.rule, reason: raw.detail || "",
      offer_errand: !!raw.offer_errand, remeasure_after: raw.remeasure_after || null, _raw: raw };
  }

  function showRecordButton(d) {
    const button = $("record");
    text(button, d.decision === "allowed" ? T.record : T.record_refusal);
    button.dataset.decision = d.decision;
    show(button, true);
  }

  /* ---------- record ---------- */
  function basePayload() {
    const c = checks();
    return {
      client_id: FrontlineQueue.uuid(), client_time: new Date().toISOString(), gate_id: cfg.gate,
      direction: current ? current.direction : direction(), value: current ? current.value : "",
      resident_id: current ? current.residentId : null, health_code: c.health_code, travel_risk: c.travel_risk,
      temperature: c.temperature || null,
    };
  }

  async function record(payload) {
    const temp = GateRules.parseTemperature(payload.temperature);
    if (temp.error) { message(`${payload.temperature} °C ${T.bad_temperature}`, "error"); return; }
    if (!current || !current.offline) {
      try {
        const r = await postJSON(cfg.passage_url, payload);
        if (r.status === 200 || r.status === 201) return recorded(payload, r.data, false);
        if (r.status >= 400 && r.status < 500 && r.status !== 429) {
          message((r.data && r.data.message) || String(r.status), "error");
          return;
        }
      } catch (e) { /* unreachable: decide offline below */ }
    }
    return recordOffline(payload);
  }

  async function recordOffline(payload) {
    if (!state) { message(T.no_snapshot, "error"); return; }
    const now = new Date();
    let d;
    GateRules.identify(state, "", null, now);  // builds the lookup maps
    const first = payload.retest_of && lastFever ? lastFever.firstTemperature : null;
    if (payload.visitor) {
      d = asDecision(GateRules.decideVisitor(state, payload.visitor.kind, payload.direction, localChecks(), now, first));
    } else if (current && current.ident && current.ident.status === "refused") {
      d = current.decision;
    } else {
      const resident = state._residents.get(payload.resident_id);
      if (!resident) { message(T.unknown, "error"); return; }
      d = localDecision(resident, payload.direction, first);
      GateRules.noteQuotaUse(state, resident, d._raw, now);
      saveState();
    }
    payload.offline = { decision: d.decision, rule: d.rule, reason: (d.reason || "").slice(0, 300) };
    try {
      await queue.submit(payload);
    } catch (e) { message(T.error, "error"); return; }
    recorded(payload, { ...d, rule_label: ruleLabel(d.rule), id: null }, true);
  }

  function recorded(payload, data, offline) {
    showDecision(data, offline || data.decided_offline);
    show($("record"), false);
    show($("visitor-form"), false);
    show($("candidates"), false);
    message(T.recorded, "ok");
    lastPassage = { clientId: payload.client_id, id: data.id, residentId: payload.resident_id };
    if (data.rule === "fever") {
      lastFever = { clientId: payload.client_id, id: data.id, firstTemperature: Number(payload.temperature),
        residentId: payload.resident_id, direction: payload.direction, value: payload.value };
    }
    offerFollowUps(data, payload.resident_id);
    addRecent(payload, data, offline);
    resetChecks();
    const scan = $("scan");
    scan.value = "";
    scan.focus();
    current = current ? { ...current, recorded: true } : null;
  }

  function resetChecks() {
    document.querySelector("input[name=health_code][value='']").checked = true;
    $("travel-risk").checked = false;
    $("temperature").value = "";
  }

  /* Who a list line names: always a masked name, never what was typed (an ID number, a phone). */
  function whoLabel(item, data) {
    if (data && data.resident && data.resident.name) return data.resident.name;  // masked by the server
    if (data && data.visitor) return data.visitor;  // masked by the server
    const r = item.resident_id && state && state._residents ? state._residents.get(item.resident_id) : null;
    if (r) return r.n;  // masked in the snapshot
    if (item.visitor && item.visitor.name) return GateRules.maskName(item.visitor.name);
    return item.plate || item.what || "";
  }

  function addRecent(payload, data, offline) {
    const li = document.createElement("li");
    li.dataset.clientId = payload.client_id;
    li.dataset.decision = data.decision;
    const who = whoLabel(payload, data);
    text(li, `${new Date().toTimeString().slice(0, 5)} ${payload.direction === "out" ? "⇥" : "⇤"} ${who} · ` +
      `${data.decision === "allowed" ? T.allowed : T.refused} · ${data.rule_label || ruleLabel(data.rule)}` +
      (offline ? ` · ${T.offline} · ${T.pending}` : ""));
    const list = $("recent");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 15) list.removeChild(list.lastChild);
  }

  function onQueueResult(item, result) {
    const li = document.querySelector(`#recent li[data-client-id="${item.client_id}"]`);
    if (result.status === "rejected") {
      if (li) li.dataset.state = "rejected";
      renderRejected();
      return;
    }
    if (li) {
      li.dataset.state = "synced";
      li.textContent = li.textContent.replace(` · ${T.pending}`, ` · ${T.synced}`);
      const data = result.data || {};
      if (item.offline && data.needs_review) li.textContent += ` · ${T.server_differs} ${ruleLabel(data.server_rule)}`;
      if (result.status === "duplicate" && item.offline && data.decision && data.decision !== item.offline.decision) {
        li.textContent += ` · ${T.server_differs} ${ruleLabel(data.rule)}`;
      }
    }
    if (lastFever && lastFever.clientId === item.client_id && result.data) lastFever.id = result.data.id;
    if (lastPassage && lastPassage.clientId === item.client_id && result.data) lastPassage.id = result.data.id;
  }

  /* ---------- visitors, errands, re-measure, vehicles ---------- */
  function showVisitorForm() {
    fillHosts();
    show($("visitor-form"), true);
    $("visitor-name").focus();
  }

  $("visitor-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const payload = basePayload();
    payload.value = "";
    payload.resident_id = null;
    payload.visitor = {
      name: $("visitor-name").value.trim(), phone: $("visitor-phone").value.trim(), reason: $("visitor-reason").value.trim(),
      kind: document.querySelector("input[name=visitor_kind]:checked").value,
      host_household: Number($("visitor-host").value) || null,
    };
    if (!payload.visitor.name) { $("visitor-name").focus(); return; }
    record(payload).then(() => { ["visitor-name", "visitor-phone", "visitor-reason"].forEach((id) => { $(id).value = ""; }); });
  });

  $("errand").addEventListener("click", async () => {
    if (!lastPassage || !lastPassage.residentId) return;
    const item = { kind: "errand", client_id: FrontlineQueue.uuid(), resident_id: lastPassage.residentId,
      what: $("errand-what").value.trim(), passage_id: lastPassage.id || null };
    await queue.submit(item);
    $("errand-what").value = "";
    show($("errand-box"), false);
    message(T.errand_done, "ok");
  });

  $("remeasure").addEventListener("click", () => {
    if (!lastFever) return;
    const temperature = $("temperature").value.trim();
    if (!temperature) { message(T.temperature_needed, "error"); $("temperature").focus(); return; }
    current = { value: lastFever.value, direction: lastFever.direction, residentId: lastFever.residentId,
      offline: !queue.state.online || !!queue.state.lastError };
    const payload = basePayload();
    payload.retest_of = lastFever.id ? String(lastFever.id) : lastFever.clientId;
    payload.direction = lastFever.direction;
    record(payload);
  });

  $("vehicle-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const item = { kind: "vehicle", client_id: FrontlineQueue.uuid(), client_time: new Date().toISOString(), gate_id: cfg.gate,
      direction: direction(), plate: $("vehicle-plate").value.trim(), driver: $("vehicle-driver").value.trim(),
      purpose: $("vehicle-purpose").value.trim() };
    await queue.submit(item);
    event.target.reset();
    message(T.vehicle_recorded, "ok");
  });

  /* ---------- the one input ---------- */
  $("scan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("scan").value.trim();
    // A keyboard wedge ends every scan with Enter; Enter on the same, already checked input records.
    if (current && !current.recorded && current.decision && value === current.value && !$("record").hidden) {
      $("record").click();
      return;
    }
    identify(null).catch(() => message(T.error, "error"));
  });

  $("record").addEventListener("click", () => {
    if (!current) return;
    record(basePayload()).catch(() => message(T.error, "error"));
  });

  // A changed direction or check changes the decision: ask again for the person on screen.
  function recheck() {
    if (current && !current.recorded && current.decision && (current.value || current.residentId)) {
      identify(current.residentId).catch(() => message(T.error, "error"));
    }
  }
  document.querySelectorAll("input[name=direction], input[name=health_code]").forEach((input) => input.addEventListener("change", () => {
    recheck();
    $("scan").focus();
  }));
  $("travel-risk").addEventListener("change", recheck);
  $("temperature").addEventListener("change", recheck);
  $("temperature").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); recheck(); }
  });

  fillHosts();
  renderStatus(queue.state);
  refreshState();
  loadReview();
  setInterval(refreshState, 120000);
  window.addEventListener("online", refreshState);
})();
