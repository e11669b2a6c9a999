"use strict";
// A broadcast's progress, live: its counts read again every second until nothing is left to send. The buttons
// (pause, resume, cancel) stay plain forms; when the last row is settled the page reloads once to drop them.
(function () {
  const card = document.getElementById("progress");
  if (!card) return;
  const bar = card.querySelector("progress");
  const field = (name) => card.querySelector(`[data-field="${name}"]`);
  let wasPending = Number(field("pending").textContent) > 0;
  async function refresh() {
    let p;
    try {
      const response = await fetch(card.dataset.api, { headers: { Accept: "application/json" } });
      if (!response.ok) return schedule(5000);
      p = await response.json();
    } catch (e) {
      return schedule(5000); // offline for a moment: try again, quietly
    }
    for (const name of ["total", "sent", "pending", "failed", "blocked", "cancelled", "percent"]) {
      field(name).textContent = p[name];
    }
    const state = field("state");
    const status = p.pending === 0 && p.state === "sending" ? "done" : p.state;
    state.textContent = state.dataset[status] || status;
    bar.value = p.percent;
    if (wasPending && p.pending === 0) { location.reload(); return; }
    wasPending = p.pending > 0;
    if (p.pending > 0) schedule(1000);
  }
  function schedule(ms) { setTimeout(refresh, ms); }
  if (wasPending) schedule(1000);
})();
