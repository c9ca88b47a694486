/* Электронный дневник: opens an encrypted diary page in the browser (WebCrypto only).
 *
 * The page carries {"v":2,"kdf":"pbkdf2-sha256","iter","salt","iv","ct"} in
 * #diary-payload. key = PBKDF2-HMAC-SHA256(normalised password, salt, iter, 32 bytes);
 * plaintext = AES-256-GCM-decrypt(key, iv, ct, associated data "d/<token>/<file name>"
 * as read from this page's own address) = body HTML || 0x80 || 0x00...; so a page served
 * at another page's address does not open. A "v":1 page (built before) has no binding.
 * The key, never the password, is kept: in sessionStorage for this tab (so the other
 * weeks open without asking), and with «Запомнить» as a non-extractable CryptoKey in
 * IndexedDB with an expiry (never on file://, where all local files share storage).
 * Over http(s) a service worker (d/sw.js, written by the build) keeps this diary's pages,
 * still encrypted, once it was unlocked here, so that they open with no signal; the page
 * adds the web app manifest («На главный экран»). «Выйти» deletes the kept pages.
 * Inlined by site_builder/shell.py and allowed by its hash in the page's CSP.
 */
(() => {
  "use strict";

  const MESSAGES = {
    wrong: "Неверный пароль. Проверьте, что он введён как в памятке.",
    latin: " Пароль набирается латинскими буквами и цифрами.",
    damaged: "Страница повреждена или изменена: обновите её или сообщите в школу.",
    insecure: "Этот браузер не может открыть дневник по незащищённому адресу (http). " +
      "Откройте адрес, начинающийся с https://, или сохранённый файл.",
    empty: "Введите пароль из памятки.",
    checking: "Проверяем пароль…",
    opening: "Открываем дневник…",
    broken: "Не удалось открыть дневник в этом браузере. Обновите браузер или откройте " +
      "дневник в другом.",
  };
  const DAY_MS = 24 * 60 * 60 * 1000;

  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const token = body.dataset.token;
  const rememberDays = Number(body.dataset.rememberDays) || 0;
  const onFile = location.protocol === "file:";
  const canRemember = !onFile && rememberDays > 0 && "indexedDB" in window;
  const canKeep = !onFile && window.isSecureContext && "serviceWorker" in navigator &&
    "caches" in window;
  const cacheName = "diary-" + token;
  const sessionName = "diary-key:" + token;
  const form = $("unlock");
  const field = $("password");
  const remember = $("remember");
  const openButton = $("open");
  const message = $("message");
  const status = $("status");
  const diary = $("diary");
  const logout = $("logout");

  // The same rule as models.diary.normalise_password: what a parent may type for K7QM-2XDP-9FHT.
  const normalise = (text) =>
    text.toUpperCase().replace(/[ \-._]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");

  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));

  // The path this page is bound to, from the address it was opened at (never from the
  // page itself, which whoever serves it could change): d/<folder>/<file name>. The
  // folder's address stands for its index.html; a host that drops ".html" is allowed.
  function boundPath() {
    const parts = location.pathname.split("/");
    let name = parts.pop();
    const folder = parts.pop();
    if (name === "") name = "index.html";
    else if (!name.endsWith(".html")) name += ".html";
    return new TextEncoder().encode("d/" + folder + "/" + name);
  }

  function readPayload() {
    const data = JSON.parse($("diary-payload").textContent);
    if ((data.v !== 1 && data.v !== 2) || data.kdf !== "pbkdf2-sha256" ||
        !Number.isInteger(data.iter) || data.iter < 1 || data.iter > 10000000) {
      throw new Error("unknown payload");
    }
    return { iter: data.iter, salt: fromBase64(data.salt), iv: fromBase64(data.iv),
             ct: fromBase64(data.ct), bound: data.v >= 2 };
  }

  async function deriveRaw(password, payload) {
    const material = await crypto.subtle.importKey(
      "raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: payload.salt, iterations: payload.iter },
      material, 256);
    return new Uint8Array(bits);
  }

  // Non-extractable: the copy kept in IndexedDB can decrypt but never be read back out.
  const importKey = (raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);

  async function decrypt(key, payload) {
    const params = { name: "AES-GCM", iv: payload.iv };
    if (payload.bound) params.additionalData = boundPath();
    const plain = new Uint8Array(await crypto.subtle.decrypt(params, key, payload.ct));
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end -= 1;
    if (end === 0 || plain[end - 1] !== 0x80) throw new Error("bad padding");
    return new TextDecoder("utf-8", { fatal: true }).decode(plain.subarray(0, end - 1));
  }

  function keyStore(mode, action) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("diary", 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore("keys");
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const tx = db.transaction("keys", mode);
        const request = action(tx.objectStore("keys"));
        tx.oncomplete = () => { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
      };
    });
  }

  async function rememberedKey() {
    if (!canRemember) return null;
    const entry = await keyStore("readonly", (store) => store.get(token));
    if (!entry) return null;
    if (!(entry.expires > Date.now())) {
      await keyStore("readwrite", (store) => store.delete(token));
      return null;
    }
    return entry.key;
  }

  async function cachedKey() {
    const saved = sessionStorage.getItem(sessionName);
    if (saved) return importKey(fromBase64(saved));
    return rememberedKey();
  }

  // The site's shell for this folder: its worker and manifest live in d/, beside the
  // diaries. Only over http(s): a worker cannot serve file:// pages.
  function offlineShell() {
    if (!canKeep) return;
    const manifest = document.createElement("link");
    manifest.rel = "manifest";
    manifest.href = "../manifest.webmanifest";
    document.head.append(manifest);
    navigator.serviceWorker.register("../sw.js", { scope: "../" }).catch(() => {
      /* no worker (private mode, a host without it): the diary opens online only */
    });
  }

  // The pages of this diary the worker keeps after an unlock: this one, the current week
  // and every page the week links to in the same folder (weeks, marks, timetable, news).
  function keepOffline() {
    if (!canKeep) return;
    const here = new URL(".", location.href).href;
    const pages = new Set([location.href.split("#")[0], here, here + "index.html"]);
    for (const link of diary.querySelectorAll("a[href]")) {
      const url = new URL(link.getAttribute("href"), location.href);
      url.hash = "";
      if (url.href.startsWith(here) && !url.href.slice(here.length).includes("/")) {
        pages.add(url.href);
      }
    }
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.active && body.classList.contains("unlocked")) {
        registration.active.postMessage({ keep: token, pages: [...pages] });
      }
    }).catch(() => { /* the diary still opens online */ });
  }

  async function forget() {
    try { sessionStorage.removeItem(sessionName); } catch (error) { /* storage disabled */ }
    if (canKeep) {
      try { await caches.delete(cacheName); } catch (error) { /* nothing was kept */ }
    }
    if (canRemember) {
      try {
        await keyStore("readwrite", (store) => store.delete(token));
      } catch (error) { /* nothing was kept */ }
    }
  }

  async function keep(raw) {
    try { sessionStorage.setItem(sessionName, toBase64(raw)); } catch (error) { /* blocked */ }
    if (canRemember && remember.checked) {
      try {
        const entry = { key: await importKey(raw), expires: Date.now() + rememberDays * DAY_MS };
        await keyStore("readwrite", (store) => store.put(entry, token));
      } catch (error) { /* private mode or no IndexedDB: the session copy still works */ }
    }
  }

  // How fresh the data is: over http(s) the build's moment from d/stamp.json (written by
  // every build, no pupil's data; the worker keeps it for use offline), on file:// the time
  // this page's file was written.
  function showStamp() {
    const stamp = $("stamp");
    const written = () => {
      const when = new Date(document.lastModified);
      if (Number.isNaN(when.getTime())) return;
      stamp.textContent = "страница от " + when.toLocaleString("ru-RU", {
        day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
      });
      stamp.hidden = false;
    };
    if (onFile) {
      written();
      return;
    }
    fetch("../stamp.json", { cache: "no-cache", credentials: "omit" })
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error("none"))))
      .then((data) => {
        if (typeof data.built !== "string") throw new Error("none");
        stamp.textContent = "данные на " + data.built;
        stamp.hidden = false;
      })
      .catch(written);
  }

  function show(html) {
    diary.innerHTML = html; // trusted: HTML written by our own builder, authenticated by GCM
    field.value = "";
    form.hidden = true;
    status.hidden = true;
    logout.hidden = false;
    body.classList.add("unlocked");
    showStamp();
    keepOffline();
  }

  function ask(text) {
    status.hidden = true;
    form.hidden = false;
    message.textContent = text;
    field.focus();
  }

  function fail(text) {
    form.hidden = true;
    status.textContent = text;
    status.classList.add("error");
    status.hidden = false;
  }

  async function unlock(payload) {
    const typed = field.value;
    const password = normalise(typed);
    if (!password) {
      message.textContent = MESSAGES.empty;
      return;
    }
    openButton.disabled = true;
    message.textContent = MESSAGES.checking;
    try {
      const raw = await deriveRaw(password, payload);
      let html;
      try {
        html = await decrypt(await importKey(raw), payload);
      } catch (error) {
        message.textContent = MESSAGES.wrong + (/[а-яё]/i.test(typed) ? MESSAGES.latin : "");
        field.select();
        return;
      }
      await keep(raw);
      show(html);
    } catch (error) {
      message.textContent = MESSAGES.broken;
    } finally {
      openButton.disabled = false;
    }
  }

  async function start() {
    let payload;
    try {
      payload = readPayload();
    } catch (error) {
      fail(MESSAGES.damaged);
      return;
    }
    if (!window.crypto || !window.crypto.subtle) {
      fail(MESSAGES.insecure);
      return;
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      unlock(payload);
    });
    logout.addEventListener("click", async () => {
      await forget();
      location.reload();
    });
    $("remember-row").hidden = !canRemember;
    offlineShell();
    status.textContent = MESSAGES.opening;
    status.hidden = false;
    let key = null;
    try { key = await cachedKey(); } catch (error) { key = null; }
    if (!key) {
      ask("");
      return;
    }
    try {
      show(await decrypt(key, payload));
    } catch (error) {
      // A key that opened this diary before fails here: the page was altered, or the
      // password was changed since. Forget the key and ask again.
      await forget();
      ask(MESSAGES.damaged);
    }
  }

  // Back/forward cache: after «Выйти» elsewhere in this tab, do not show a stale diary.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && body.classList.contains("unlocked")) location.reload();
  });

  start();
})();
