/* Frontline's service worker (frontline/core/offline.py serves it at /sw.js, scope /).
 *
 * - The field screens (FIELD) are network-first: a page that loads online is stored, and the
 *   stored copy opens when the network is down. No other page is ever stored.
 * - Static files are cache-first from a cache named after VERSION, a digest of the precached
 *   files: a changed script gives a new worker, installed on the next online load; the old
 *   static cache is deleted when it activates. The field pages' cache outlives versions.
 * - Anything that is not a GET, and everything under /api/, goes straight to the network.
 * - The screens' queues live in IndexedDB, which this worker never opens.
 */
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = `frontline-static-${VERSION}`;
const PAGES_CACHE = "frontline-pages";
const PRECACHE = {{ precache|safe }};
const SHELL = new Set(PRECACHE);
const FIELD = {{ field_screens|safe }}.map((p) => new RegExp(p));
const STATIC_PREFIX = {{ static_prefix|safe }};
const PAGE_TIMEOUT_MS = 6000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    // cache: "reload" skips the HTTP cache, so the new version gets the new bytes.
    await Promise.all(PRECACHE.map(async (url) => {
      try {
        const response = await fetch(new Request(url, { cache: "reload", credentials: "same-origin" }));
        if (response.ok) await cache.put(url, response);
      } catch (e) { /* one missing file must not keep the worker from installing */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("frontline-static-") && n !== STATIC_CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

function isField(url) { return FIELD.some((re) => re.test(url.pathname)); }

/* Messages from the pages: "logout" drops the stored field pages; "opened" stores a field
   screen that loaded before this worker controlled it (the first online visit). */
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "logout") event.waitUntil(caches.delete(PAGES_CACHE));
  if (data.type === "opened" && data.url) {
    const url = new URL(data.url, self.location.origin);
    if (url.origin === self.location.origin && isField(url)) {
      // In the page's language: a worker's own request may carry the browser's, not the page's.
      const headers = data.lang ? { "Accept-Language": data.lang } : {};
      event.waitUntil(fieldPage(new Request(url.origin + url.pathname, { credentials: "same-origin", headers })).catch(() => {}));
    }
  }
});

async function fieldPage(request) {
  const url = new URL(request.url);
  const key = url.origin + url.pathname;  // the query never selects a different shell
  const cache = await caches.open(PAGES_CACHE);
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PAGE_TIMEOUT_MS);
    const response = await fetch(request, { signal: controller.signal });
    clearTimeout(timer);
    // Only the screen itself: not a redirect to the login page, not an error page.
    if (response.ok && !response.redirected && response.type === "basic") await cache.put(key, response.clone());
    else if (response.status === 403 || response.status === 404) await cache.delete(key);
    return response;
  } catch (error) {
    const stored = await cache.match(key);
    if (stored) return stored;
    throw error;
  }
}

/* The precached shell is cache-first (VERSION changes when any of it does); any other static
   file is network-first, so a file outside the digest can never stay stale. */
async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const url = new URL(request.url);
  const key = url.origin + url.pathname;
  if (SHELL.has(url.pathname)) {
    const stored = await cache.match(key);
    if (stored) return stored;
  }
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const stored = await cache.match(key);
    if (stored) return stored;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && isField(url)) { event.respondWith(fieldPage(request)); return; }
  if (url.pathname.startsWith(STATIC_PREFIX)) { event.respondWith(staticFile(request)); return; }
  // Everything else: the network, untouched.
});
