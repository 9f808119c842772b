/* Review page: step through notes, correct spans / events / codes; every change is saved at once. */
"use strict";
(function () {
  const { el, clear, api, renderNote, renderLegend, renderTimeline, renderFlags, selectionOffsets } =
    window.IC;
  const $ = (id) => document.getElementById(id);
  const root = $("review-root");
  const SID = +root.dataset.sid, POS = +root.dataset.pos, TOTAL = +root.dataset.total;
  const LABELS = root.dataset.labels.split(",");
  const STATUSES = root.dataset.statuses.split(",");
  const ROUTES = root.dataset.routes.split(",");
  const UNITS = ["mg", "mcg", "g", "mL", "L", "units", "mEq", "mmol"];
  const PURPOSES = ["", "hydration", "maintenance", "kvo", "carrier", "flush", "therapeutic", "chemotherapy", "diluent"];

  let note = null; // {id, text, ...}
  let ann = null; // {events, cpt, hcpcs, done, revision}
  let selected = null; // "i:j"
  let activeEvent = 0;
  let chain = Promise.resolve();
  let pending = 0;

  const reviewerInput = $("reviewer");
  reviewerInput.value = localStorage.getItem("infucode.reviewer") || "";
  const reviewer = () => reviewerInput.value.trim();

  function showError(msg) { $("review-error").textContent = msg || ""; $("review-error").hidden = !msg; }

  function setSaveState(cls, text) {
    const s = $("save-state");
    s.className = "save-state " + cls;
    s.textContent = text;
  }

  async function load() {
    showError("");
    if (!reviewer()) { $("need-reviewer").hidden = false; $("review-main").hidden = true; return; }
    $("need-reviewer").hidden = true;
    try {
      const d = await api("GET", `/api/sessions/${SID}/notes/${POS}?` + new URLSearchParams({ reviewer: reviewer() }));
      note = d.note;
      ann = {
        events: structuredClone(d.annotation.events || []),
        cpt: (d.annotation.cpt || []).map((l) => ({ ...l, kind: "cpt" })),
        hcpcs: (d.annotation.hcpcs || []).map((l) => ({ ...l, kind: "hcpcs" })),
        done: d.annotation.done, revision: d.annotation.revision,
      };
      $("note-id").textContent = `· ${note.id} · ${note.setting}${note.encounter_date ? " · " + note.encounter_date : ""}`;
      updateProgress(d.progress.done);
      setSaveState(d.annotation.saved ? "saved" : "", d.annotation.saved ? `Saved · rev ${d.annotation.revision}` : "Not yet reviewed (pre-annotation)");
      $("review-main").hidden = false;
      renderFlags($("flags"), d.pre.flags || []);
      renderAll();
    } catch (e) { showError(e.message); }
  }

  function updateProgress(done) {
    $("progress-fill").style.width = (TOTAL ? (100 * done) / TOTAL : 0) + "%";
    $("progress-text").textContent = `${done} of ${TOTAL} done`;
    $("done-badge").hidden = !ann || !ann.done;
  }

  // ------------------------------------------------------------------ saving (serialised, in order)
  function payload(action) {
    const strip = (l) => { const { kind, ...rest } = l; return rest; };
    const lines = [...ann.cpt, ...ann.hcpcs].filter((l) => String(l.code || "").trim());
    return {
      events: ann.events, done: ann.done, action, revision: ann.revision,
      cpt: lines.filter((l) => l.kind === "cpt").map(strip),
      hcpcs: lines.filter((l) => l.kind === "hcpcs").map(strip),
    };
  }

  function save(action) {
    pending++;
    setSaveState("saving", "Saving…");
    chain = chain.then(async () => {
      try {
        const r = await api("PUT", `/api/sessions/${SID}/notes/${POS}/annotation?` + new URLSearchParams({ reviewer: reviewer() }), payload(action));
        ann.revision = r.revision;
        setSaveState("saved", `Saved · rev ${r.revision}`);
        return r;
      } catch (e) {
        setSaveState("failed", "Not saved: " + e.message);
        if (e.status === 409) showError("This note was changed elsewhere; reload the page to continue.");
        return null;
      } finally { pending--; }
    });
    return chain;
  }

  // ------------------------------------------------------------------ rendering
  function renderAll() {
    renderText();
    renderEvents();
    renderCodes();
    renderTimeline($("timeline"), ann.events);
    $("done-badge").hidden = !ann.done;
  }

  function renderText() {
    const spans = [];
    ann.events.forEach((e, i) => (e.spans || []).forEach((s, j) => spans.push({ ...s, key: i + ":" + j, title: `${e.event_id} ${e.drug || ""}` })));
    renderLegend($("legend"), LABELS, null);
    renderNote($("note-view"), note.text, spans, {
      selectedKey: selected,
      onClick: (s) => { selectSpan(s.key); },
    });
    const sel = $("new-event");
    clear(sel);
    ann.events.forEach((e, i) => sel.appendChild(el("option", { value: i, text: `${e.event_id} ${e.drug || "(no drug)"}`, selected: i === activeEvent })));
    sel.appendChild(el("option", { value: "new", text: "+ new event", selected: !ann.events.length }));
  }

  function selectSpan(key) {
    selected = key;
    if (key) activeEvent = +key.split(":")[0];
    renderText();
    renderEvents();
  }

  function field(label, input, cls) { return el("label", { class: cls || "" }, [label, input]); }

  function selectOf(options, value, onchange, aria) {
    const s = el("select", { "aria-label": aria });
    for (const o of options) s.appendChild(el("option", { value: o, text: o === "" ? "—" : o, selected: (value ?? "") === o }));
    s.addEventListener("change", () => onchange(s.value));
    return s;
  }

  function textInput(value, onchange, aria, type) {
    const i = el("input", { type: type || "text", value: value ?? "", "aria-label": aria });
    i.addEventListener("change", () => onchange(i.value));
    return i;
  }

  function renderEvents() {
    const box = $("events");
    clear(box);
    if (!ann.events.length) box.appendChild(el("p", { class: "muted", text: "No events. Select text in the note and press s, or add an event." }));
    ann.events.forEach((e, i) => {
      const set = (k, v, action) => { e[k] = v === "" ? null : v; save(action || "edit:" + k); renderText(); renderTimeline($("timeline"), ann.events); };
      const head = el("div", { class: "ev-head" }, [
        el("span", { class: "ev-id", text: e.event_id }),
        el("span", { class: "ev-drug", text: e.drug || "(no drug)" }),
        selectOf(STATUSES, e.status || "given", (v) => { e.status = v; save("edit:status"); }, `status of ${e.event_id}`),
        el("button", { class: "btn danger-link", type: "button", title: "delete event", "aria-label": `delete event ${e.event_id}`, text: "Delete", onclick: () => {
          ann.events.splice(i, 1); selected = null; activeEvent = 0; save("delete-event"); renderAll();
        } }),
      ]);
      const dose = e.dose || {};
      const fields = el("div", { class: "ev-fields" }, [
        field("drug", textInput(e.drug, (v) => { e.drug = v.trim().toLowerCase(); save("edit:drug"); renderEvents(); renderText(); }, `drug of ${e.event_id}`), "wide"),
        field("dose", textInput(dose.value ?? "", (v) => {
          const n = parseFloat(v);
          e.dose = isNaN(n) ? null : { value: n, unit: (e.dose && e.dose.unit) || "mg" };
          save("edit:dose");
        }, `dose of ${e.event_id}`, "number")),
        field("unit", selectOf(["", ...UNITS], dose.unit || "", (v) => {
          if (e.dose) { e.dose.unit = v || "mg"; save("edit:dose_unit"); }
        }, `dose unit of ${e.event_id}`)),
        field("route", selectOf(["", ...ROUTES], e.route || "", (v) => set("route", v), `route of ${e.event_id}`), "wide"),
        field("purpose", selectOf(PURPOSES.includes(e.purpose || "") ? PURPOSES : [...PURPOSES, e.purpose], e.purpose || "", (v) => set("purpose", v), `purpose of ${e.event_id}`), "wide"),
        field("start", textInput(e.start || "", (v) => set("start", v.trim()), `start of ${e.event_id}`), "wide"),
        field("end", textInput(e.end || "", (v) => set("end", v.trim()), `end of ${e.event_id}`), "wide"),
        field("site", textInput(e.site || "", (v) => set("site", v.trim()), `site of ${e.event_id}`), "wide"),
        field("access", textInput(e.access_id || "", (v) => set("access_id", v.trim()), `access of ${e.event_id}`)),
        field("vol mL", textInput(e.volume_ml ?? "", (v) => set("volume_ml", v === "" ? "" : parseFloat(v)), `volume of ${e.event_id}`, "number")),
      ]);
      const list = el("div", { class: "span-list" });
      (e.spans || []).forEach((s, j) => {
        const key = i + ":" + j;
        const lab = selectOf(LABELS, s.label, (v) => { s.label = v; save("edit:span-label"); renderText(); renderEvents(); }, `label of span ${note.text.slice(s.start, s.end)}`);
        lab.classList.add("span-label");
        list.appendChild(el("span", { class: `span-chip lab-${s.label}${selected === key ? " sel" : ""}`, dataset: { key } }, [
          el("span", { class: "txt", title: `${s.start}-${s.end}`, text: note.text.slice(s.start, s.end), onclick: () => selectSpan(key) }),
          lab,
          el("button", { type: "button", title: "delete span", "aria-label": "delete span", text: "×", onclick: () => deleteSpan(i, j) }),
        ]));
      });
      const card = el("div", { class: `event-card${i === activeEvent ? " active" : ""}`, dataset: { event: e.event_id } }, [head, fields, list]);
      card.addEventListener("click", (ev) => {
        if (activeEvent !== i && !(ev.target.closest("input,select,button"))) { activeEvent = i; renderText(); renderEvents(); }
      });
      box.appendChild(card);
    });
  }

  function deleteSpan(i, j) {
    ann.events[i].spans.splice(j, 1);
    selected = null;
    save("delete-span");
    renderAll();
  }

  function nextEventId() {
    let n = 0;
    for (const e of ann.events) { const m = /^e(\d+)$/.exec(e.event_id || ""); if (m) n = Math.max(n, +m[1]); }
    return "e" + (n + 1);
  }

  function newEvent(drug) {
    ann.events.push({ event_id: nextEventId(), drug: drug || "", drug_text: drug || "", status: "given", route: null, dose: null,
      start: null, end: null, site: null, purpose: null, spans: [] });
    activeEvent = ann.events.length - 1;
    return ann.events[activeEvent];
  }

  function addSpanFromSelection() {
    const off = selectionOffsets($("note-view"));
    if (!off) { $("selection-info").textContent = "Select some note text first."; return; }
    const label = $("new-label").value;
    const target = $("new-event").value;
    const surface = note.text.slice(off[0], off[1]);
    const ev = target === "new" || !ann.events[+target] ? newEvent(label === "DRUG" ? surface.toLowerCase() : "") : ann.events[+target];
    if (ev.spans.some((s) => s.start === off[0] && s.end === off[1] && s.label === label)) return;
    ev.spans.push({ start: off[0], end: off[1], label });
    ev.spans.sort((a, b) => a.start - b.start);
    if (label === "DRUG" && !ev.drug) { ev.drug = surface.toLowerCase(); ev.drug_text = surface; }
    const i = ann.events.indexOf(ev);
    activeEvent = i;
    selected = i + ":" + ev.spans.findIndex((s) => s.start === off[0] && s.end === off[1] && s.label === label);
    window.getSelection().removeAllRanges();
    $("selection-info").textContent = "";
    save("add-span");
    renderAll();
  }

  function renderCodes() {
    const tb = $("codes-table").querySelector("tbody");
    clear(tb);
    const lines = [...ann.cpt, ...ann.hcpcs];
    if (!lines.length) tb.appendChild(el("tr", {}, [el("td", { colspan: 7, class: "muted", text: "No code lines." })]));
    for (const l of lines) {
      const list = l.kind === "cpt" ? ann.cpt : ann.hcpcs;
      const mark = (action) => {
        if (l.original_code === undefined) { l.original_code = l.code; l.original_units = l.units; }
        if (!l.decision || l.decision === "pending" || l.decision === "accepted") l.decision = "edited";
        save(action);
        renderCodes();
      };
      const kind = l.manual ? selectOf(["cpt", "hcpcs"], l.kind, (v) => {
        list.splice(list.indexOf(l), 1); l.kind = v; (v === "cpt" ? ann.cpt : ann.hcpcs).push(l); save("edit:line-kind"); renderCodes();
      }, "line type") : el("span", { class: "pill", text: l.kind.toUpperCase() });
      const dec = (label, d, cls) => el("button", { class: `btn small ${cls}${l.decision === d ? " sel" : ""}`, type: "button", text: label,
        onclick: () => { l.decision = l.decision === d ? "pending" : d; save("decision:" + l.decision); renderCodes(); } });
      tb.appendChild(el("tr", { class: l.decision || "pending", dataset: { code: l.code || "" } }, [
        el("td", {}, [kind]),
        el("td", {}, [textInput(l.code, (v) => { l.code = v.trim().toUpperCase(); mark("edit:code"); }, "code")]),
        el("td", {}, [textInput(l.units, (v) => { l.units = Math.max(0, parseInt(v, 10) || 0); mark("edit:units"); }, "units", "number")]),
        el("td", {}, [textInput((l.modifiers || []).join(" "), (v) => { l.modifiers = v.split(/[\s,]+/).filter(Boolean); mark("edit:modifiers"); }, "modifiers")]),
        el("td", { class: "small" }, [(l.event_ids || []).join(", ") || "—",
          l.rationale ? el("div", { class: "rationale", text: l.rationale }) : null]),
        el("td", {}, [el("div", { class: "btn-row" }, [dec("✓", "accepted", "on-accept"), dec("✗", "rejected", "on-reject")])]),
        el("td", {}, [el("button", { class: "icon-btn", type: "button", title: "remove line", "aria-label": "remove line", text: "×", onclick: () => {
          list.splice(list.indexOf(l), 1); save("delete-line"); renderCodes();
        } })]),
      ]));
    }
  }

  // ------------------------------------------------------------------ navigation and keys
  async function go(pos) {
    if (pos < 0 || pos >= TOTAL) return;
    await chain;
    window.location.href = `/sessions/${SID}/review/${pos}`;
  }

  async function markDone() {
    ann.done = true;
    const r = await save("done");
    if (r) { $("done-badge").hidden = false; go(POS + 1 < TOTAL ? POS + 1 : POS); }
  }

  function cycleLabel() {
    if (!selected) return;
    const [i, j] = selected.split(":").map(Number);
    const s = ann.events[i] && ann.events[i].spans[j];
    if (!s) return;
    s.label = LABELS[(LABELS.indexOf(s.label) + 1) % LABELS.length];
    save("edit:span-label");
    renderAll();
  }

  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (ev.key === "Escape") { selected = null; window.getSelection().removeAllRanges(); if (ann) renderAll(); ev.target.blur && ev.target.blur(); return; }
    if (["input", "select", "textarea"].includes(tag) || ev.ctrlKey || ev.metaKey || ev.altKey || !ann) return;
    const k = ev.key;
    if (k === "j") go(POS + 1);
    else if (k === "k") go(POS - 1);
    else if (k === "a") markDone();
    else if (k === "s") addSpanFromSelection();
    else if ((k === "x" || k === "Delete") && selected) { const [i, j] = selected.split(":").map(Number); deleteSpan(i, j); }
    else if (k === "l") cycleLabel();
    else return;
    ev.preventDefault();
  });

  $("prev-btn").addEventListener("click", () => go(POS - 1));
  $("next-btn").addEventListener("click", () => go(POS + 1));
  $("done-btn").addEventListener("click", () => markDone());
  $("add-span").addEventListener("click", addSpanFromSelection);
  $("add-event").addEventListener("click", () => { newEvent(""); save("add-event"); renderAll(); });
  $("add-line").addEventListener("click", () => {
    ann.cpt.push({ kind: "cpt", code: "", units: 1, modifiers: [], event_ids: [], decision: "edited", rule: "manual", rationale: "added by reviewer", manual: true });
    renderCodes();
    const inputs = $("codes-table").querySelectorAll("input[aria-label=code]");
    if (inputs.length) inputs[inputs.length - 1].focus();
  });
  $("recode").addEventListener("click", async () => {
    try {
      const r = await api("POST", `/api/sessions/${SID}/notes/${POS}/recode`, { events: ann.events });
      ann.cpt = r.cpt.map((l) => ({ ...l, kind: "cpt" }));
      ann.hcpcs = r.hcpcs.map((l) => ({ ...l, kind: "hcpcs" }));
      save("recode");
      renderCodes();
    } catch (e) { showError(e.message); }
  });
  reviewerInput.addEventListener("change", () => {
    const v = reviewer();
    if (v) localStorage.setItem("infucode.reviewer", v);
    load();
  });
  window.addEventListener("beforeunload", (ev) => { if (pending > 0) { ev.preventDefault(); ev.returnValue = ""; } });
  window.addEventListener("resize", () => { if (ann) renderTimeline($("timeline"), ann.events); });
  load();
})();
