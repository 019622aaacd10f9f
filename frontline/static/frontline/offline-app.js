/*
 * The installable app, on every page: registers the service worker (/sw.js, scope /), tells it
 * when the user has logged out (the stored field pages are dropped), and reloads once when a
 * new version takes over right after the page opened. The offline banner of the field screens
 * is FrontlineQueue.banner (offline-queue.js).
 */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const body = document.body;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.register(body.dataset.sw || "/sw.js", { scope: "/" }).catch(() => {});
  navigator.serviceWorker.ready.then((reg) => {
    if (!reg.active) return;
    if (body.dataset.loggedOut === "1") reg.active.postMessage({ type: "logout" });
    // The first visit loads before the worker controls the page: it stores a field screen then.
    else if (!navigator.serviceWorker.controller) reg.active.postMessage({ type: "opened", url: location.pathname, lang: document.documentElement.lang });
  });
  // A new worker (a new version of the scripts) took over: reload once, while nothing is typed.
  // The queue (IndexedDB) and the desk's open tube (localStorage) survive a reload.
  let reloaded = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!hadController || reloaded || performance.now() > 15000 || !navigator.onLine) return;
    const active = document.activeElement;
    if (active && active.value) return;
    reloaded = true;
    location.reload();
  });
})();
