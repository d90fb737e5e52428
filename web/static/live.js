// Live regions: elements marked data-live="topic topic" (with an id) are fetched again from the page's own
// URL when the server says one of their topics changed (/events, server-sent events; see web/live.py).
// Written here rather than taken from htmx + its SSE extension: the whole job is ~80 lines (listen, debounce,
// fetch the page, swap the regions by id, keep what the user is typing), while htmx would bring 50 KB and a
// second way of writing every page.
"use strict";

(() => {
  const live = () => [...document.querySelectorAll("[data-live][id]")];
  if (!live().length || !window.EventSource || !window.fetch) return;
  const topics = new Set(live().flatMap((el) => el.dataset.live.split(/\s+/).filter(Boolean)));
  const badge = document.getElementById("live-state");
  let pending = new Set(), timer = null, busy = false, lost = false;

  function show(state) {
    if (!badge) return;
    badge.hidden = false;
    badge.textContent = badge.dataset[state] || "";  // the words come from the page (web/console/i18n.py)
    badge.className = "live-state " + state;
  }

  // A region that holds the focus of a field being typed in waits until the field is left.
  function editing(el) {
    const a = document.activeElement;
    return a && el.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName);
  }

  async function refresh() {
    if (busy) { timer = setTimeout(refresh, 200); return; }
    const wanted = pending; pending = new Set(); timer = null; busy = true;
    try {
      const r = await fetch(location.href, { headers: { "X-Live": "1" }, credentials: "same-origin", cache: "no-store" });
      if (r.redirected && new URL(r.url).pathname === "/login") { show("expired"); return; }
      if (!r.ok) return;
      const next = new DOMParser().parseFromString(await r.text(), "text/html");
      for (const el of live()) {
        if (!el.dataset.live.split(/\s+/).some((t) => wanted.has(t))) continue;
        const fresh = next.getElementById(el.id);
        if (!fresh || fresh.innerHTML === el.innerHTML) continue;
        if (editing(el)) { wanted.forEach((t) => pending.add(t)); continue; }
        el.replaceChildren(...fresh.childNodes);
        for (const { name, value } of fresh.attributes) {  // e.g. a chart's data-charts
          if (name === "class" || (name.startsWith("data-") && name !== "data-live")) el.setAttribute(name, value);
        }
        el.dispatchEvent(new CustomEvent("dutydesk:updated", { bubbles: true }));
        if (window.dutydesk) window.dutydesk.enhance(el);
      }
    } catch (e) {
      wanted.forEach((t) => pending.add(t));  // try again with the next change or reconnect
    } finally {
      busy = false;
    }
  }

  function want(list) {
    list.forEach((t) => pending.add(t));
    if (!timer) timer = setTimeout(refresh, 250);  // several changes in a burst: one fetch
  }

  const source = new EventSource("/events?topics=" + encodeURIComponent([...topics].join(" ")));
  source.addEventListener("ready", () => {
    show("on");
    if (lost) { lost = false; want(topics); }  // changes made while the stream was down
  });
  source.addEventListener("change", (ev) => want(ev.data.split(" ").filter((t) => topics.has(t))));
  let leaving = false;  // the server ends each stream after a while (web.live_stream_seconds): not an outage
  source.addEventListener("bye", () => { leaving = true; });
  source.addEventListener("error", () => {
    lost = true;
    // CLOSED: the browser gave up (the answer was not a stream: the session ended and /login answered)
    if (source.readyState === EventSource.CLOSED) show("expired");
    else if (!leaving) show("off");
    leaving = false;
  });
  document.addEventListener("focusout", () => { if (pending.size && !timer) timer = setTimeout(refresh, 250); });
  window.addEventListener("pagehide", () => source.close());
})();
