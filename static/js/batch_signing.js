// Batch signing ("Hồ sơ chờ tôi ký") and binding a certificate read from the token.
// With a token on this PC: prepare every selected record on the server, ONE request
// to the signing agent (one PIN), then hand each CMS back; otherwise the server signs
// (its HSM, the seal) or records each step. Each record gets its own result; what
// failed stays selected and can be signed again.
(function () {
  "use strict";
  const SLICE = 50;

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || "Máy chủ từ chối yêu cầu (" + response.status + ").");
    return data.results || [];
  }

  async function sha256Hex(base64) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function tokenAdapter() {
    const signing = window.HosoSigning;
    const adapter = signing ? await signing.detect() : null;
    if (!adapter) throw new Error("Không kết nối được phần mềm ký số trên máy tính này (hoso-sign-agent).");
    return adapter;
  }

  function batchPage(root) {
    const rows = Array.from(root.querySelectorAll("tr[data-page-id]"));
    const progress = root.querySelector("#batch-progress");
    const bar = progress && progress.querySelector("progress");
    const count = progress && progress.querySelector(".count");
    const all = root.querySelector("#select-all");
    let done = 0;
    let total = 0;

    if (all) all.addEventListener("change", () => rows.forEach((row) => { row.querySelector(".pick").checked = all.checked; }));

    function show(row, ok, message) {
      const cell = row.querySelector(".result");
      cell.textContent = message || (ok ? "Đã ký" : "Không ký được");
      cell.dataset.outcome = ok ? "signed" : "refused";
      if (ok) { row.querySelector(".pick").checked = false; row.querySelector(".pick").disabled = true; }
      done += 1;
      bar.max = total; bar.value = done; count.textContent = done + "/" + total;
    }

    function rowOf(pageId) { return rows.find((row) => Number(row.dataset.pageId) === Number(pageId)); }

    async function viaServer(picked) {
      for (let i = 0; i < picked.length; i += SLICE) {
        const items = picked.slice(i, i + SLICE).map((row) => ({ page_id: Number(row.dataset.pageId), step: row.dataset.step }));
        const results = await post(root.dataset.signUrl, { items });
        results.forEach((r) => show(rowOf(r.page_id), r.ok, r.message));
      }
    }

    async function viaToken(picked) {
      const adapter = await tokenAdapter();
      const certificates = await adapter.certificates();
      let certificateId = null;
      for (const c of certificates) {
        if ((await sha256Hex(c.certificate)) === root.dataset.certificate) certificateId = c.id;
      }
      if (certificateId === null) throw new Error("Thiết bị ký số đang cắm không chứa chứng thư số đã gắn cho bạn.");
      const prepared = [];
      for (let i = 0; i < picked.length; i += SLICE) {
        const items = picked.slice(i, i + SLICE).map((row) => ({ page_id: Number(row.dataset.pageId), step: row.dataset.step }));
        const results = await post(root.dataset.prepareUrl, { items });
        results.forEach((r) => (r.ok ? prepared.push(r) : show(rowOf(r.page_id), false, r.message)));
      }
      if (!prepared.length) return;
      const signed = await adapter.signBatch({
        certificateId,
        items: prepared.map((p) => ({ id: String(p.pending_id), title: p.title, documentSha256: p.document_sha256, signedAttributes: p.signed_attributes })),
      });
      const byId = new Map(signed.map((s) => [String(s.id), s]));
      const answers = [];
      prepared.forEach((p) => {
        const s = byId.get(String(p.pending_id));
        if (s && s.cms) answers.push({ page_id: p.page_id, step: rowOf(p.page_id).dataset.step, pending_id: p.pending_id, cms: s.cms });
        else show(rowOf(p.page_id), false, (s && s.error) || "Thiết bị ký số không trả về chữ ký.");
      });
      for (let i = 0; i < answers.length; i += SLICE) {
        const results = await post(root.dataset.finishUrl, { results: answers.slice(i, i + SLICE) });
        results.forEach((r) => show(rowOf(r.page_id), r.ok, r.message));
      }
    }

    const button = root.querySelector("#sign-selected");
    if (!button) return;
    button.addEventListener("click", async () => {
      const picked = rows.filter((row) => row.querySelector(".pick").checked);
      if (!picked.length) return;
      button.disabled = true;
      done = 0; total = picked.length;
      progress.hidden = false; bar.max = total; bar.value = 0; count.textContent = "0/" + total;
      root.dataset.state = "running";
      try {
        if (root.dataset.usesToken === "1") await viaToken(picked);
        else await viaServer(picked);
      } catch (error) {
        picked.filter((row) => !row.querySelector(".result").dataset.outcome).forEach((row) => show(row, false, error.message));
      } finally {
        button.disabled = false;
        root.dataset.state = "done";
      }
    });
  }

  function certificatePage(root) {
    const button = root.querySelector("#read-token");
    if (!button) return;
    button.addEventListener("click", async () => {
      const status = root.querySelector(".token-status");
      try {
        const adapter = await tokenAdapter();
        const certificates = await adapter.certificates();
        if (!certificates.length) throw new Error("Thiết bị ký số không có chứng thư số.");
        const form = root.querySelector("#bind-from-token");
        form.querySelector("input[name=certificate]").value = certificates[0].certificate;
        form.submit();
      } catch (error) {
        status.textContent = error.message;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const batch = document.getElementById("batch-signing");
    if (batch) batchPage(batch);
    const certs = document.getElementById("certificates");
    if (certs) certificatePage(certs);
  });
})();
