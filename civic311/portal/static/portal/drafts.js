/* Offline drafts of the report form (form[data-draft-form]).

   Offline (navigator.onLine false), sending the form keeps it on the device instead: its fields and photos
   go into IndexedDB under the form's draft_key, and the resident is told it will be sent later. When the
   connection is back (the `online` event, any page load, Background Sync from the service worker, which
   loads this file too), each draft is POSTed to its form's action with `Accept: application/json` and the
   same draft_key, so a draft sent twice still makes one request:
     201/200 {service_request_id, tracking_url}  sent: removed, and the number shown;
     400 {errors: {field: [messages]}}            kept, and shown with its errors;
     network error, 5xx, 429                      kept, and tried again later (backoff).
   Window.CivicDrafts (or self.CivicDrafts in the worker) is the small API the worker and tests use. */
(function (global) {
  "use strict";

  const DB_NAME = "civic311-drafts";
  const DB_VERSION = 1;
  const DRAFTS = "drafts"; // key: draft_key
  const SENT = "sent"; // drafts sent while no page showed it (the worker): shown on the next page
  const USED = "used"; // draft keys already saved or sent: a page from the worker's cache gets a new one
  const USED_FOR_MS = 30 * 24 * 3600 * 1000;
  const SYNC_TAG = "civic311-drafts";
  const FIRST_RETRY_MS = 5000;
  const LAST_RETRY_MS = 5 * 60 * 1000;

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = global.indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(DRAFTS)) db.createObjectStore(DRAFTS, { keyPath: "key" });
        if (!db.objectStoreNames.contains(SENT)) db.createObjectStore(SENT, { keyPath: "key" });
        if (!db.objectStoreNames.contains(USED)) db.createObjectStore(USED, { keyPath: "key" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(name, mode, work) {
    const db = await openDb();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(name, mode);
        const store = transaction.objectStore(name);
        let result;
        const request = work(store);
        if (request) request.onsuccess = () => { result = request.result; };
        transaction.oncomplete = () => resolve(result);
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  function newKey() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    const bytes = global.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /* A FormData as storable entries: text as is, files as Blobs with their names (structured clone). */
  function entriesOf(formData) {
    const entries = [];
    for (const [name, value] of formData.entries()) {
      if (typeof value === "string") {
        entries.push({ name, value });
      } else if (value && value.size > 0) {
        // An empty file input sends a nameless empty file: not worth keeping.
        entries.push({ name, value: value.slice(0, value.size, value.type), filename: value.name || "photo.jpg" });
      }
    }
    return entries;
  }

  async function saveFormData(action, formData) {
    const key = String(formData.get("draft_key") || "") || newKey();
    const draft = {
      key,
      action,
      entries: entriesOf(formData).map((e) => (e.name === "draft_key" ? { name: e.name, value: key } : e)),
      savedAt: new Date().toISOString(),
      state: "waiting", // waiting | invalid
      errors: null,
      attempts: 0,
    };
    await withStore(DRAFTS, "readwrite", (store) => store.put(draft));
    await withStore(USED, "readwrite", (store) => store.put({ key, at: Date.now() }));
    return key;
  }

  const list = () => withStore(DRAFTS, "readonly", (store) => store.getAll());
  const remove = (key) => withStore(DRAFTS, "readwrite", (store) => store.delete(key));
  const put = (draft) => withStore(DRAFTS, "readwrite", (store) => store.put(draft));
  const sentList = () => withStore(SENT, "readonly", (store) => store.getAll());
  const forgetSent = (key) => withStore(SENT, "readwrite", (store) => store.delete(key));

  function csrfCookie() {
    if (typeof document === "undefined") return "";
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* Sends one draft; answers {outcome: "sent", number, trackingUrl} | {outcome: "invalid", errors} |
     {outcome: "retry"}. The draft store is updated to match. */
  async function send(draft) {
    const body = new FormData();
    const token = csrfCookie(); // a page knows the current token; the worker uses the one saved
    for (const entry of draft.entries) {
      if (entry.name === "csrfmiddlewaretoken" && token) body.append(entry.name, token);
      else if (entry.filename !== undefined) body.append(entry.name, entry.value, entry.filename);
      else body.append(entry.name, entry.value);
    }
    let response;
    try {
      response = await fetch(draft.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "civic311-drafts" },
      });
    } catch (error) {
      draft.attempts += 1;
      await put(draft);
      return { outcome: "retry" };
    }
    let answer = {};
    try {
      answer = await response.json();
    } catch (error) {
      answer = {};
    }
    if ((response.status === 200 || response.status === 201) && answer.service_request_id) {
      await remove(draft.key);
      return { outcome: "sent", number: answer.service_request_id, trackingUrl: answer.tracking_url };
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      draft.attempts += 1;
      await put(draft);
      return { outcome: "retry" };
    }
    draft.state = "invalid";
    draft.errors = answer.errors || { __all__: [`HTTP ${response.status}`] };
    await put(draft);
    return { outcome: "invalid", errors: draft.errors };
  }

  /* Whether a posted form is a report being sent (the draft's own button, "me too", or no button named
     `action`), rather than a step that needs the server (search, continue). */
  function isSending(formData) {
    const action = formData.get("action");
    return formData.has("me_too") || action === null || action === "submit";
  }

  let sending = null;

  /* Sends every waiting draft once (invalid ones stay until corrected or discarded). In the worker, the
     numbers of the sent drafts are kept for the next page to show. */
  function sendAll(onResult) {
    if (sending) return sending;
    // One sender at a time across this origin's pages and its worker (Web Locks): the second finds the
    // drafts the first sent already gone, instead of racing it to the server.
    const locks = global.navigator && global.navigator.locks;
    const exclusive = (work) => (locks ? locks.request("civic311-drafts-send", work) : work());
    sending = exclusive(async () => {
      const summary = { sent: 0, invalid: 0, retry: 0 };
      for (const draft of await list()) {
        if (draft.state === "invalid") continue;
        const result = await send(draft);
        summary[result.outcome] += 1;
        if (result.outcome === "sent" && typeof document === "undefined") {
          await withStore(SENT, "readwrite", (store) =>
            store.put({ key: draft.key, number: result.number, trackingUrl: result.trackingUrl }),
          );
        }
        if (onResult) onResult(draft, result);
      }
      return summary;
    }).finally(() => {
      sending = null;
    });
    return sending;
  }

  async function requestSync() {
    try {
      // In a page, `ready` waits for a worker that may never come (no secure context): not for long.
      const registration =
        global.registration ||
        (await Promise.race([global.navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, 2000))]));
      if (registration && registration.sync) await registration.sync.register(SYNC_TAG);
    } catch (error) {
      // No Background Sync here: the `online` event and the next page load send the drafts.
    }
  }

  global.CivicDrafts = { saveFormData, list, remove, send, sendAll, requestSync, newKey, isSending, DB_NAME };

  if (typeof document === "undefined") return; // the service worker needs no more

  /* --- the page ------------------------------------------------------------------------------------ */

  const status = () => document.getElementById("draft-status");
  const message = (name) => (status() ? status().dataset[name] || "" : "");
  let retryDelay = FIRST_RETRY_MS;
  let retryTimer = null;

  function say(text, extra) {
    const region = status();
    if (!region) return;
    const item = document.createElement("p");
    item.textContent = text;
    if (extra) item.append(" ", extra);
    region.append(item);
  }

  function clearStatus() {
    const region = status();
    if (region) region.replaceChildren();
  }

  function link(href, text) {
    const anchor = document.createElement("a");
    anchor.href = href;
    anchor.textContent = text;
    return anchor;
  }

  function showSent(number, trackingUrl) {
    const text = message("sent").replace("{number}", number || "");
    say(text, trackingUrl ? link(trackingUrl, message("track")) : null);
  }

  /* The label of a form field on this page, for an error the server gave by field name. */
  function labelOf(name) {
    if (name === "__all__") return "";
    const form = document.querySelector("form[data-draft-form]");
    const field = form && form.querySelector(`[name="${CSS.escape(name)}"]`);
    const label = field && field.labels && field.labels[0];
    return label ? label.textContent.replace(/\s+/g, " ").replace(/\(.*?\)/g, "").trim() : name;
  }

  function showInvalid(draft) {
    const region = status();
    if (!region) return;
    const box = document.createElement("div");
    box.className = "draft-invalid";
    box.setAttribute("role", "alert");
    const intro = document.createElement("p");
    intro.textContent = message("invalid");
    const errors = document.createElement("ul");
    for (const [field, messages] of Object.entries(draft.errors || {})) {
      for (const text of [].concat(messages)) {
        const item = document.createElement("li");
        const label = labelOf(field);
        item.textContent = label ? `${label}: ${text}` : String(text);
        errors.append(item);
      }
    }
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary";
    discard.textContent = message("discard");
    discard.addEventListener("click", async () => {
      await remove(draft.key);
      box.remove();
    });
    box.append(intro, errors);
    const form = document.querySelector("form[data-draft-form]");
    if (form) {
      const restore = document.createElement("button");
      restore.type = "button";
      restore.textContent = message("restore");
      restore.addEventListener("click", async () => {
        restoreInto(form, draft);
        await remove(draft.key);
        box.remove();
        form.querySelector("input, select, textarea")?.focus();
      });
      box.append(restore, " ");
    }
    box.append(discard);
    region.append(box);
  }

  /* Puts a draft's text back in the form (photos cannot be put back in a file input). */
  function restoreInto(form, draft) {
    const byName = {};
    for (const entry of draft.entries) {
      if (entry.filename !== undefined || entry.name === "csrfmiddlewaretoken") continue;
      (byName[entry.name] = byName[entry.name] || []).push(entry.value);
    }
    for (const [name, values] of Object.entries(byName)) {
      for (const field of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (field.type === "checkbox" || field.type === "radio") field.checked = values.includes(field.value);
        else if (field.tagName === "SELECT" && field.multiple) {
          for (const option of field.options) option.selected = values.includes(option.value);
        } else if (field.type !== "file") field.value = values[0];
      }
    }
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      sendNow();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, LAST_RETRY_MS);
  }

  async function sendNow() {
    if (!navigator.onLine) return;
    const summary = await sendAll((draft, result) => {
      if (result.outcome === "sent") {
        showSent(result.number, result.trackingUrl);
        renewForm(draft.key);
      } else if (result.outcome === "invalid") {
        showInvalid(draft);
      }
    });
    if (summary.retry > 0) scheduleRetry();
    else retryDelay = FIRST_RETRY_MS;
    document.dispatchEvent(new CustomEvent("civic311:drafts-sent", { detail: summary }));
    return summary;
  }

  /* The form on screen was that draft: ready for a new report. */
  function renewForm(key) {
    const form = document.querySelector("form[data-draft-form]");
    if (form && form.elements.draft_key && form.elements.draft_key.value === key) {
      form.reset();
      form.elements.draft_key.value = newKey();
    }
  }

  /* Drafts the worker sent (Background Sync), with or without a page open. */
  async function showSentByWorker() {
    for (const sent of await sentList()) {
      showSent(sent.number, sent.trackingUrl);
      renewForm(sent.key);
      await forgetSent(sent.key);
    }
  }

  async function showSaved() {
    await showSentByWorker();
    const drafts = await list();
    const waiting = drafts.filter((d) => d.state !== "invalid").length;
    if (waiting > 0) say(message("waiting").replace("{count}", String(waiting)));
    for (const draft of drafts.filter((d) => d.state === "invalid")) showInvalid(draft);
  }

  async function keep(form, data) {
    if (!data.get("draft_key")) data.set("draft_key", newKey());
    if (form.elements.draft_key) form.elements.draft_key.value = data.get("draft_key");
    // Not form.action: a control named "action" (the report form's buttons) hides that property.
    const action = new URL(form.getAttribute("action") || "", location.href).href;
    const key = await saveFormData(action, data);
    clearStatus();
    say(message("saved"));
    status()?.focus();
    await requestSync();
    document.dispatchEvent(new CustomEvent("civic311:draft-saved", { detail: { key } }));
  }

  // Capture phase on the window: before the form's own scripts (report.js) see the submit.
  global.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.matches("form[data-draft-form]")) return;
      if (navigator.onLine) return; // online: the form goes as usual (the worker saves it if that fails)
      event.preventDefault();
      event.stopImmediatePropagation();
      const data = new FormData(form, event.submitter || null);
      if (!isSending(data)) {
        // A search or "continue" needs the server: nothing to keep yet.
        clearStatus();
        say(message("offline"));
        return;
      }
      keep(form, data).catch((error) => say(String(error)));
    },
    true,
  );

  global.addEventListener("online", () => {
    retryDelay = FIRST_RETRY_MS;
    sendNow();
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data === "drafts-sent") showSentByWorker();
    });
  }

  global.CivicDrafts.sendNow = sendNow;

  function register() {
    const script = document.querySelector("script[data-service-worker]");
    if (!("serviceWorker" in navigator) || !script || !global.isSecureContext) return;
    // After the page has loaded: the worker's install fetches the app shell, which must not compete
    // with the page's own first requests.
    const go = () => navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" }).catch(() => null);
    if (document.readyState === "complete") go();
    else global.addEventListener("load", go, { once: true });
  }

  /* The report page the worker cached carries the draft_key it was rendered with: every visit of that
     copy would reuse it (and the server would take two reports as one). A key already used is renewed. */
  async function renewUsedKey() {
    const form = document.querySelector("form[data-draft-form]");
    const field = form && form.elements.draft_key;
    if (!field || !field.value) return;
    const cutoff = Date.now() - USED_FOR_MS;
    const used = await withStore(USED, "readonly", (store) => store.getAll());
    if (used.some((entry) => entry.key === field.value)) field.value = newKey();
    const old = used.filter((entry) => entry.at < cutoff);
    if (old.length) await withStore(USED, "readwrite", (store) => old.forEach((entry) => store.delete(entry.key)));
  }

  function start() {
    register();
    renewUsedKey().catch(() => null);
    if (new URLSearchParams(location.search).has("saved")) say(message("saved"));
    showSaved().then(() => sendNow());
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : self);
