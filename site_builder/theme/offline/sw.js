/* Электронный дневник: keeps a diary's pages for when there is no signal.
 *
 * Served from d/sw.js (scope d/) by the build. It keeps only what the site publishes: a
 * diary page is the fixed shell around its still encrypted payload, so a kept page opens
 * with the password or the key the tab or device already holds, never without it. A
 * diary's pages are kept in the cache "diary-<token>" only after the page was unlocked
 * (the page then posts {keep: token, pages: [...]}); «Выйти» deletes that cache.
 * Requests for a kept diary go to the network first (the newest build), and to the cache
 * when the network fails or is too slow; the build's stamp (d/stamp.json) likewise, from
 * the copy kept at the last unlock; anything else is not touched.
 */
"use strict";

const PREFIX = "diary-";
const MARKER = '<script type="application/json" id="diary-payload">';
const TOKEN = /^[A-Za-z0-9_-]{8,}$/;
const SLOW_MS = 6000;
const scope = new URL(self.registration.scope);
// The build's moment (d/stamp.json, no pupil's data): kept with each diary's pages, so a
// page opened offline says how old its data is.
const STAMP = new URL("stamp.json", scope).href;

// The token of a diary page's address under this worker's scope, or null.
function tokenOf(url) {
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  const parts = url.pathname.slice(scope.pathname.length).split("/");
  if (parts.length !== 2 || !TOKEN.test(parts[0])) return null;
  if (parts[1] !== "" && !/^[A-Za-z0-9_.-]+\.html$/.test(parts[1])) return null;
  return parts[0];
}

// Only a page as published: a whole answer whose body is the shell with a payload.
async function keepable(response) {
  if (!response || !response.ok || response.type !== "basic" || response.redirected) {
    return false;
  }
  const text = await response.clone().text();
  return text.includes(MARKER);
}

async function store(token, request, response) {
  if (!(await caches.has(PREFIX + token)) || !(await keepable(response))) return;
  const cache = await caches.open(PREFIX + token);
  await cache.put(request, response);
}

async function keep(token, pages) {
  if (!TOKEN.test(token)) return;
  const cache = await caches.open(PREFIX + token);
  try {  // first: the age of what is kept
    const response = await fetch(STAMP, { cache: "no-cache" });
    if (response.ok && response.type === "basic") await cache.put(STAMP, response);
  } catch (error) { /* kept at the next unlock */ }
  for (const page of pages) {
    const url = new URL(page, scope);
    url.hash = "";
    url.search = "";
    if (tokenOf(url) !== token) continue;
    // Pages kept before are refreshed as they are opened; the current week every time.
    const current = url.pathname.endsWith("/") || url.pathname.endsWith("/index.html");
    if (!current && await caches.match(url.href, { cacheName: PREFIX + token })) continue;
    try {
      const response = await fetch(url, { cache: "no-cache" });
      await store(token, url.href, response);
    } catch (error) { /* no signal now: kept as it is opened next */ }
  }
}

function withTimeout(promise) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("slow")), SLOW_MS);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
                 (error) => { clearTimeout(timer); reject(error); });
  });
}

async function answer(token, request) {
  const url = new URL(request.url);
  url.hash = "";
  url.search = "";
  const fetching = fetch(request);
  try {
    const response = await withTimeout(fetching);
    const copy = response.clone();
    // Kept after the answer: a slow disk must not hold the page back.
    fetching.then(() => store(token, url.href, copy)).catch(() => {});
    return response;
  } catch (error) {
    const kept = await caches.match(url.href, { cacheName: PREFIX + token });
    if (kept) return kept;
    // Not kept: the network's answer after all, however slow, or its failure.
    return fetching;
  }
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (typeof data.keep === "string" && Array.isArray(data.pages)) {
    event.waitUntil(keep(data.keep, data.pages.filter((page) => typeof page === "string")));
  }
});

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  if (event.request.url.split("?")[0] === STAMP) {
    event.respondWith(fetch(event.request).catch(() => caches.match(STAMP).then(
      (kept) => kept || Promise.reject(new Error("offline")))));
    return;
  }
  const token = tokenOf(new URL(event.request.url));
  if (!token) return;
  event.respondWith(caches.has(PREFIX + token).then(
    (kept) => (kept ? answer(token, event.request) : fetch(event.request))));
});
