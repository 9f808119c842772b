/* Sessions list page: create a session / import a reviewed set. */
"use strict";
(function () {
  const form = document.getElementById("create-form");
  const err = document.getElementById("create-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const fd = new FormData(form);
    if (!form.querySelector("[name=preannotate]").checked) fd.set("preannotate", "false");
    const btn = document.getElementById("create-btn");
    btn.disabled = true;
    btn.textContent = "Creating…";
    try {
      const r = await fetch("/api/sessions", { method: "POST", body: fd, credentials: "same-origin" });
      const j = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error((j.detail && j.detail.message) || (r.status + " " + r.statusText));
      window.location.href = "/sessions/" + j.id;
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
    } finally {
      btn.disabled = false;
      btn.textContent = "Create session";
    }
  });
})();
