/* Pre-bill page: code a note, show evidence/timeline/lines, accept/reject/edit lines, export. */
"use strict";
(function () {
  const { el, clear, api, renderNote, renderLegend, renderTimeline, renderFlags, fmtTime, fmtDose,
    eventSpans } = window.IC;
  const $ = (id) => document.getElementById(id);
  const LABELS = ["DRUG", "DOSE", "VOLUME", "RATE", "CONCENTRATION", "ROUTE", "SITE", "TIME", "DURATION", "STATUS",
    "LINE_CUE", "PURPOSE", "WASTE"];
  let current = null; // {record, text, lines: [...]}
  let dump = [];

  function showError(msg) {
    const p = $("code-error");
    p.textContent = msg || "";
    p.hidden = !msg;
  }

  async function codeNote() {
    const text = $("note-text").value;
    if (!text.trim()) { showError("Paste or open a note first."); return; }
    const body = { text, setting: $("setting").value, id: currentId() };
    if ($("encounter-date").value) body.encounter_date = $("encounter-date").value;
    if ($("pos").value.trim()) body.place_of_service = $("pos").value.trim();
    $("code-btn").disabled = true;
    $("code-btn").textContent = "Coding…";
    showError("");
    try {
      const rec = await api("POST", "/api/code", body);
      current = {
        record: rec, text,
        lines: [...rec.cpt.map((l) => ({ ...l, kind: "cpt" })), ...rec.hcpcs.map((l) => ({ ...l, kind: "hcpcs" }))]
          .map((l) => ({ ...l, decision: "pending", original_code: l.code, original_units: l.units, editing: false })),
      };
      render();
    } catch (e) {
      showError(e.message);
    } finally {
      $("code-btn").disabled = false;
      $("code-btn").textContent = "Code note";
    }
  }

  function currentId() {
    const sel = $("dump-select");
    if (!$("dump-row").hidden && sel.value !== "" && dump[+sel.value]) return String(dump[+sel.value].id);
    return "note";
  }

  function render() {
    const { record: rec, text } = current;
    $("results").hidden = false;
    const spans = eventSpans(rec.events, true);
    renderLegend($("legend"), LABELS, new Set(spans.map((s) => s.label)));
    renderNote($("note-view"), text, spans);
    $("note-meta").textContent = `${rec.id} · ${rec.setting} · ${rec.events.length} events`;
    renderTimeline($("timeline"), rec.events);
    renderLines();
    renderFlags($("flags"), rec.flags);
    renderEvents(rec.events);
  }

  function renderLines() {
    const tb = $("lines-table").querySelector("tbody");
    clear(tb);
    $("lines-empty").hidden = current.lines.length > 0;
    current.lines.forEach((l, i) => {
      const tr = el("tr", { class: l.decision, dataset: { code: l.original_code, idx: i } });
      tr.appendChild(el("td", {}, [el("span", { class: "pill", text: l.kind.toUpperCase() })]));
      if (l.editing) {
        const code = el("input", { type: "text", value: l.code, maxlength: 12, "aria-label": "code", class: "edit-code" });
        const units = el("input", { type: "number", value: l.units, min: 0, max: 9999, "aria-label": "units", class: "edit-units" });
        const mods = el("input", { type: "text", value: l.modifiers.join(" "), "aria-label": "modifiers", class: "edit-mods" });
        tr.appendChild(el("td", {}, [code]));
        tr.appendChild(el("td", {}, [units]));
        tr.appendChild(el("td", {}, [mods]));
        tr.appendChild(el("td", { text: l.event_ids.join(", ") }));
        tr.appendChild(el("td", { class: "rationale", text: l.rationale }));
        tr.appendChild(el("td", {}, [el("div", { class: "btn-row" }, [
          el("button", { class: "btn small primary", type: "button", text: "Save", onclick: () => {
            l.code = code.value.trim() || l.code;
            l.units = Math.max(0, parseInt(units.value, 10) || 0);
            l.modifiers = mods.value.split(/[\s,]+/).filter(Boolean);
            l.editing = false;
            l.decision = (l.code !== l.original_code || l.units !== l.original_units || mods.value.trim() !== (l._mods0 || "")) ? "edited" : "accepted";
            renderLines();
          } }),
          el("button", { class: "btn small", type: "button", text: "Cancel", onclick: () => { l.editing = false; renderLines(); } }),
        ])]));
      } else {
        tr.appendChild(el("td", { class: "code", text: l.code }));
        tr.appendChild(el("td", { text: String(l.units) }));
        tr.appendChild(el("td", { text: l.modifiers.join(" ") || "—" }));
        tr.appendChild(el("td", { text: l.event_ids.join(", ") }));
        tr.appendChild(el("td", { class: "rationale" }, [l.rationale, l.rule ? el("span", { class: "rule", text: l.rule }) : null]));
        const btn = (label, d, cls) => el("button", {
          class: `btn small ${cls}${l.decision === d ? " sel" : ""}`, type: "button", text: label,
          "aria-pressed": l.decision === d ? "true" : "false",
          onclick: () => { l.decision = l.decision === d ? "pending" : d; renderLines(); },
        });
        tr.appendChild(el("td", {}, [el("div", { class: "btn-row" }, [
          btn("Accept", "accepted", "on-accept"),
          btn("Reject", "rejected", "on-reject"),
          el("button", { class: `btn small on-edit${l.decision === "edited" ? " sel" : ""}`, type: "button", text: "Edit",
            onclick: () => { l._mods0 = l._mods0 ?? l.modifiers.join(" "); l.editing = true; renderLines(); } }),
        ])]));
      }
      tb.appendChild(tr);
    });
  }

  function renderEvents(events) {
    const tb = $("events-table").querySelector("tbody");
    clear(tb);
    for (const e of events) {
      tb.appendChild(el("tr", {}, [
        el("td", { class: "code", text: e.event_id }),
        el("td", {}, [el("strong", { text: e.drug || "?" }), e.drug_text && e.drug_text.toLowerCase() !== e.drug ? el("span", { class: "muted small", text: " (" + e.drug_text + ")" }) : null]),
        el("td", { text: fmtDose(e) }),
        el("td", { text: e.route || "—" }),
        el("td", { class: "status-" + e.status, text: e.status }),
        el("td", { text: fmtTime(e.start) }),
        el("td", { text: fmtTime(e.end) }),
        el("td", { text: e.duration_min === null || e.duration_min === undefined ? "—" : String(Math.round(e.duration_min)) }),
        el("td", { text: e.access_id || "—" }),
        el("td", { text: e.site || "—" }),
        el("td", { text: e.purpose || "—" }),
      ]));
    }
  }

  function exportLines(format) {
    if (!current) return;
    const body = {
      id: current.record.id, setting: current.record.setting,
      lines: current.lines.map((l) => ({
        kind: l.kind, code: l.code, units: l.units, modifiers: l.modifiers, event_ids: l.event_ids,
        decision: l.decision, rule: l.rule || "", rationale: l.rationale || "",
        original_code: l.original_code, original_units: l.original_units,
      })),
    };
    // a plain form POST (not fetch + blob) keeps the user gesture, so the browser never blocks the download
    const form = el("form", { method: "post", action: "/claim/export", hidden: true }, [
      el("input", { type: "hidden", name: "payload", value: JSON.stringify(body) }),
      el("input", { type: "hidden", name: "format", value: format }),
    ]);
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }

  function loadFile(file) {
    const reader = new FileReader();
    reader.onload = () => {
      const txt = String(reader.result);
      if (/\.jsonl?$/i.test(file.name)) {
        dump = [];
        for (const line of txt.split(/\r?\n/)) {
          if (!line.trim()) continue;
          try {
            const o = JSON.parse(line);
            const t = o.text ?? o.note;
            if (o && typeof t === "string") dump.push({ id: o.id ?? dump.length + 1, text: t, setting: o.setting, encounter_date: o.encounter_date });
          } catch (e) { /* skip bad line */ }
        }
        if (!dump.length) { showError("No notes found in that file (expected JSONL with id and text)."); return; }
        const sel = $("dump-select");
        clear(sel);
        dump.forEach((d, i) => sel.appendChild(el("option", { value: i, text: `${i + 1}. ${d.id}` })));
        $("dump-row").hidden = false;
        $("dump-count").textContent = dump.length + " notes";
        pickDump(0);
      } else {
        $("dump-row").hidden = true;
        $("note-text").value = txt;
      }
      showError("");
    };
    reader.readAsText(file);
  }

  function pickDump(i) {
    const d = dump[i];
    if (!d) return;
    $("note-text").value = d.text;
    if (d.setting === "facility" || d.setting === "professional") $("setting").value = d.setting;
    $("encounter-date").value = d.encounter_date ? String(d.encounter_date).slice(0, 10) : "";
  }

  $("code-btn").addEventListener("click", codeNote);
  $("note-text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) codeNote(); });
  $("file-input").addEventListener("change", (e) => { if (e.target.files[0]) loadFile(e.target.files[0]); e.target.value = ""; });
  $("dump-select").addEventListener("change", (e) => { pickDump(+e.target.value); codeNote(); });
  $("export-csv").addEventListener("click", () => exportLines("csv"));
  $("export-json").addEventListener("click", () => exportLines("json"));
  $("accept-all").addEventListener("click", () => {
    if (!current) return;
    current.lines.forEach((l) => { if (l.decision === "pending") l.decision = "accepted"; });
    renderLines();
  });
  window.addEventListener("resize", () => { if (current) renderTimeline($("timeline"), current.record.events); });
})();
