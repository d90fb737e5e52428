// dutydesk console behaviour, shipped with the package (no CDN, no inline script: the CSP forbids it).
// Every page works without it; with it: the phone menu, tables as cards on phones, live countdowns,
// live regions (web/static/live.js) and forms that protect what was typed.
"use strict";

const LANG = document.body.dataset.lang === "en" ? "en" : "zh";

// ---- the phone menu: one button opens and closes the navigation ----
function setupMenu() {
  const button = document.querySelector(".nav-toggle"), nav = document.getElementById("nav");
  if (!button || !nav) return;
  button.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", String(open));
    if (open) (nav.querySelector("a[aria-current]") || nav.querySelector("a"))?.focus();
  });
}

// ---- tables become stacked cards on a phone: each cell carries its column's name ----
function labelTables(root) {
  const tables = [...root.querySelectorAll("table:not([data-nostack])")];
  if (root.matches && root.matches("table:not([data-nostack])")) tables.push(root);  // a live region may be the table
  tables.forEach((table) => {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach((tr) => {
      let col = 0;
      [...tr.children].forEach((td) => {
        if (!td.hasAttribute("data-label")) td.setAttribute("data-label", td.colSpan > 1 ? "" : heads[col] || "");
        td.classList.toggle("blank", !td.textContent.trim() && !td.querySelector("input, button, select, img"));
        col += td.colSpan || 1;
      });
    });
    table.classList.add("stacked");
  });
}

// ---- countdowns: <span class="countdown" data-due="ISO-8601"> in days, hours, minutes ----
function spell(ms) {
  const total = Math.floor(Math.abs(ms) / 1000), d = Math.floor(total / 86400), h = Math.floor(total % 86400 / 3600),
        m = Math.floor(total % 3600 / 60), s = total % 60, two = (n) => String(n).padStart(2, "0");
  if (LANG === "en") return d ? `${d}d ${h}h` : h ? `${h}h ${two(m)}m` : `${m}:${two(s)}`;
  return d ? `${d}天${h}小时` : h ? `${h}小时${two(m)}分` : `${m}:${two(s)}`;
}
function tick() {
  const now = Date.now();
  document.querySelectorAll(".countdown[data-due]").forEach((el) => {
    const ms = Date.parse(el.dataset.due) - now;
    if (Number.isNaN(ms)) return;
    // an escalation step that is due is being sent (the engine fires it within a second or two): only a step
    // still due a minute later is late, and says so
    const sending = el.dataset.kind === "step" && ms < 0 && ms > -60000;
    const late = ms < 0 && !sending;
    el.textContent = sending ? (LANG === "en" ? "sending now" : "正在发送") :
      late ? (LANG === "en" ? `overdue ${spell(ms)}` : `超时 ${spell(ms)}`) : spell(ms);
    el.classList.toggle("overdue", late);
    const lead = el.previousElementSibling;  // 距下一时限 6:38, then 下一时限 超时 5:00 (web/console/incidents/panels.py)
    if (lead && lead.classList.contains("countdown-lead")) {
      if (!lead.dataset.soon) lead.dataset.soon = lead.textContent;
      lead.textContent = late ? lead.dataset.late : lead.dataset.soon;
    }
    el.setAttribute("title", new Date(Date.parse(el.dataset.due)).toLocaleString(LANG === "en" ? "en-GB" : "zh-CN"));
  });
}

// ---- forms: Enter in a text field never submits a form marked data-no-enter (an incident notifies leaders);
// the first field of a form marked data-autofocus, or the error summary, gets the focus ----
function protectForms() {
  document.querySelectorAll("form[data-no-enter]").forEach((form) => {
    form.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && ev.target instanceof HTMLInputElement && ev.target.type !== "submit") ev.preventDefault();
    });
  });
  // what used to be inline handlers (the CSP runs no inline script): confirm before a form marked data-confirm,
  // submit a form when a select marked data-autosubmit changes, print with a button marked data-print
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (ev) => { if (!window.confirm(form.dataset.confirm)) ev.preventDefault(); });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form && select.form.requestSubmit());
  });
  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
  const summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); return; }
  const first = document.querySelector("form[data-autofocus] input:not([type=hidden]), form[data-autofocus] select, form[data-autofocus] textarea");
  if (first) first.focus();
}

// ---- the person picker: typing in the filter box keeps only the options (and unit groups) that match ----
function setupPickers(root) {
  root.querySelectorAll("input.picker-filter[data-filter-for]").forEach((box) => {
    const select = document.getElementById(box.dataset.filterFor);
    if (!select || box.dataset.ready) return;
    box.dataset.ready = "1";
    box.addEventListener("input", () => {
      const q = box.value.trim().toLowerCase();
      select.querySelectorAll("optgroup").forEach((group) => {
        let any = false;
        group.querySelectorAll("option").forEach((opt) => {
          const hit = !q || opt.textContent.toLowerCase().includes(q) || group.label.toLowerCase().includes(q);
          opt.hidden = !hit && !opt.selected;
          any = any || !opt.hidden;
        });
        group.hidden = !any;
      });
    });
  });
}

// ---- the report form: a 首报 option names its medium, so the channel select (for 续报/终报) is set and locked ----
function setupReportKind(root) {
  const kind = root.querySelector && root.querySelector("#f-kind"), channel = root.querySelector && root.querySelector("#f-channel");
  if (!kind || !channel || kind.dataset.wired) return;
  kind.dataset.wired = "1";
  const sync = () => {
    const medium = kind.selectedOptions[0]?.dataset.channel;
    if (medium) channel.value = medium;
    channel.disabled = Boolean(medium);
  };
  kind.addEventListener("change", sync);
  sync();
}

function enhance(root) { setupReportKind(root); setupPickers(root); setupNotIn(root); labelTables(root); tick(); }
window.dutydesk = { enhance };

document.addEventListener("DOMContentLoaded", () => {
  setupMenu();
  protectForms();
  enhance(document);
  setInterval(tick, 1000);
});

// ---- the leave form: the person going on leave is not in the 主持工作 list (select[data-not-in] names that list) ----
function setupNotIn(root) {
  root.querySelectorAll("select[data-not-in]").forEach((person) => {
    const other = document.getElementById(person.dataset.notIn);
    if (!other || person.dataset.wired) return;
    person.dataset.wired = "1";
    const sync = () => other.querySelectorAll("option").forEach((opt) => {
      const self = opt.value !== "" && opt.value === person.value;
      opt.hidden = opt.disabled = self;
      if (self && opt.selected) other.value = "";
    });
    person.addEventListener("change", sync);
    sync();
  });
}
