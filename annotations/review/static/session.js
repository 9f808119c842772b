/* Session overview: progress bars, export, inter-annotator agreement. */
"use strict";
(function () {
  const { el, clear, api } = window.IC;
  for (const f of document.querySelectorAll(".fill[data-pct]")) f.style.width = f.dataset.pct + "%";

  const start = document.getElementById("start-review");
  const who = localStorage.getItem("infucode.reviewer");
  if (start && who) {
    // resume at the first note this reviewer has not marked done
    const rows = document.querySelectorAll("#notes-table tbody tr");
    for (let i = 0; i < rows.length; i++) {
      const names = Array.from(rows[i].querySelectorAll(".pill.ok")).map((p) => p.textContent);
      if (!names.includes(who)) { start.href = `/sessions/${start.dataset.sid}/review/${i}`; start.textContent = "Continue reviewing"; break; }
    }
  }

  const exp = document.getElementById("export-form");
  exp.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const fd = new FormData(exp);
    const q = new URLSearchParams({ format: fd.get("format") });
    if (fd.get("reviewer")) q.set("reviewer", fd.get("reviewer"));
    if (fd.get("only_done")) q.set("only_done", "true");
    window.location.href = `/api/sessions/${exp.dataset.sid}/export?${q}`;
  });

  const iaa = document.getElementById("iaa-form");
  if (iaa) {
    iaa.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const fd = new FormData(iaa);
      const out = document.getElementById("iaa-result");
      clear(out);
      try {
        const r = await api("GET", `/api/sessions/${iaa.dataset.sid}/agreement?` + new URLSearchParams({ a: fd.get("a"), b: fd.get("b") }));
        const f = (x) => (x === null || x === undefined ? "—" : (+x).toFixed(3));
        const t = el("table", { class: "tbl", id: "iaa-table" }, [el("tbody", {}, [
          ["Notes reviewed by both", String(r.notes)],
          ["Span F1 (exact)", f(r.span_f1)], ["Span F1 (overlap)", f(r.span_f1_relaxed)],
          ["Spans A / B / matched", `${r.spans_a} / ${r.spans_b} / ${r.span_matches}`],
          ["Events paired (unpaired A/B)", `${r.events_paired} (${r.events_unpaired_a}/${r.events_unpaired_b})`],
          ["Status agreement", f(r.status_agreement)], ["Cohen's κ (status)", f(r.status_kappa)],
        ].map(([k, v]) => el("tr", {}, [el("th", { text: k }), el("td", { text: v })])))]);
        out.appendChild(t);
        const per = Object.entries(r.per_label);
        if (per.length) {
          out.appendChild(el("h3", { text: "Per label (exact F1)" }));
          out.appendChild(el("table", { class: "tbl" }, [el("tbody", {}, per.map(([lab, v]) =>
            el("tr", {}, [el("td", {}, [el("span", { class: "pill lab-" + lab, text: lab })]), el("td", { text: `${v.a}/${v.b}` }), el("td", { text: f(v.f1) })])))]));
        }
      } catch (e) {
        out.appendChild(el("p", { class: "error-msg", text: e.message }));
      }
    });
  }
})();
