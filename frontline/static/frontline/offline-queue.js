/*
 * FrontlineQueue: the field screens' offline queue (DESIGN.md §7).
 *
 * Every submission gets a client_id and is written to IndexedDB before anything is sent, so a
 * dead network, a crashed server or a closed tab loses nothing. Batches are POSTed to the
 * screen's endpoint; the server answers per item (created / duplicate / rejected). Created and
 * duplicate items leave the queue; rejected ones move to a list the screen shows; anything else
 * (network error, timeout, 5xx, 401/403/429) keeps the items and retries with back-off.
 * The server makes retries harmless: client_id is unique there.
 */
(function (global) {
  "use strict";

  const DB_VERSION = 1;

  function uuid() {
    if (global.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Older browsers: RFC 4122 version 4 from getRandomValues.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function promisify(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function txDone(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  /* Storage in IndexedDB, or in memory where IndexedDB is unavailable (some private modes). */
  class Store {
    constructor(name) {
      this.name = name;
      this.memory = null;
      this.ready = this.open();
    }

    async open() {
      if (!global.indexedDB) { this.memory = { pending: new Map(), rejected: new Map() }; return; }
      try {
        const req = indexedDB.open(`frontline-queue-${this.name}`, DB_VERSION);
        req.onupgradeneeded = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains("pending")) {
            db.createObjectStore("pending", { keyPath: "client_id" }).createIndex("seq", "seq");
          }
          if (!db.objectStoreNames.contains("rejected")) db.createObjectStore("rejected", { keyPath: "client_id" });
        };
        this.db = await promisify(req);
      } catch (e) {
        this.memory = { pending: new Map(), rejected: new Map() };
      }
    }

    async put(storeName, item) {
      await this.ready;
      if (this.memory) { this.memory[storeName].set(item.client_id, item); return; }
      const tx = this.db.transaction(storeName, "readwrite");
      tx.objectStore(storeName).put(item);
      await txDone(tx);
    }

    async oldest(limit) {
      await this.ready;
      if (this.memory) return [...this.memory.pending.values()].sort((a, b) => a.seq - b.seq).slice(0, limit);
      const tx = this.db.transaction("pending", "readonly");
      const items = [];
      await new Promise((resolve, reject) => {
        const cursorReq = tx.objectStore("pending").index("seq").openCursor();
        cursorReq.onsuccess = () => {
          const cursor = cursorReq.result;
          if (!cursor || items.length >= limit) { resolve(); return; }
          items.push(cursor.value);
          cursor.continue();
        };
        cursorReq.onerror = () => reject(cursorReq.error);
      });
      return items;
    }

    /* Remove settled items; move rejected ones to the rejected store, in one transaction. */
    async settle(removed, rejected) {
      await this.ready;
      if (this.memory) {
        removed.forEach((id) => this.memory.pending.delete(id));
        rejected.forEach((item) => { this.memory.pending.delete(item.client_id); this.memory.rejected.set(item.client_id, item); });
        return;
      }
      const tx = this.db.transaction(["pending", "rejected"], "readwrite");
      const pending = tx.objectStore("pending");
      removed.forEach((id) => pending.delete(id));
      rejected.forEach((item) => { pending.delete(item.client_id); tx.objectStore("rejected").put(item); });
      await txDone(tx);
    }

    async count(storeName) {
      await this.ready;
      if (this.memory) return this.memory[storeName].size;
      const tx = this.db.transaction(storeName, "readonly");
      return promisify(tx.objectStore(storeName).count());
    }

    async all(storeName) {
      await this.ready;
      if (this.memory) return [...this.memory[storeName].values()];
      const tx = this.db.transaction(storeName, "readonly");
      return promisify(tx.objectStore(storeName).getAll());
    }

    async remove(storeName, clientId) {
      await this.ready;
      if (this.memory) { this.memory[storeName].delete(clientId); return; }
      const tx = this.db.transaction(storeName, "readwrite");
      tx.objectStore(storeName).delete(clientId);
      await txDone(tx);
    }
  }

  /* The banner of the field screens: "offline since 14:31, 37 waiting". The time the network
     went away is kept in localStorage, so a page reopened from the cache still says since when. */
  const SINCE_KEY = "frontline-offline-since";
  function offlineSince(online) {
    try {
      if (online) { localStorage.removeItem(SINCE_KEY); return null; }
      let since = Number(localStorage.getItem(SINCE_KEY));
      if (!since) { since = Date.now(); localStorage.setItem(SINCE_KEY, String(since)); }
      return new Date(since);
    } catch (e) { return null; }
  }
  function hhmm(date) { return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`; }
  function fill(template, values) { return String(template || "").replace(/\{(\w+)\}/g, (_m, k) => (values[k] ?? "")); }
  function renderBanner(banner, state) {
    const since = offlineSince(state.online);
    let text = "";
    if (!state.online) text = fill(banner.dataset.offline, { since: since ? hhmm(since) : "—", n: state.pending });
    else if (state.pending) text = fill(banner.dataset.waiting, { n: state.pending });
    banner.textContent = text;
    banner.hidden = !text;
    banner.dataset.state = state.online ? "waiting" : "offline";
  }

  class FrontlineQueue {
    constructor(options) {
      this.name = options.name;
      this.endpoint = options.endpoint;
      this.csrfToken = options.csrfToken || "";
      this.headers = options.headers || {};
      this.batchSize = options.batchSize || 200;
      this.timeoutMs = options.timeoutMs || 15000;
      this.onChange = options.onChange || (() => {});
      this.onResult = options.onResult || (() => {});
      this.banner = options.banner || document.getElementById("offline-banner");
      this.store = new Store(this.name);
      this.seq = Date.now() * 1000;
      this.state = { pending: 0, rejected: 0, online: navigator.onLine !== false, syncing: false, lastError: "", lastSync: null };
      this.backoffMs = 0;
      this.timer = null;
      this.again = false;
      global.addEventListener("online", () => { this.backoffMs = 0; this.sync(); });
      global.addEventListener("offline", () => this.update({ online: false }));
      this.refresh().then(() => this.sync());
    }

    update(changes) {
      Object.assign(this.state, changes);
      try { this.onChange({ ...this.state }); } catch (e) { console.error(e); }
      if (this.banner) renderBanner(this.banner, this.state);
    }

    async refresh() {
      this.update({ pending: await this.store.count("pending"), rejected: await this.store.count("rejected") });
    }

    /* Store one submission, then try to send it. Resolves with the stored item (its client_id). */
    async submit(payload) {
      const item = { ...payload, client_id: payload.client_id || uuid(), client_time: payload.client_time || new Date().toISOString(), seq: ++this.seq };
      await this.store.put("pending", item);
      await this.refresh();
      this.sync();
      return item;
    }

    pending() { return this.store.count("pending"); }
    rejected() { return this.store.all("rejected"); }
    async dismissRejected(clientId) { await this.store.remove("rejected", clientId); await this.refresh(); }

    schedule(ms) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.sync(), ms);
    }

    async sync() {
      if (this.state.syncing) { this.again = true; return; }
      this.update({ syncing: true });
      try {
        for (;;) {
          this.again = false;
          const batch = await this.store.oldest(this.batchSize);
          if (!batch.length) break;
          const results = await this.send(batch);
          const byId = new Map(batch.map((item) => [item.client_id, item]));
          const removed = [], rejected = [];
          for (const result of results) {
            const item = byId.get(result.client_id);
            if (!item) continue;
            if (result.status === "rejected") rejected.push({ ...item, result });
            else if (result.status === "created" || result.status === "duplicate") removed.push(item.client_id);
            else continue;  // unknown status: keep it and try again later
          }
          await this.store.settle(removed, rejected);
          results.forEach((result) => { const item = byId.get(result.client_id); if (item) { try { this.onResult(item, result); } catch (e) { console.error(e); } } });
          this.backoffMs = 0;
          this.update({ online: true, lastError: "", lastSync: new Date().toISOString() });
          await this.refresh();
          if (!removed.length && !rejected.length) break;  // the server settled nothing: don't spin
        }
      } catch (error) {
        this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : 2000, 60000);
        this.update({ online: !(error instanceof TypeError) && navigator.onLine !== false, lastError: String(error.message || error) });
      } finally {
        this.update({ syncing: false });
        await this.refresh();
        if (this.again) this.schedule(0);
        else if (this.state.pending) this.schedule(this.backoffMs || 5000);
      }
    }

    async send(batch) {
      const controller = new AbortController();
      const timeout = setTimeout(() => controller.abort(), this.timeoutMs);
      try {
        const items = batch.map(({ seq, ...item }) => item);
        const response = await fetch(this.endpoint, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrfToken, ...this.headers },
          body: JSON.stringify({ items }),
          signal: controller.signal,
        });
        if (!response.ok) throw new Error(`server answered ${response.status}`);
        const body = await response.json();
        return body.results || [];
      } finally {
        clearTimeout(timeout);
      }
    }
  }

  FrontlineQueue.uuid = uuid;
  FrontlineQueue.renderBanner = renderBanner;
  global.FrontlineQueue = FrontlineQueue;
})(window);
