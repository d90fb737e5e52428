// Live regions: elements marked data-live="topic topic" (with an id) are swapped when the server says one of
// their topics changed (/events, server-sent events; see web/live.py). The stream knows the page (`page=`) and
// sends the changed regions in the event itself ("regions", rendered once for every page that shows the same:
// web/live_regions.py); an event without them ("change": too large, a failed render, an older server) makes the
// page fetch them from its own URL instead.
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
  // The version of the latest event: sent back with the refetch, so the server renders the regions once for all
  // the pages that see the same (web/fragments.py); empty after an outage, when the whole page is rendered afresh.
  let version = "";

  function show(state) {
    if (!badge) return;
    badge.hidden = false;
    badge.textContent = badge.dataset[state] || "";  // the words come from the page (web/console/i18n.py)
    badge.className = "live-state " + state;
  }

  // A region that holds the focus of a field being typed in waits until the field is left; one with a field
  // changed from what the page gave (e.g. whom the officer reached by phone, typed and then left) waits too.
  function changed(f) {
    if (f.type === "checkbox" || f.type === "radio") return f.checked !== f.defaultChecked;
    if (f.tagName === "SELECT" && !f.multiple) {  // none marked selected: the browser shows the first
      const d = [...f.options].findIndex((o) => o.defaultSelected);
      return f.options.length > 0 && f.selectedIndex !== Math.max(d, 0);
    }
    if (f.tagName === "SELECT") return [...f.options].some((o) => o.selected !== o.defaultSelected);
    return f.type !== "hidden" && f.value !== f.defaultValue;
  }
  function editing(el) {
    const a = document.activeElement;
    if (a && el.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return true;
    return [...el.querySelectorAll("input, textarea, select")].some(changed);
  }

  // The regions of `html` (the live regions, or a whole page) put in place of the page's regions of `wanted`
  // topics; a region being edited waits (its topics stay pending: it is fetched when the field is left).
  function swap(html, wanted) {
    const next = new DOMParser().parseFromString(html, "text/html");
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
  }

  async function refresh() {
    if (busy) { timer = setTimeout(refresh, 200); return; }
    const wanted = pending; pending = new Set(); timer = null; busy = true;
    try {
      const r = await fetch(location.href, { headers: { "X-Live": version || "1" }, credentials: "same-origin", cache: "no-store" });
      if (r.redirected && new URL(r.url).pathname === "/login") { show("expired"); return; }
      if (!r.ok) return;
      swap(await r.text(), wanted);
    } catch (e) {
      wanted.forEach((t) => pending.add(t));  // try again with the next change or reconnect
    } finally {
      busy = false;
    }
  }

  // Several changes in a burst: one fetch, DELAY ms after the first. SPREAD: a random extra wait of up to that many
  // ms, so that hundreds of open pages do not all ask at the same instant (bench/bench_live.py measures both).
  const DELAY = 250, SPREAD = 0;
  function want(list) {
    list.forEach((t) => pending.add(t));
    if (!timer) timer = setTimeout(refresh, DELAY + Math.random() * SPREAD);
  }

  const source = new EventSource("/events?topics=" + encodeURIComponent([...topics].join(" ")) +
    "&page=" + encodeURIComponent(location.pathname + location.search));
  source.addEventListener("ready", (ev) => {
    show("on");
    // the server's time (the office clock): the wall display keeps its offset from the browser's
    if (ev.data) document.dispatchEvent(new CustomEvent("dutydesk:servertime", { detail: ev.data }));
    if (lost) { lost = false; version = ""; want(topics); }  // changes made while the stream was down
  });
  source.addEventListener("change", (ev) => {
    version = ev.lastEventId || "";
    want(ev.data.split(" ").filter((t) => topics.has(t)));
  });
  source.addEventListener("regions", (ev) => {  // {topics: [...], regions: {id: html}}: no fetch
    version = ev.lastEventId || "";
    try {
      const { topics: changed, regions } = JSON.parse(ev.data);
      swap(Object.values(regions).join("\n"), new Set(changed.filter((t) => topics.has(t))));
    } catch (e) {
      want(topics);  // not readable: fetch the regions as for a "change"
    }
  });
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
