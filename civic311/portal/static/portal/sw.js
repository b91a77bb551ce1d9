/* The resident app's service worker, served at /sw.js by the portal:sw view, which fills in CONFIG:
   {version, precache: [URLs of the app shell], offline: URL of the offline page, drafts: URL of drafts.js}.

   - install: caches the app shell (CSS, scripts, the offline page, the report page) in a cache named
     after the version; activate: deletes the caches of older versions.
   - pages: from the network; when it fails, the cached copy of that page, else the offline page.
     A report form posted while the network fails is saved as a draft (drafts.js) and sent later.
   - static files: from the cache at once, refreshed from the network behind (stale-while-revalidate).
   - Background Sync ("civic311-drafts"): sends the saved drafts when the connection is back.
   The staff console, the admin, the API and live streams are left to the network. */
"use strict";

const CONFIG = {/* filled in by the portal:sw view */};
const PREFIX = "civic311-";
const SHELL = PREFIX + "shell-" + CONFIG.version;
const RUNTIME = PREFIX + "runtime-" + CONFIG.version;
const SYNC_TAG = "civic311-drafts";
const NOT_OURS = ["/staff/", "/admin/", "/open311/", "/live/", "/i18n/", "/media/", "/sw.js"];

importScripts(CONFIG.drafts);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) =>
      Promise.all(
        CONFIG.precache.map((url) =>
          // One missing file must not stop the others (nor the install).
          cache.add(new Request(url, { cache: "reload", credentials: "same-origin" })).catch(() => null),
        ),
      ),
    ).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(PREFIX) && name !== SHELL && name !== RUNTIME)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function offlinePage() {
  // ignoreVary: pages vary on Accept-Language and Cookie, which a navigation's request may carry.
  return caches.match(CONFIG.offline, { ignoreSearch: true, ignoreVary: true }).then(
    (page) => page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } }),
  );
}

async function page(request) {
  try {
    const response = await fetch(request);
    const path = new URL(request.url).pathname;
    if (response.ok && CONFIG.precache.includes(path)) {
      const copy = response.clone();
      caches.open(SHELL).then((cache) => cache.put(path, copy));
    }
    return response;
  } catch (error) {
    return (await caches.match(request, { ignoreSearch: true, ignoreVary: true })) || offlinePage();
  }
}

async function postedPage(request) {
  // A form sent while the network fails: a report form (it has a draft_key) is kept as a draft.
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (error) {
    try {
      const data = await copy.formData();
      if (data.get("draft_key") && self.CivicDrafts.isSending(data)) {
        const key = await self.CivicDrafts.saveFormData(request.url, data);
        await self.CivicDrafts.requestSync();
        return Response.redirect(CONFIG.offline + "?saved=" + encodeURIComponent(key), 303);
      }
    } catch (ignored) {
      // not a form we can read: fall through to the offline page
    }
    return offlinePage();
  }
}

async function staticFile(event) {
  const request = event.request;
  const cached = await caches.match(request);
  const fresh = fetch(request)
    .then((response) => {
      if (response.ok) {
        const copy = response.clone();
        const name = CONFIG.precache.includes(new URL(request.url).pathname) ? SHELL : RUNTIME;
        caches.open(name).then((cache) => cache.put(request, copy));
      }
      return response;
    })
    .catch(() => null);
  if (cached) {
    event.waitUntil(fresh);
    return cached;
  }
  return (await fresh) || new Response("", { status: 504 });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NOT_OURS.some((prefix) => url.pathname.startsWith(prefix))) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(request.method === "GET" ? page(request) : postedPage(request));
  } else if (request.method === "GET" && url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(event));
  } else if (request.method === "GET" && url.pathname === CONFIG.offline) {
    event.respondWith(fetch(request).catch(offlinePage));
  }
});

/* Sends the drafts; the open pages show the numbers of those sent (drafts.js keeps them until then). */
async function sendAndTell() {
  const summary = await self.CivicDrafts.sendAll();
  if (summary.sent > 0) {
    for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage("drafts-sent");
  }
  return summary;
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) {
    event.waitUntil(
      sendAndTell().then((summary) => {
        // Failed sends are retried by the browser when the promise rejects.
        if (summary.retry > 0) throw new Error("drafts left to send");
      }),
    );
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "send-drafts") event.waitUntil(sendAndTell());
});
