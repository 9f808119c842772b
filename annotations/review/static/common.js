/* infucode web: shared helpers. Note text is PHI: the DOM is built with textContent only, never innerHTML. */
"use strict";
(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";

  /** Create an element; attrs: class, text, dataset (obj), on* handlers, other attributes. */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs || {});
    for (const c of children || []) {
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "value") node.value = v;
      else if (k === "checked" || k === "selected" || k === "disabled") node[k] = !!v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  /** fetch JSON; throws Error with the server's message (never includes request bodies). */
  async function api(method, url, body) {
    const opts = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(url, opts);
    if (!r.ok) {
      let msg = r.status + " " + r.statusText;
      try {
        const j = await r.json();
        const d = j.detail;
        if (d && typeof d === "object" && d.message) msg = d.message + " (" + r.status + ")";
        else if (typeof d === "string") msg = d + " (" + r.status + ")";
      } catch (e) { /* not JSON */ }
      const err = new Error(msg);
      err.status = r.status;
      throw err;
    }
    if (r.status === 204) return null;
    const ct = r.headers.get("content-type") || "";
    return ct.includes("json") ? r.json() : r.blob();
  }

  /** Trigger a browser download of a Blob. */
  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 2000);
  }

  /**
   * Render note text with highlighted spans.
   * spans: [{start, end, label, key}] (key identifies the span for selection callbacks).
   * Overlapping spans: each text segment is coloured by the shortest span covering it.
   * Every segment carries data-start so that a DOM selection can be mapped back to character offsets.
   */
  function renderNote(container, text, spans, opts) {
    opts = opts || {};
    clear(container);
    const valid = spans.filter((s) => s.start >= 0 && s.end > s.start && s.end <= text.length);
    const cuts = new Set([0, text.length]);
    for (const s of valid) { cuts.add(s.start); cuts.add(s.end); }
    const pts = Array.from(cuts).sort((a, b) => a - b);
    for (let i = 0; i < pts.length - 1; i++) {
      const a = pts[i], b = pts[i + 1];
      const cover = valid.filter((s) => s.start <= a && s.end >= b);
      const seg = text.slice(a, b);
      if (!cover.length) {
        container.appendChild(el("span", { dataset: { start: a }, text: seg }));
        continue;
      }
      cover.sort((x, y) => (x.end - x.start) - (y.end - y.start));
      const top = cover[0];
      const cls = ["hl", "lab-" + top.label];
      if (opts.selectedKey !== undefined && cover.some((s) => s.key === opts.selectedKey)) cls.push("sel");
      if (top.faded) cls.push("faded");
      const node = el("mark", {
        class: cls.join(" "),
        dataset: { start: a, key: top.key === undefined ? "" : String(top.key), label: top.label },
        title: cover.map((s) => s.label + (s.title ? " · " + s.title : "")).join("\n"),
        text: seg,
      });
      if (opts.onClick) node.addEventListener("click", (ev) => { opts.onClick(top, ev); });
      container.appendChild(node);
    }
  }

  /** Map the current DOM selection inside container to [start, end) character offsets, or null. */
  function selectionOffsets(container) {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    if (!container.contains(r.startContainer) || !container.contains(r.endContainer)) return null;
    const off = (node, o) => {
      let n = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
      if (node.nodeType !== Node.TEXT_NODE) {
        // element boundary: o is a child index
        if (node === container) {
          const child = container.childNodes[o];
          return child ? Number(child.dataset.start) : container.textContent.length;
        }
        return Number(n.dataset.start) + (o > 0 ? n.textContent.length : 0);
      }
      while (n && n.dataset && n.dataset.start === undefined) n = n.parentNode;
      return Number(n.dataset.start) + o;
    };
    let a = off(r.startContainer, r.startOffset), b = off(r.endContainer, r.endOffset);
    if (isNaN(a) || isNaN(b)) return null;
    if (a > b) [a, b] = [b, a];
    const t = container.textContent;
    while (a < b && /\s/.test(t[a])) a++;
    while (b > a && /\s/.test(t[b - 1])) b--;
    return b > a ? [a, b] : null;
  }

  function renderLegend(container, labels, present) {
    clear(container);
    for (const l of labels) {
      if (present && !present.has(l)) continue;
      container.appendChild(el("span", { class: "chip" }, [el("span", { class: "sw lab-" + l }), l.replace("_", " ")]));
    }
  }

  function parseTime(s) {
    if (!s) return null;
    const d = new Date(s.length === 19 ? s + "Z" : s); // naive ISO = wall clock; keep it in UTC for display
    return isNaN(d.getTime()) ? null : d;
  }

  function hhmm(d) {
    return String(d.getUTCHours()).padStart(2, "0") + ":" + String(d.getUTCMinutes()).padStart(2, "0");
  }

  const PALETTE = ["#2563eb", "#0d9488", "#9333ea", "#ea580c", "#dc2626", "#4f46e5", "#65a30d", "#0891b2", "#92400e"];

  /**
   * Inline SVG timeline: one row per access site (access_id), bars for events with start+end,
   * ticks for events with a start only (pushes). Events not given are drawn hollow/dashed.
   */
  function renderTimeline(container, events) {
    clear(container);
    const timed = events.map((e) => ({ e, s: parseTime(e.start), t: parseTime(e.end) })).filter((x) => x.s);
    if (!timed.length) {
      container.appendChild(el("p", { class: "empty", text: "No documented or computed times to draw." }));
      return;
    }
    let t0 = Math.min(...timed.map((x) => x.s.getTime()));
    let t1 = Math.max(...timed.map((x) => (x.t || x.s).getTime()));
    const hour = 3600e3;
    t0 = Math.floor(t0 / (hour / 2)) * (hour / 2);
    t1 = Math.max(Math.ceil(t1 / (hour / 2)) * (hour / 2), t0 + hour);
    const rows = [];
    const rowOf = {};
    for (const x of timed) {
      const key = x.e.access_id || "—";
      if (!(key in rowOf)) { rowOf[key] = rows.length; rows.push(key); }
    }
    const left = 86, right = 110, top = 26, rowH = 44;
    const width = Math.max(container.clientWidth || 800, 560);
    const plotW = width - left - right;
    const height = top + rows.length * rowH + 12;
    const X = (ms) => left + ((ms - t0) / (t1 - t0)) * plotW;
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "event timeline" });
    const span = (t1 - t0) / hour;
    const step = span > 12 ? 2 * hour : span > 5 ? hour : hour / 2;
    for (let t = t0; t <= t1 + 1; t += step) {
      const x = X(t);
      root.appendChild(svg("line", { x1: x, x2: x, y1: top - 6, y2: height - 8, stroke: "#e3e8ef" }));
      root.appendChild(svg("text", { x, y: 14, "text-anchor": "middle", "font-size": 11, fill: "#667085" }, hhmm(new Date(t))));
    }
    rows.forEach((key, i) => {
      const y = top + i * rowH;
      if (i % 2 === 0) root.appendChild(svg("rect", { x: 0, y, width, height: rowH, fill: "#f8fafc" }));
      root.appendChild(svg("text", { x: 10, y: y + rowH / 2 + 4, "font-size": 12, "font-weight": 600, fill: "#344054" },
        key === "—" ? "no access" : "access " + key));
    });
    const drugColor = {};
    timed.forEach((x, i) => {
      const row = rowOf[x.e.access_id || "—"];
      const y = top + row * rowH;
      const color = drugColor[x.e.drug] || (drugColor[x.e.drug] = PALETTE[Object.keys(drugColor).length % PALETTE.length]);
      const given = x.e.status === "given";
      const g = svg("g", { class: "tl-event", "data-event": x.e.event_id });
      const label = (x.e.drug || x.e.drug_text || x.e.event_id) + (given ? "" : " (" + x.e.status + ")");
      const tip = svg("title", {}, `${x.e.event_id} ${label} ${hhmm(x.s)}${x.t ? "–" + hhmm(x.t) : ""}`);
      g.appendChild(tip);
      if (x.t && x.t > x.s) {
        const x1 = X(x.s.getTime()), x2 = X(x.t.getTime());
        const lane = i % 2;
        g.appendChild(svg("rect", {
          x: x1, y: y + 6 + lane * 16, width: Math.max(x2 - x1, 3), height: 14, rx: 3,
          fill: given ? color : "#fff", "fill-opacity": given ? 0.85 : 1, stroke: color,
          "stroke-dasharray": given ? "" : "4 3",
        }));
        g.appendChild(svg("text", { x: x1 + 4, y: y + 17 + lane * 16, "font-size": 10.5, fill: given ? "#fff" : color,
          "font-weight": 600 }, label.length * 6 < x2 - x1 ? label : ""));
        if (label.length * 6 >= x2 - x1) {
          g.appendChild(svg("text", { x: x2 + 4, y: y + 17 + lane * 16, "font-size": 10.5, fill: "#344054" }, label));
        }
      } else {
        const xx = X(x.s.getTime());
        g.appendChild(svg("line", { x1: xx, x2: xx, y1: y + 5, y2: y + rowH - 5, stroke: color, "stroke-width": 3,
          "stroke-dasharray": given ? "" : "3 2" }));
        g.appendChild(svg("path", { d: `M${xx - 5} ${y + 5} L${xx + 5} ${y + 5} L${xx} ${y + 11} Z`, fill: color }));
        const nearEnd = xx + 6 + label.length * 6 > width;
        g.appendChild(svg("text", { x: nearEnd ? xx - 6 : xx + 6, y: y + rowH - 8, "font-size": 10.5, fill: "#344054",
          "text-anchor": nearEnd ? "end" : "start" }, label));
      }
      root.appendChild(g);
    });
    container.appendChild(root);
  }

  function fmtTime(s) {
    const d = parseTime(s);
    return d ? d.toISOString().slice(5, 10).replace("-", "/") + " " + hhmm(d) : "—";
  }

  function fmtDose(e) {
    if (e.dose && e.dose.value !== null && e.dose.value !== undefined) return `${+e.dose.value} ${e.dose.unit}`;
    return e.volume_ml ? `${e.volume_ml} mL` : "—";
  }

  /** All spans of all events, keyed "<event index>:<span index>". */
  function eventSpans(events, faded) {
    const out = [];
    events.forEach((e, i) => (e.spans || []).forEach((s, j) => out.push({
      start: s.start, end: s.end, label: s.label, key: i + ":" + j,
      title: (e.event_id || "") + " " + (e.drug || ""),
      faded: faded && e.status !== "given",
    })));
    return out;
  }

  /** Fill a list with the coder's flags (code, message, event ids), or "No flags.". */
  function renderFlags(ul, flags) {
    clear(ul);
    if (!flags.length) { ul.appendChild(el("li", { text: "No flags." })); return; }
    for (const f of flags) {
      ul.appendChild(el("li", { class: f.severity }, [el("span", { class: "fcode", text: f.code }), f.message,
        f.event_ids && f.event_ids.length ? el("span", { class: "muted small", text: "  (" + f.event_ids.join(", ") + ")" }) : null]));
    }
  }

  window.IC = { el, svg, clear, api, download, renderNote, renderLegend, renderTimeline, renderFlags,
    selectionOffsets, fmtTime, fmtDose, eventSpans, parseTime, hhmm };
})();
