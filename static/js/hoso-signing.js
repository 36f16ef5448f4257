/* Signing with the signer's own USB token, from the browser (issue #13).

   window.HosoSigning holds the adapters this page may use to reach a signing program on
   the user's PC. Ours is HosoAgentAdapter (hoso-sign-agent on 127.0.0.1, protocol v1);
   the Vietnamese CAs' own plugins (VGCA Sign Service, VNPT-CA Plugin, Viettel's) can be
   registered beside it. Every adapter has the same shape:

     { id, label,
       async available()            -> true if its program answers on this PC,
       async certificates()         -> [{id, label, certificate (base64 DER), subject, issuer, notAfter}],
       async signBatch({certificateId, items, onProgress})
                                    -> [{id, cms (base64 DER CMS SignedData)} | {id, error}] }

   where items are {id, title, documentSha256 (hex, the messageDigest the server put in the
   attributes), signedAttributes (base64 DER of the CMS signed attributes)}, and
   onProgress({done, total}) is called as results arrive. The page shows each error as it
   is (they are Vietnamese). No dependencies, no build step: docs/SIGNING-AGENT.md. */
(function () {
  "use strict";

  const DEFAULT_AGENT_URL = "http://127.0.0.1:28777";
  const PROTOCOL = 1;
  const MAX_ITEMS = 2000; // the agent's limit per request: one PIN prompt per request
  const PROBE_TIMEOUT_MS = 1500;
  const UNREACHABLE = "Không kết nối được phần mềm ký số hoso-sign-agent trên máy tính này. Hãy kiểm tra phần mềm đang chạy và trình duyệt cho phép trang này truy cập thiết bị trên máy.";
  const NO_ANSWER = "Phần mềm ký số không trả về chữ ký cho hồ sơ này.";

  function withTimeout(ms) {
    if (typeof AbortController === "undefined") return {};
    const controller = new AbortController();
    setTimeout(() => controller.abort(), ms);
    return { signal: controller.signal };
  }

  /* hoso-sign-agent on this PC. options.baseUrl: where it listens (its --port). */
  function HosoAgentAdapter(options) {
    const settings = options || {};
    const baseUrl = String(settings.baseUrl || DEFAULT_AGENT_URL).replace(/\/+$/, "");

    async function call(path, init) {
      let response;
      try {
        response = await fetch(baseUrl + path, Object.assign({
          mode: "cors",
          credentials: "omit",
          cache: "no-store",
          // No targetAddressSpace: 127.0.0.1 is a secure context's loopback, which Chromium's
          // Local Network Access recognises by itself; an enum value an older browser does not
          // know would make fetch throw.
        }, init));
      } catch (error) {
        throw new Error(UNREACHABLE);
      }
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        throw new Error(data.error || "Phần mềm ký số từ chối yêu cầu (" + response.status + ").");
      }
      return data;
    }

    return {
      id: "hoso-sign-agent",
      label: "Phần mềm ký số hoso-sign-agent",
      baseUrl: baseUrl,

      async status() {
        return call("/v1/status", withTimeout(PROBE_TIMEOUT_MS));
      },

      async available() {
        try {
          const status = await this.status();
          return status.agent === "hoso-sign-agent" && status.protocol === PROTOCOL;
        } catch (error) {
          return false;
        }
      },

      async certificates() {
        const data = await call("/v1/certificates", {});
        return (data.certificates || []).map((c) => ({
          id: c.id,
          label: c.label,
          certificate: c.certificate,
          subject: c.subject,
          issuer: c.issuer,
          notAfter: c.not_after,
        }));
      },

      async signBatch(request) {
        const items = request.items || [];
        const onProgress = request.onProgress || function () {};
        const results = [];
        onProgress({ done: 0, total: items.length });
        // One request (one PIN) per MAX_ITEMS: a whole school's học bạ fits in one.
        for (let start = 0; start < items.length; start += MAX_ITEMS) {
          const slice = items.slice(start, start + MAX_ITEMS);
          const data = await call("/v1/sign", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
              certificate_id: request.certificateId,
              digest_algorithm: "sha256",
              items: slice.map((item) => ({
                id: String(item.id),
                title: String(item.title || ""),
                document_sha256: item.documentSha256,
                signed_attributes: item.signedAttributes,
              })),
            }),
          });
          const byId = new Map((data.results || []).map((r) => [String(r.id), r]));
          slice.forEach((item) => {
            const answer = byId.get(String(item.id));
            if (answer && answer.cms) results.push({ id: item.id, cms: answer.cms });
            else results.push({ id: item.id, error: (answer && answer.error) || NO_ANSWER });
          });
          onProgress({ done: results.length, total: items.length });
        }
        return results;
      },
    };
  }

  const registry = {
    adapters: [],
    HosoAgentAdapter: HosoAgentAdapter,

    /* Add an adapter (a CA's plugin, say); detect() tries them in the order added. */
    register(adapter) {
      ["id", "label", "available", "certificates", "signBatch"].forEach((name) => {
        if (!adapter || adapter[name] === undefined) throw new TypeError("HosoSigning adapter lacks " + name);
      });
      this.adapters = this.adapters.filter((a) => a.id !== adapter.id).concat([adapter]);
      return adapter;
    },

    /* The first adapter whose program answers on this PC, or null. */
    async detect() {
      for (const adapter of this.adapters) {
        if (await adapter.available().catch(() => false)) return adapter;
      }
      return null;
    },
  };

  // <script src=".../hoso-signing.js" data-agent-url="http://127.0.0.1:28777">: the port a
  // school chose for the agent (its --port).
  const script = document.currentScript;
  const agentUrl = script && script.dataset ? script.dataset.agentUrl : "";
  registry.register(HosoAgentAdapter({ baseUrl: agentUrl || DEFAULT_AGENT_URL }));
  window.HosoSigning = registry;
})();
