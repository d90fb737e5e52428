// dutydesk console helpers, shipped with the package (no CDN).
// Live countdowns: <span class="countdown" data-due="ISO-8601">.
function tick() {
  const now = Date.now();
  document.querySelectorAll(".countdown[data-due]").forEach((el) => {
    const ms = Date.parse(el.dataset.due) - now;
    const m = Math.floor(Math.abs(ms) / 60000), s = Math.floor((Math.abs(ms) % 60000) / 1000);
    el.textContent = (ms < 0 ? "-" : "") + m + ":" + String(s).padStart(2, "0");
    el.classList.toggle("overdue", ms < 0);
  });
}
setInterval(tick, 1000);
document.addEventListener("DOMContentLoaded", tick);
