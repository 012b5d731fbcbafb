// Background job pages (core/job.html, and the import job page sheets/job.html): polls the job's progress as JSON
// and reloads the page once the job has ended, so the result (its link, its files, an import's counts and error
// sheet) is rendered by the server. No inline script (CSP).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-finished") === "1") return;
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("job-progress");
  var done = document.getElementById("job-done");
  var total = document.getElementById("job-total");
  var state = document.getElementById("job-state");
  var delay = 1000;

  function show(p) {
    if (bar && p.total) { bar.max = p.total; bar.value = p.done; }
    if (done) done.textContent = p.done;
    if (total) total.textContent = p.total || "?";
    if (state && p.status_display) state.textContent = p.status_display;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (p) {
        show(p);
        if (p.finished || p.stale) { window.location.reload(); return; }
        delay = Math.min(delay * 1.2, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
