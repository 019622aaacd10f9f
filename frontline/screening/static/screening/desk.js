/*
 * The sampling desk (采样登记台): one input for a keyboard-wedge scanner or typing.
 *
 * A tube barcode opens (or continues) a tube; an ID number, a resident's QR pass or a chosen
 * name registers the person into the next slot. Every registration goes through FrontlineQueue
 * (IndexedDB first, then the batch endpoint), so the desk keeps working with the network or the
 * server down; slots are counted here meanwhile and the server's answer corrects them.
 * While online, a lookup before registering lets the screen warn (sampled already, lives
 * elsewhere, not in the ledger, green channel) before the swab goes in the tube.
 */
(function () {
  "use strict";

  const root = document.getElementById("desk");
  const S = JSON.parse(document.getElementById("desk-strings").textContent);
  const cfg = {
    desk: Number(root.dataset.desk),
    capacity: Number(root.dataset.capacity),
    household: root.dataset.household === "1",
    tubePattern: new RegExp(root.dataset.tubePattern),
    lookupUrl: root.dataset.lookupUrl,
    tubeUrl: root.dataset.tubeUrl,
    batchUrl: root.dataset.batchUrl,
    reviewUrl: root.dataset.reviewUrl,
    sampleReviewUrl: root.dataset.sampleReviewUrl,
    csrf: root.dataset.csrf,
  };
  const $ = (id) => document.getElementById(id);
  const el = {
    input: $("desk-input"), form: $("desk-form"), tube: $("desk-tube"), slot: $("desk-slot"), capacity: $("desk-capacity"),
    panel: $("desk-panel"), prompt: $("desk-prompt"), message: $("desk-message"), last: $("desk-last"), green: $("desk-green"),
    candidates: $("desk-candidates"), confirm: $("desk-confirm"), confirmText: $("desk-confirm-text"),
    confirmYes: $("desk-confirm-yes"), confirmNo: $("desk-confirm-no"), pending: $("desk-pending"), net: $("desk-net"),
    undo: $("desk-undo"), seal: $("desk-seal"), visitorOpen: $("desk-visitor-open"), visitor: $("desk-visitor"),
    visitorForm: $("desk-visitor-form"), visitorCancel: $("desk-visitor-cancel"), rejected: $("desk-rejected"),
    rejectedList: $("desk-rejected-list"), log: $("desk-log"), review: $("desk-review"), reviewList: $("desk-review-list"),
  };
  const storeKey = `frontline-desk-${cfg.desk}`;

  /* --- local state: the open tube and its scans, kept across reloads ---------------------- */
  let state = loadState();
  let candidates = [];
  let highlighted = 0;
  let pendingConfirm = null;

  function loadState() {
    try {
      const saved = JSON.parse(localStorage.getItem(storeKey) || "{}");
      return { tube: saved.tube || null, stack: saved.stack || [], counts: saved.counts || {}, last: saved.last || null };
    } catch (e) {
      return { tube: null, stack: [], counts: {}, last: null };
    }
  }
  function saveState() { localStorage.setItem(storeKey, JSON.stringify(state)); }

  /* --- sound and colour -------------------------------------------------------------------- */
  let audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const notes = kind === "full" ? [880, 1175, 1568] : kind === "error" ? [220, 180] : [1046];
      notes.forEach((freq, i) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = kind === "error" ? "square" : "sine";
        osc.frequency.value = freq;
        gain.gain.value = 0.2;
        osc.connect(gain).connect(audio.destination);
        const t = audio.currentTime + i * 0.16;
        osc.start(t);
        osc.stop(t + 0.14);
      });
    } catch (e) { /* no audio device: the colour still shows */ }
  }
  function flash(cls) {
    el.panel.classList.remove("desk-flash-full", "desk-flash-error", "desk-flash-ok");
    void el.panel.offsetWidth;  // restart the animation
    el.panel.classList.add(cls);
  }

  /* --- messages ---------------------------------------------------------------------------- */
  function say(text, level) {
    el.message.textContent = text || "";
    el.message.className = `desk-message desk-${level || "info"}`;
    if (level === "error") { beep("error"); flash("desk-flash-error"); }
  }
  function logLine(text, level) {
    const li = document.createElement("li");
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    li.className = `desk-${level || "info"}`;
    el.log.prepend(li);
    while (el.log.children.length > 30) el.log.lastChild.remove();
  }
  function fmt(template, values) { return template.replace(/%\((\w+)\)s/g, (_m, k) => (values[k] ?? "")); }

  /* --- rendering --------------------------------------------------------------------------- */
  function render() {
    const t = state.tube;
    el.tube.textContent = t ? t.barcode : "—";
    el.slot.textContent = t ? String(t.used) : "0";
    el.capacity.textContent = t ? String(t.capacity) : String(cfg.capacity);
    el.prompt.textContent = t ? (t.used >= t.capacity ? S.tube_full : S.scan_person) : S.scan_tube;
    el.panel.classList.toggle("desk-no-tube", !t);
    el.panel.classList.toggle("desk-tube-full", !!t && t.used >= t.capacity);
    el.undo.disabled = !(t && state.stack.length);
    el.seal.disabled = !(t && t.used > 0);
    if (state.last) {
      el.last.hidden = false;
      el.last.querySelector("[data-name]").textContent = state.last.name || S.unknown_person;
      el.last.querySelector("[data-id]").textContent = state.last.id_masked || "";
      el.last.querySelector("[data-where]").textContent = `${state.last.tube} #${state.last.slot}`;
    } else {
      el.last.hidden = true;
    }
  }
  function showGreen(reasons) {
    if (reasons && reasons.length) {
      el.green.hidden = false;
      el.green.textContent = `${S.green_channel}: ${reasons.map((r) => S.green[r] || r).join(" · ")}`;
    } else {
      el.green.hidden = true;
    }
  }

  /* --- the queue --------------------------------------------------------------------------- */
  const queue = new FrontlineQueue({
    name: `sampling-desk-${cfg.desk}`,
    endpoint: cfg.batchUrl,
    csrfToken: cfg.csrf,
    batchSize: 200,
    onChange(q) {
      if (q.lastSync && q.lastSync !== lastSync && !q.syncing) { lastSync = q.lastSync; loadReview(); }
      el.pending.textContent = String(q.pending);
      el.pending.parentElement.classList.toggle("desk-has-pending", q.pending > 0);
      el.net.textContent = q.online ? (q.syncing ? S.syncing : S.online) : S.offline;
      el.net.className = q.online ? "desk-online" : "desk-offline";
      el.rejected.hidden = !q.rejected;
      if (q.rejected) showRejected();
    },
    onResult(item, result) {
      const data = result.data || {};
      if (item.kind === "sample" || !item.kind) {
        if (result.status === "rejected") {
          logLine(`${S.rejected}: ${result.message}`, "error");
          say(result.message, "error");
          if (state.tube && state.tube.barcode === item.tube && state.tube.used > 0) {
            state.tube.used -= 1;
            state.stack = state.stack.filter((s) => s.client_id !== item.client_id);
            state.counts[item.tube] = state.tube.used;
          }
        } else {
          if (result.message) logLine(result.message, "warn");
          if (state.last && state.last.client_id === item.client_id) {
            state.last.name = data.name || state.last.name;
            state.last.id_masked = data.id_masked || state.last.id_masked;
            state.last.slot = data.slot || state.last.slot;
            if (data.green_reasons && data.green_reasons.length) showGreen(data.green_reasons);
          }
          // Another desk may share the tube: the server's count wins when it is ahead.
          if (state.tube && state.tube.barcode === data.tube && data.used > state.tube.used) {
            state.tube.used = data.used;
          }
        }
        saveState();
        render();
      } else if (result.status === "rejected") {
        logLine(`${S.rejected}: ${result.message}`, "error");
        say(result.message, "error");
      }
    },
  });

  /* --- after an offline sync: what the server questioned (services/review.py) ------------- */
  let lastSync = null;
  let reviewing = false;
  async function loadReview() {
    if (reviewing || !cfg.reviewUrl) return;
    reviewing = true;
    try {
      const answer = await getJSON(cfg.reviewUrl);
      if (answer.ok && Array.isArray(answer.body)) renderReview(answer.body);
    } catch (e) { /* offline: the list stays as it was */ } finally { reviewing = false; }
  }
  function renderReview(items) {
    el.review.hidden = !items.length;
    el.reviewList.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      li.dataset.sample = String(item.sample_id);
      const text = document.createElement("span");
      const first = item.earlier ? ` (${fmt(S.review_first, { where: item.earlier })})` : "";
      text.textContent = `${item.at} ${item.tube} #${item.slot} ${item.name || item.id_masked} — ${item.reason_text}${first}`;
      const keep = document.createElement("button");
      keep.type = "button";
      keep.textContent = S.review_keep;
      keep.dataset.action = "keep";
      keep.addEventListener("click", () => decide(item, "keep", ""));
      const undo = document.createElement("button");
      undo.type = "button";
      undo.className = "danger";
      undo.textContent = S.review_undo;
      undo.dataset.action = "undo";
      undo.addEventListener("click", () => decide(item, "undo", fmt(S.review_undo_reason, { why: item.reason_text })));
      li.append(text, " ", keep, " ", undo);
      return li;
    }));
  }
  async function decide(item, decision, reason) {
    try {
      const response = await fetch(`${cfg.sampleReviewUrl}${item.sample_id}/review`, {
        method: "POST", credentials: "same-origin", body: JSON.stringify({ decision, reason }),
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok && response.status !== 409) { say(body.message || S.failed, "error"); return; }
      if (response.ok && decision === "undo" && state.tube && state.tube.barcode === item.tube && state.tube.used === item.slot) {
        state.tube.used -= 1;  // the server freed the open tube's last slot
        state.counts[item.tube] = state.tube.used;
        state.stack = state.stack.slice(0, -1);
        saveState();
        render();
      }
      if (response.ok) say(fmt(decision === "keep" ? S.review_kept : S.review_undone, { tube: item.tube, slot: item.slot }), "info");
    } catch (e) {
      say(S.review_offline, "error");
      return;
    }
    await loadReview();
    el.input.focus();
  }

  async function showRejected() {
    const items = await queue.rejected();
    el.rejectedList.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = `${item.tube || ""} ${item.id_number ? maskId(item.id_number) : item.visitor ? maskName(item.visitor.name) : ""} — ${(item.result && item.result.message) || ""}`;
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = S.dismiss;
      btn.addEventListener("click", () => queue.dismissRejected(item.client_id).then(showRejected));
      li.append(text, btn);
      return li;
    }));
  }

  /* --- ID numbers, passes, tubes ---------------------------------------------------------- */
  const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function normalise(text) {
    return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\s+/g, "").toUpperCase();
  }
  function idShape(text) { return /^\d{17}[\dX]$/.test(text) || /^\d{15}$/.test(text); }
  function idCheckOk(text) {
    if (text.length === 15) return true;
    const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(text[i]), 0);
    return "10X98765432"[sum % 11] === text[17];
  }
  /* The masks, as frontline.core.personal (a test keeps them equal); only for what the desk
     registers offline, before the server answers with its own masked values. */
  function maskName(name) {
    const chars = Array.from(String(name || "").trim());
    if (chars.length <= 1) return chars.join("");
    if (chars.length === 2) return chars[0] + "*";
    return chars[0] + "*".repeat(chars.length - 2) + chars[chars.length - 1];
  }
  function maskId(text) { return text.length < 10 ? "*".repeat(text.length) : text.slice(0, 6) + "*".repeat(text.length - 10) + text.slice(-4); }
  function isPass(text) { return /^FLR1[.:]/i.test(text.trim()); }

  /* The lookup goes in a POST body: an ID number or a name never travels in a URL. */
  async function lookupJSON(text) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 4000);
    try {
      const response = await fetch(cfg.lookupUrl, {
        method: "POST", credentials: "same-origin", signal: controller.signal, body: JSON.stringify({ q: text }),
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      });
      const body = await response.json().catch(() => ({}));
      return { ok: response.ok, status: response.status, body };
    } finally {
      clearTimeout(timer);
    }
  }

  async function getJSON(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 4000);
    try {
      const response = await fetch(url, { credentials: "same-origin", signal: controller.signal, headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => ({}));
      return { ok: response.ok, status: response.status, body };
    } finally {
      clearTimeout(timer);
    }
  }
  // Offline (or a server that does not answer): the desk goes on with what it knows locally.
  function unreachable(result) { return !result || result.status >= 500 || result.status === 0; }

  async function useTube(code) {
    hideChoices();
    if (state.tube && state.tube.barcode === code) { say(fmt(S.same_tube, { tube: code })); return; }
    if (state.tube && state.tube.used > 0 && state.tube.used < state.tube.capacity) {
      logLine(fmt(S.tube_left_open, { tube: state.tube.barcode, n: state.tube.used }), "warn");
    }
    let answer = null;
    try { answer = await getJSON(`${cfg.tubeUrl}${encodeURIComponent(code)}`); } catch (e) { answer = null; }
    if (answer && !unreachable(answer) && !answer.ok) { say(answer.body.message || S.tube_refused, "error"); return; }
    const known = answer && answer.ok ? answer.body : null;
    const used = known ? Math.max(known.used, state.counts[code] || 0) : (state.counts[code] || 0);
    const capacity = known ? known.capacity : cfg.capacity;
    if (used >= capacity) { say(fmt(S.tube_is_full, { tube: code }), "error"); return; }
    state.tube = { barcode: code, used, capacity };
    state.stack = [];
    saveState();
    render();
    say(fmt(S.tube_ready, { tube: code, n: used, c: capacity }), "ok");
  }

  async function register(person, display) {
    const tube = state.tube;
    if (!tube) { say(S.scan_tube_first, "error"); return; }
    if (tube.used >= tube.capacity) { say(fmt(S.tube_is_full, { tube: tube.barcode }), "error"); return; }
    const item = await queue.submit({ kind: "sample", desk: cfg.desk, tube: tube.barcode, ...person });
    tube.used += 1;
    state.counts[tube.barcode] = tube.used;
    state.last = { client_id: item.client_id, name: display.name || "", id_masked: display.id_masked || "", tube: tube.barcode, slot: tube.used };
    state.stack.push({ client_id: item.client_id });
    showGreen(display.green_reasons);
    if (tube.used >= tube.capacity) {
      // The server seals the tube itself at capacity; the desk asks for the next one.
      beep("full");
      flash("desk-flash-full");
      say(fmt(S.tube_full_next, { tube: tube.barcode }), "full");
      if (state.tube === tube) { state.tube = null; state.stack = []; }
      state.last.sealed = true;
    } else {
      beep("ok");
      flash("desk-flash-ok");
      say(fmt(S.registered, { slot: tube.used, c: tube.capacity }), "ok");
    }
    saveState();
    render();
  }

  function ask(text, onYes) {
    pendingConfirm = onYes;
    el.confirmText.textContent = text;
    el.confirm.hidden = false;
    beep("error");
  }
  function clearConfirm() { pendingConfirm = null; el.confirm.hidden = true; }

  // ``scanned`` is what the person showed (their ID card or pass): the server registers from it,
  // so someone from outside the round's and the user's areas is still found by what they showed.
  function choosePerson(p, scanned) {
    hideChoices();
    const display = { name: p.name_masked, id_masked: p.id_masked, green_reasons: p.green_reasons };
    const spec = scanned || { resident: p.resident_id };
    if (p.earlier) {
      ask(fmt(S.already_sampled, { where: p.earlier.where, at: p.earlier.at_display, tube: p.earlier.tube }),
        () => register({ ...spec, confirm_repeat: true, confirm_visitor: !p.in_scope }, display));
      return;
    }
    if (!p.in_scope) {
      ask(fmt(S.out_of_scope, { name: p.name_masked, address: p.address }), () => register({ ...spec, confirm_visitor: true }, display));
      return;
    }
    return register(spec, display);
  }

  async function person(text, kind) {
    let answer = null;
    try { answer = await lookupJSON(text); } catch (e) { answer = null; }
    if (unreachable(answer)) {
      // Offline: the server resolves the person when the scan syncs.
      const display = kind === "id" ? { name: "", id_masked: maskId(text) } : { name: "", id_masked: "" };
      await register(kind === "id" ? { id_number: text } : { pass: text }, display);
      logLine(S.offline_registered, "warn");
      return;
    }
    if (!answer.ok) { say(answer.body.message || S.not_understood, "error"); return; }
    const body = answer.body;
    if (body.kind === "unknown_id") {
      say(body.message, "warn");
      openVisitor({ id_number: text });
      showGreen(body.green_reasons);
      return;
    }
    if (!body.people.length) { say(S.not_found, "error"); return; }
    await choosePerson(body.people[0], kind === "id" ? { id_number: text } : { pass: text });
  }

  async function search(text) {
    let answer = null;
    try { answer = await lookupJSON(text); } catch (e) { answer = null; }
    if (unreachable(answer)) { say(S.offline_search, "error"); return; }
    if (!answer.ok) { say(answer.body.message || S.not_understood, "error"); return; }
    if (answer.body.kind === "tube") { await useTube(answer.body.tube.tube); return; }
    candidates = answer.body.people || [];
    highlighted = 0;
    if (!candidates.length) { say(S.not_found_name, "error"); hideChoices(); return; }
    say(candidates.length === 1 ? S.one_found : fmt(S.many_found, { n: candidates.length }) + (answer.body.more ? " …" : ""), "info");
    renderChoices();
  }

  function renderChoices() {
    el.candidates.hidden = !candidates.length;
    el.candidates.replaceChildren(...candidates.map((p, i) => {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "desk-candidate" + (i === highlighted ? " desk-highlight" : "");
      const flags = [];
      if (p.earlier) flags.push(S.sampled_short);
      if (!p.in_scope) flags.push(S.outside_short);
      if (p.green_reasons.length) flags.push(S.green_channel);
      btn.textContent = `${i + 1}. ${p.name_masked} · ${p.address} · ${p.id_masked}${p.age != null ? " · " + p.age + S.years : ""}${flags.length ? " · " + flags.join(" · ") : ""}`;
      btn.addEventListener("click", () => { inTurn(() => choosePerson(p)); el.input.focus(); });
      return btn;
    }));
  }
  function hideChoices() { candidates = []; el.candidates.hidden = true; el.candidates.replaceChildren(); }

  /* --- the one input ------------------------------------------------------------------------ */
  async function handle(raw) {
    const text = raw.trim();
    if (!text) {
      if (pendingConfirm) { const yes = pendingConfirm; clearConfirm(); await yes(); return; }
      if (candidates.length) { await choosePerson(candidates[highlighted]); return; }
      return;
    }
    clearConfirm();
    const code = normalise(text);
    if (cfg.tubePattern.test(code)) { await useTube(code); return; }
    if (!state.tube) { say(S.scan_tube_first, "error"); return; }
    if (isPass(text)) { hideChoices(); await person(text.trim(), "pass"); return; }
    if (idShape(code)) {
      hideChoices();
      if (!idCheckOk(code)) { say(S.bad_check_digit, "error"); return; }
      await person(code, "id");
      return;
    }
    if (/^\d[\d\s]*$/.test(text) && code.length !== 4 && code.length !== 11) { say(S.not_understood, "error"); return; }
    await search(text);
  }

  // A keyboard-wedge scanner sends the next code before the previous one is handled (a fetch, an
  // IndexedDB write): every action waits for the one before it, in the order it was scanned or
  // tapped, so a new tube can never be replaced by the previous person's "tube full".
  let actions = Promise.resolve();
  function inTurn(action) {
    actions = actions.then(action).catch((e) => { console.error(e); say(S.failed, "error"); });
    return actions;
  }

  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = el.input.value;
    el.input.value = "";
    inTurn(() => handle(value)).finally(() => el.input.focus());
  });
  el.input.addEventListener("keydown", (event) => {
    if (!candidates.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlighted = (highlighted + (event.key === "ArrowDown" ? 1 : candidates.length - 1)) % candidates.length;
      renderChoices();
    }
  });
  el.confirmYes.addEventListener("click", () => { const yes = pendingConfirm; clearConfirm(); if (yes) inTurn(yes); el.input.focus(); });
  el.confirmNo.addEventListener("click", () => { clearConfirm(); say(S.not_registered, "info"); el.input.focus(); });

  el.undo.addEventListener("click", () => inTurn(async () => {
    const tube = state.tube;
    if (!tube || !state.stack.length) return;
    const last = state.stack.pop();
    await queue.submit({ kind: "undo", desk: cfg.desk, target: last.client_id, tube: tube.barcode });
    tube.used = Math.max(0, tube.used - 1);
    state.counts[tube.barcode] = tube.used;
    state.last = null;
    saveState();
    render();
    say(fmt(S.undone, { slot: tube.used + 1 }), "info");
    el.input.focus();
  }));

  el.seal.addEventListener("click", () => inTurn(async () => {
    const tube = state.tube;
    if (!tube || !tube.used) return;
    await queue.submit({ kind: "seal", desk: cfg.desk, tube: tube.barcode });
    state.tube = null;
    state.stack = [];
    saveState();
    render();
    say(fmt(S.sealed, { tube: tube.barcode, n: tube.used }), "full");
    el.input.focus();
  }));

  /* --- visitors ------------------------------------------------------------------------------ */
  function openVisitor(prefill) {
    el.visitor.hidden = false;
    el.visitorForm.reset();
    if (prefill && prefill.id_number) el.visitorForm.elements.id_number.value = prefill.id_number;
    el.visitorForm.elements.name.focus();
  }
  el.visitorOpen.addEventListener("click", () => openVisitor({}));
  el.visitorCancel.addEventListener("click", () => { el.visitor.hidden = true; el.input.focus(); });
  el.visitorForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = el.visitorForm.elements;
    const visitor = { name: f.name.value.trim(), id_number: normalise(f.id_number.value), phone: f.phone.value.trim(), address: f.address.value.trim() };
    if (!visitor.name) { say(S.visitor_name, "error"); f.name.focus(); return; }
    if (visitor.id_number && (!idShape(visitor.id_number) || !idCheckOk(visitor.id_number))) { say(S.bad_check_digit, "error"); f.id_number.focus(); return; }
    if (!visitor.id_number && !visitor.phone) { say(S.visitor_contact, "error"); f.phone.focus(); return; }
    el.visitor.hidden = true;
    await inTurn(() => register({ visitor, confirm_visitor: true }, { name: maskName(visitor.name), id_masked: visitor.id_number ? maskId(visitor.id_number) : "" }));
    el.input.focus();
  });

  // Keep the scanner's target focused: a tap anywhere outside a form field returns to the input.
  document.addEventListener("click", (event) => {
    if (!event.target.closest("input, button, select, textarea, a, form#desk-visitor-form")) el.input.focus();
  });

  render();
  el.input.focus();
  loadReview();
  window.frontlineDesk = { queue, state: () => state };
})();
