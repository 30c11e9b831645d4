// EMSS page behaviour. Plain JavaScript that works in WeChat's in-app browser; loaded as a file
// because the content security policy forbids inline scripts.
(function () {
  "use strict";

  function ready(fn) {
    // Once the whole script has run, so handlers may use what is defined below them.
    if (document.readyState !== "loading") Promise.resolve().then(fn);
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // A select with data-autosubmit submits its form when chosen with the mouse or a finger (page
    // size of lists). Arrow keys only change the choice (WCAG 3.2.2): Enter or 确定 applies it.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      var keyed = false;
      var apply = el.form && el.form.querySelector("[data-apply]");
      el.addEventListener("keydown", function (e) {
        keyed = true;
        if (e.key === "Enter" && el.form) { e.preventDefault(); el.form.submit(); }
      });
      el.addEventListener("pointerdown", function () { keyed = false; });
      el.addEventListener("change", function () {
        if (!keyed) { if (el.form) el.form.submit(); return; }
        if (apply) apply.hidden = false;
      });
    });

    // The menu button of narrow screens shows and hides the navigation it controls.
    // An element with data-shown-unless="mode=plan" is hidden while that choice is ticked in its
    // form (a planned inspection has no results to type yet).
    document.querySelectorAll("[data-shown-unless]").forEach(function (el) {
      var pair = el.getAttribute("data-shown-unless").split("=");
      var form = el.closest("form");
      if (!form) return;
      var sync = function () {
        var ticked = form.querySelector('input[name="' + pair[0] + '"]:checked');
        el.hidden = !!ticked && ticked.value === pair[1];
      };
      form.addEventListener("change", sync);
      sync();
    });

    document.querySelectorAll("[data-toggle]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-toggle"));
      if (!target) return;
      button.addEventListener("click", function () {
        var open = target.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });

    // Forms with data-confirm, or whose pressed button has one, ask in a dialog before they are
    // sent (irreversible actions); the dialog's button is red when the page's button is.
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.hasAttribute("data-confirm") && !form.querySelector("[data-confirm]")) return;
      form.addEventListener("submit", function (event) {
        if (form.hasAttribute("data-confirmed")) return;
        var submitter = event.submitter || form.querySelector("[type=submit]");
        var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
        if (!message) return;
        event.preventDefault();
        var label = submitter ? submitter.textContent.trim() : "";
        var danger = !!submitter && submitter.classList.contains("btn-danger");
        // Sent again once the dialog has closed (a form cannot be sent from its own submit event).
        confirmDialog(message, label, danger, function () {
          form.setAttribute("data-confirmed", "");
          if (form.requestSubmit) form.requestSubmit(submitter || undefined);
          else form.submit();
        });
      });
    });

    // A sent form's button shows it is working and cannot send the form twice.
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (event.defaultPrevented || !button || !button.classList.contains("btn")) return;
        if (button.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
        setTimeout(function () { button.setAttribute("aria-busy", "true"); }, 0);
      });
    });
    // Coming back with the browser's back button shows the page as it was left: not busy.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll(".btn[aria-busy=true]").forEach(function (b) { b.removeAttribute("aria-busy"); });
      document.querySelectorAll("form[data-confirmed]").forEach(function (f) { f.removeAttribute("data-confirmed"); });
    });

    // A notice that something was saved (data-toast) shows at the top of the window for a while;
    // without JavaScript it stays where the page put it.
    var toasts = document.querySelectorAll("[data-toast]");
    if (toasts.length) {
      var host = document.createElement("div");
      host.className = "toast-host";
      document.body.appendChild(host);
      toasts.forEach(function (t) {
        t.classList.remove("notice");
        t.classList.add("toast");
        var close = document.createElement("button");
        close.type = "button";
        close.setAttribute("aria-label", "关闭提示");
        close.addEventListener("click", function () { t.hidden = true; });
        t.appendChild(close);
        host.appendChild(t);
        setTimeout(function () { t.hidden = true; }, 8000);
      });
    }
  });

  // The confirmation dialog of irreversible actions (确定作废？…): 取消 keeps the page as it is.
  function confirmDialog(message, label, danger, onConfirm) {
    if (typeof HTMLDialogElement !== "function") {
      if (window.confirm(message)) onConfirm();
      return;
    }
    var dialog = document.createElement("dialog");
    dialog.className = "dialog";
    dialog.setAttribute("aria-labelledby", "dialog-title");
    dialog.setAttribute("aria-describedby", "dialog-body");
    var title = document.createElement("h2");
    title.className = "dialog-title";
    title.id = "dialog-title";
    title.textContent = "请确认";
    var body = document.createElement("p");
    body.className = "dialog-body";
    body.id = "dialog-body";
    body.textContent = message;
    var actions = document.createElement("div");
    actions.className = "dialog-actions";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn";
    cancel.textContent = "取消";
    cancel.setAttribute("data-testid", "dialog-cancel");
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "btn " + (danger ? "btn-danger" : "btn-primary");
    ok.textContent = label || "确定";
    ok.setAttribute("data-testid", "dialog-confirm");
    actions.appendChild(cancel);
    actions.appendChild(ok);
    dialog.appendChild(title);
    dialog.appendChild(body);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () { dialog.remove(); });
    cancel.addEventListener("click", function () { dialog.close(); });
    ok.addEventListener("click", function () { dialog.close(); onConfirm(); });
    dialog.showModal();
    cancel.focus();
  }

  // The print button of the A4 record sheet.
  ready(function () {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });

  // The mobile form rendered from its definition: frequency tabs show their check items, rows can
  // be added, and "检查填写" asks the server to check the form as a submission would be checked.
  ready(function () {
    var form = document.querySelector("form.form-edit");
    if (!form) return;

    function showTabs() {
      var chosen = {};
      form.querySelectorAll("input[data-tab]").forEach(function (t) { chosen[t.value] = t.checked; });
      form.querySelectorAll(".form-field[data-group], .form-rows[data-group]").forEach(function (f) {
        f.hidden = !chosen[f.getAttribute("data-group")];
      });
    }
    // The check items of a frequency holding answers (a choice made, a value typed).
    function groupFields(group) {
      return form.querySelectorAll('.form-field[data-group="' + CSS.escape(group) + '"], .form-rows[data-group="' + CSS.escape(group) + '"]');
    }
    function answered(field) {
      return Array.prototype.some.call(field.querySelectorAll("input, textarea, select"), function (el) {
        if (el.type === "radio" || el.type === "checkbox") return el.checked;
        return el.type !== "hidden" && el.value !== "";
      });
    }
    // Unticking a frequency hides its items, and what is hidden is not filed: answers typed there
    // are never dropped without the engineer saying so.
    form.querySelectorAll("input[data-tab]").forEach(function (t) {
      t.addEventListener("change", function () {
        var filled = t.checked ? [] : Array.prototype.filter.call(groupFields(t.value), answered);
        if (!filled.length) { showTabs(); return; }
        t.checked = true;
        confirmDialog("“" + t.value + "检查维护”中已填写了 " + filled.length + " 项。取消选择将清除这些答案，确定吗？", "清除答案", true, function () {
          filled.forEach(function (f) {
            f.querySelectorAll("input, textarea, select").forEach(function (el) {
              if (el.type === "radio" || el.type === "checkbox") el.checked = false;
              else if (el.type !== "hidden") el.value = "";
            });
          });
          t.checked = false;
          showTabs();
          // The draft kept on the phone follows.
          form.dispatchEvent(new Event("input", { bubbles: true }));
        });
      });
    });
    showTabs();

    // A check item's note opens when asked, when 不正常 is chosen, when it holds text, or when
    // the server says it is missing.
    function openNotes() {
      form.querySelectorAll("details[data-note-for]").forEach(function (d) {
        var path = d.getAttribute("data-note-for");
        var abnormal = form.querySelector('input[name="' + CSS.escape(path + ".result") + '"][value="不正常"]');
        var error = form.querySelector('[data-error-for="' + CSS.escape(path + ".remark") + '"]');
        if ((abnormal && abnormal.checked) || d.querySelector("textarea").value || (error && !error.hidden)) d.open = true;
      });
    }
    form.addEventListener("change", openNotes);
    new MutationObserver(openNotes).observe(form, { subtree: true, attributes: true, attributeFilter: ["hidden"] });

    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () {
        var rows = button.parentNode.querySelectorAll("[data-row]");
        var last = rows[rows.length - 1];
        var copy = last.cloneNode(true);
        // Only this table's row index changes: "analytes[0].pairs[2]" → "analytes[0].pairs[3]".
        var prefix = button.parentNode.getAttribute("data-path");
        var from = prefix + "[" + (rows.length - 1) + "]", to = prefix + "[" + rows.length + "]";
        copy.querySelectorAll("*").forEach(function (el) {
          ["name", "data-path", "data-error-for", "data-computed", "data-verdict", "id", "for"].forEach(function (a) {
            var v = el.getAttribute(a);
            if (v) el.setAttribute(a, v.split(from).join(to));
          });
          if (el.value !== undefined && el.type !== "radio" && el.type !== "checkbox") el.value = "";
          if (el.checked) el.checked = false;
          if (el.tagName === "OUTPUT") el.textContent = "—";
          if (el.hasAttribute("data-error-for")) { el.hidden = true; el.textContent = ""; }
          el.classList.remove("has-error");
        });
        copy.querySelector("[data-row-number]").textContent = rows.length + 1;
        last.parentNode.insertBefore(copy, button);
      });
    });

    // "analytes[0].pairs[1].online" → nested objects and arrays.
    function put(root, path, value, multiple) {
      var keys = [];
      path.split(".").forEach(function (part) {
        var m = part.match(/^([^\[]+)((?:\[\d+\])*)$/);
        if (!m) return;
        keys.push(m[1]);
        (m[2].match(/\d+/g) || []).forEach(function (i) { keys.push(Number(i)); });
      });
      var node = root;
      for (var i = 0; i < keys.length - 1; i++) {
        if (node[keys[i]] === undefined) node[keys[i]] = typeof keys[i + 1] === "number" ? [] : {};
        node = node[keys[i]];
      }
      var last = keys[keys.length - 1];
      if (multiple) (node[last] = node[last] || []).push(value);
      else node[last] = value;
    }

    function collect() {
      var fields = {};
      form.querySelectorAll("[name]").forEach(function (el) {
        if (el.disabled || el.closest("[hidden]")) return;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        var v = el.value;
        if (v === "") return;
        if (el.hasAttribute("data-datetime")) v = (v.length === 16 ? v + ":00" : v) + "+08:00";
        put(fields, el.name, v, el.hasAttribute("data-multiple"));
      });
      // A preview has no chosen instruments: each repeated section stands for one.
      if (form.hasAttribute("data-record")) return fields;
      form.querySelectorAll("[data-repeat=instrument]").forEach(function (s, n) {
        var id = s.getAttribute("data-section");
        if (!fields[id]) fields[id] = [{}];
        fields[id].forEach(function (inst, i) { inst.instrument_id = "preview-" + (i + 1); });
      });
      return fields;
    }

    function clear() {
      form.querySelectorAll("[data-error-for]").forEach(function (e) { e.hidden = true; e.textContent = ""; });
      form.querySelectorAll(".has-error").forEach(function (e) { e.classList.remove("has-error"); });
      form.querySelectorAll("output").forEach(function (o) { o.textContent = "—"; o.className = ""; });
    }

    function at(obj, path) {
      var node = obj;
      path.replace(/\[(\d+)\]/g, ".$1").split(".").forEach(function (k) { node = node == null ? undefined : node[k]; });
      return node;
    }

    var result = form.querySelector("[data-form-result]");
    if (form.hasAttribute("data-record")) window.emssDraft(form, { collect: collect, clear: clear, showTabs: function () { showTabs(); openNotes(); } });
    form.querySelector("[data-form-check]").addEventListener("click", function () {
      clear();
      result.textContent = "正在检查…";
      fetch("/api/v1/form-types/" + encodeURIComponent(form.getAttribute("data-form-code")) + "/check", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": window.emssCsrfToken() },
        // A draft is checked as its submission will be: with its instruments' records and the
        // reference calibration.
        body: JSON.stringify(form.hasAttribute("data-record")
          ? { fields: collect(), record_id: form.getAttribute("data-record") }
          : { fields: collect(), version: Number(form.getAttribute("data-form-version")) })
      }).then(function (r) {
        return r.json().then(function (body) { return { status: r.status, body: body }; });
      }).then(function (res) {
        if (res.status !== 200) {
          result.textContent = res.body.message || "检查失败，请稍后再试";
          return;
        }
        var body = res.body, unplaced = [], failed = 0;
        form.querySelectorAll("output[data-computed]").forEach(function (o) {
          var v = at(body.fields, o.getAttribute("data-computed"));
          if (v !== undefined) o.textContent = v;
        });
        body.verdicts.forEach(function (v) {
          var o = form.querySelector('output[data-verdict="' + CSS.escape(v.path) + '"]');
          if (v.outcome === "fail" || v.outcome === "out_of_control") failed++;
          if (!o) return;
          o.textContent = v.explanation;
          o.className = "verdict " + (v.outcome === "pass" ? "pass" : v.outcome === "not_applicable" ? "na" : "fail");
        });
        Object.keys(body.errors).forEach(function (path) {
          var e = form.querySelector('[data-error-for="' + CSS.escape(path) + '"]');
          if (!e || e.parentNode.closest("[hidden]")) { unplaced.push(body.errors[path]); return; }
          e.textContent = body.errors[path];
          e.hidden = false;
          var box = e.closest(".field");
          if (box) box.classList.add("has-error");
        });
        var problems = Object.keys(body.errors).length;
        result.textContent = problems
          ? "还有 " + problems + " 处需要填写或更正" + (unplaced.length ? "：" + unplaced.join("；") : "")
          : failed ? "填写完整；有 " + failed + " 项判定不合格，提交后将标记该记录。" : "填写完整，各项判定见上。";
      }).catch(function () {
        result.textContent = "网络不可用，请稍后再试";
      });
    });
  });

  // ---- The field loop on the phone ----
  // Drafts are kept in the phone's storage ("emss.draft.<id>") while they are typed, and a
  // submission made without network waits in "emss.queue" with its idempotency key until the
  // network returns. Both are removed once the server has them, and everything at logout.
  var store = window.localStorage;
  var DRAFT = "emss.draft.", KEY = "emss.key.", QUEUE = "emss.queue", REFUSED = "emss.refused.";

  function readJson(name, fallback) {
    try { var v = JSON.parse(store.getItem(name)); return v == null ? fallback : v; } catch (e) { return fallback; }
  }
  function writeJson(name, value) {
    try { store.setItem(name, JSON.stringify(value)); return true; } catch (e) { return false; }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // A JSON call. Resolves with {status, body}; rejects only when the network is down.
  function call(method, url, body, key) {
    var headers = { "Content-Type": "application/json", "X-CSRF-Token": window.emssCsrfToken() };
    if (key) headers["Idempotency-Key"] = key;
    return fetch(url, { method: method, credentials: "same-origin", headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; });
      });
  }

  // Puts the server's messages next to their fields; returns those with no place on the page.
  function showErrors(root, errors) {
    var unplaced = [];
    Object.keys(errors || {}).forEach(function (path) {
      var e = root.querySelector('[data-error-for="' + CSS.escape(path) + '"]');
      if (!e) { unplaced.push(errors[path]); return; }
      e.textContent = errors[path];
      e.hidden = false;
      var box = e.closest(".field");
      if (box) box.classList.add("has-error");
    });
    return unplaced;
  }
  function clearErrors(root) {
    root.querySelectorAll("[data-error-for]").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    root.querySelectorAll(".has-error").forEach(function (e) { e.classList.remove("has-error"); });
  }
  function failure(res) {
    var body = res.body || {};
    return body.message || "操作失败（" + res.status + "），请稍后再试";
  }

  // The phone's position now, with high accuracy; never an earlier one.
  function position() {
    return new Promise(function (ok, fail) {
      if (!navigator.geolocation) { fail("此浏览器不能定位，无法签到"); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        ok({ at: new Date().toISOString(), lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy });
      }, function (e) {
        fail(e && e.code === 1 ? "未取得手机定位：请允许本页面使用定位后重试" : "未取得手机定位，请到开阔处重试");
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  }

  function uploadUrl(root) {
    var record = root.getAttribute("data-record");
    return record ? "/api/v1/records/" + encodeURIComponent(record) + "/attachments" : "/api/v1/attachments";
  }

  // Sends one image; resolves with the stored attachment or rejects with a message. XHR rather
  // than fetch because only XHR reports how much of a photo has gone up on a slow network.
  function upload(root, kind, blob, name, onProgress) {
    var data = new FormData();
    data.append("_csrf", window.emssCsrfToken());
    data.append("kind", kind);
    data.append("file", blob, name || "image");
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", uploadUrl(root));
      xhr.withCredentials = true;
      xhr.setRequestHeader("Idempotency-Key", uuid());
      if (onProgress) xhr.upload.addEventListener("progress", function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); });
      xhr.addEventListener("load", function () {
        var b = {};
        try { b = JSON.parse(xhr.responseText); } catch (ignored) { b = {}; }
        if (xhr.status === 201) resolve(b);
        else reject((b.fields && (b.fields.file || b.fields.kind)) || b.message || "上传失败，请重试");
      });
      xhr.addEventListener("error", function () { reject("网络不可用，照片未上传，请恢复网络后重拍或重新选择"); });
      xhr.send(data);
    });
  }

  function thumb(box, id, onRemove) {
    var img = document.createElement("img");
    img.src = "/api/v1/attachments/" + encodeURIComponent(id);
    img.alt = "已上传的照片";
    img.title = "点按移除";
    img.setAttribute("data-photo-id", id);
    img.addEventListener("click", function () {
      if (window.confirm("移除这张照片？")) { img.remove(); onRemove(); }
    });
    box.appendChild(img);
  }

  // Photo inputs: each picture is uploaded at once; the field keeps the stored ids.
  function photoField(root, input, onChange) {
    var path = input.getAttribute("data-photos") || input.getAttribute("data-single-photo");
    var single = input.hasAttribute("data-single-photo");
    var box = root.querySelector('[data-thumbs="' + CSS.escape(path) + '"]');
    var error = root.querySelector('[data-error-for="' + CSS.escape(path) + '"]');
    function add(id) {
      if (single) {
        box.innerHTML = "";
        input.setAttribute("data-uploaded", id);
        thumb(box, id, function () { input.removeAttribute("data-uploaded"); });
        return;
      }
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = path; hidden.value = id;
      hidden.setAttribute("data-multiple", "");
      box.appendChild(hidden);
      thumb(box, id, function () { hidden.remove(); onChange(); });
    }
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (error) { error.hidden = true; error.textContent = ""; }
      // A bar under the camera tile shows how far the photo being sent has gone.
      var bar = document.createElement("progress");
      bar.className = "upload-progress";
      bar.max = 1;
      bar.value = 0;
      bar.setAttribute("aria-label", "照片上传进度");
      if (files.length) input.insertAdjacentElement("afterend", bar);
      files.reduce(function (chain, f) {
        return chain.then(function () {
          bar.value = 0;
          return upload(root, input.getAttribute("data-kind"), f, f.name, function (part) { bar.value = part; })
            .then(function (a) { add(a.id); onChange(); });
        });
      }, Promise.resolve()).catch(function (message) {
        if (error) { error.textContent = String(message); error.hidden = false; }
      }).then(function () { input.value = ""; bar.remove(); });
    });
    return { add: add };
  }

  // The signature pad: drawn with a finger, 确定 uploads it as a PNG, 重置 starts again.
  function signaturePad(root) {
    var pad = root.querySelector("[data-signature]");
    if (!pad) return null;
    var canvas = pad.querySelector("canvas"), ctx = canvas.getContext("2d");
    var idInput = pad.querySelector("[data-signature-id]"), note = pad.querySelector("[data-signature-state]");
    var drawing = false, drawn = false;
    function at(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    // The pad fills the phone's width: its pixels follow its shown size, so strokes keep their shape.
    var shown = canvas.getBoundingClientRect();
    if (shown.width > 0 && shown.height > 0) { canvas.width = Math.round(shown.width); canvas.height = Math.round(shown.height); }
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; var p = at(e); ctx.beginPath(); ctx.moveTo(p.x, p.y); e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return; var p = at(e); ctx.lineTo(p.x, p.y); ctx.stroke(); drawn = true; e.preventDefault();
    });
    ["pointerup", "pointerleave", "pointercancel"].forEach(function (t) { canvas.addEventListener(t, function () { drawing = false; }); });
    function reset() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false; idInput.value = ""; pad.classList.remove("signed"); note.textContent = "请在框内签字后点确定";
    }
    pad.querySelector("[data-signature-reset]").addEventListener("click", reset);
    pad.querySelector("[data-signature-ok]").addEventListener("click", function () {
      if (!drawn) { note.textContent = "请先在框内签字"; return; }
      note.textContent = "正在上传签字…";
      canvas.toBlob(function (blob) {
        upload(root, "signature", blob, "signature.png").then(function (a) {
          idInput.value = a.id; pad.classList.add("signed"); note.textContent = "已签字";
        }, function (message) { note.textContent = String(message); });
      }, "image/png");
    });
    return { id: function () { return idInput.value; }, reset: reset };
  }

  // 全选 ticks or unticks every record of the list; the lists start with none ticked, so each
  // record confirmed or reviewed was chosen.
  ready(function () {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var form = all.closest("form");
      all.addEventListener("change", function () {
        form.querySelectorAll("input[name=record_ids]").forEach(function (b) { b.checked = all.checked; });
      });
      form.addEventListener("change", function (e) {
        if (e.target.name !== "record_ids") return;
        var boxes = form.querySelectorAll("input[name=record_ids]");
        all.checked = boxes.length > 0 && Array.prototype.every.call(boxes, function (b) { return b.checked; });
      });
    });
  });

  // The filer's draft: restore, keep on the phone, 保存, 结束签到并上传 (queued when offline).
  window.emssDraft = function (form, f) {
    var id = form.getAttribute("data-record");
    var status = form.querySelector("[data-draft-status]");
    var result = form.querySelector("[data-form-result]");
    var pad = signaturePad(form);
    var workPhoto = form.querySelector("[data-single-photo]");
    var photoFields = {};
    var timer = null;
    function keepLocally() {
      clearTimeout(timer);
      timer = setTimeout(function () { writeJson(DRAFT + id, { fields: f.collect(), base: form.getAttribute("data-updated") }); }, 300);
    }
    form.querySelectorAll("[data-photos]").forEach(function (input) {
      photoFields[input.getAttribute("data-photos")] = photoField(form, input, keepLocally);
    });
    if (workPhoto) photoField(form, workPhoto, function () {});

    function flatten(v, path, out) {
      if (Array.isArray(v) && v.every(function (x) { return x === null || typeof x !== "object"; })) out.push([path, v]);
      else if (Array.isArray(v)) v.forEach(function (x, i) { flatten(x, path + "[" + i + "]", out); });
      else if (v && typeof v === "object") Object.keys(v).forEach(function (k) { flatten(v[k], path ? path + "." + k : k, out); });
      else out.push([path, v]);
      return out;
    }
    function ensureRow(path) {
      var m = path.match(/^(.*)\[(\d+)\]\.[^\[\]]+$/);
      if (!m) return;
      var table = form.querySelector('.form-rows[data-path="' + CSS.escape(m[1]) + '"]');
      if (!table) return;
      var add = table.querySelector("[data-add-row]");
      for (var guard = 0; table.querySelectorAll("[data-row]").length <= Number(m[2]) && guard < 200; guard++) add.click();
    }
    function fill(fields) {
      flatten(fields, "", []).forEach(function (pair) {
        var path = pair[0], value = pair[1];
        if (photoFields[path]) { (value || []).forEach(function (v) { photoFields[path].add(v); }); return; }
        var els = form.querySelectorAll('[name="' + CSS.escape(path) + '"]');
        if (!els.length) { ensureRow(path); els = form.querySelectorAll('[name="' + CSS.escape(path) + '"]'); }
        var values = Array.isArray(value) ? value.map(String) : [value == null ? "" : String(value)];
        els.forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") el.checked = values.indexOf(el.value) >= 0;
          else if (el.type !== "hidden" && el.type !== "file") el.value = el.hasAttribute("data-datetime") ? values[0].slice(0, 16) : values[0];
        });
      });
      f.showTabs();
    }
    var refused = readJson(REFUSED + id, "");
    store.removeItem(REFUSED + id);
    // The phone's copy is newer than the server's only while the server's copy is the one the
    // typing started from (the phone's clock is never compared with the server's).
    var local = readJson(DRAFT + id, null);
    var unsaved = local && local.base === form.getAttribute("data-updated");
    if (unsaved) {
      fill(local.fields);
      status.textContent = "已恢复手机上尚未保存到服务器的填写。";
    }
    if (refused) status.textContent = "离线提交未被接受：" + refused + "。请修改后重新上传。";
    if (!unsaved) {
      store.removeItem(DRAFT + id);
      try { fill(JSON.parse(form.getAttribute("data-saved") || "{}")); } catch (e) { /* an empty draft */ }
    }
    form.addEventListener("input", keepLocally);
    form.addEventListener("change", keepLocally);

    function save() {
      clearTimeout(timer);
      var fields = f.collect();
      writeJson(DRAFT + id, { fields: fields, base: form.getAttribute("data-updated") });
      return call("PUT", "/api/v1/records/" + encodeURIComponent(id), { fields: fields });
    }
    form.querySelector("[data-draft-save]").addEventListener("click", function () {
      clearErrors(form);
      status.textContent = "正在保存…";
      save().then(function (res) {
        if (res.status === 200) {
          store.removeItem(DRAFT + id);
          status.textContent = "已保存 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
        } else {
          showErrors(form, res.body.fields);
          status.textContent = failure(res);
        }
      }, function () {
        status.textContent = "网络不可用：填写已保存在手机上，恢复网络后请再点保存。";
      });
    });

    form.querySelector("[data-draft-submit]").addEventListener("click", function () {
      // The submission carries the fields as they are now; a copy kept later would outlive it.
      clearTimeout(timer);
      clearErrors(form);
      var problems = {};
      var photoId = workPhoto ? workPhoto.getAttribute("data-uploaded") : "";
      if (!photoId) problems.work_photo_id = "请拍摄工作照";
      if (!pad || !pad.id()) problems.signature_id = "请签字并点确定";
      if (Object.keys(problems).length) { showErrors(form, problems); result.textContent = "请补全工作照和签字"; return; }
      result.textContent = "正在取得手机定位…";
      position().then(function (stamp) {
        var key = store.getItem(KEY + id) || uuid();
        store.setItem(KEY + id, key);
        var item = { id: id, key: key, fields: f.collect(), body: { check_out: stamp, work_photo_id: photoId, signature_id: pad.id() } };
        result.textContent = "正在上传…";
        return send(item).then(function (res) {
          if (res.status === 200 || res.status === 201) {
            // Typing while it was sent must not leave a copy of the record on the phone.
            clearTimeout(timer);
            store.removeItem(DRAFT + id);
            result.textContent = "已上传：运维编号 " + (res.body.number || "") + "。";
            window.location.href = "/m/records/" + encodeURIComponent(id) + "?submitted=1";
            return;
          }
          var unplaced = showErrors(form, res.body.fields);
          result.textContent = failure(res) + (unplaced.length ? "：" + unplaced.join("；") : "");
        }, function () {
          var queue = readJson(QUEUE, []).filter(function (q) { return q.id !== id; });
          queue.push(item);
          writeJson(QUEUE, queue);
          result.textContent = "网络不可用：已放入待上传队列，恢复网络后自动上传。";
        });
      }, function (message) {
        showErrors(form, { check_out: message });
        result.textContent = message;
      });
    });
  };

  // One submission: the fields saved, then 结束签到并上传 with the draft's key. A retry after a
  // lost answer finds the draft already submitted and gets the first answer back.
  function send(item) {
    var url = "/api/v1/records/" + encodeURIComponent(item.id);
    return call("PUT", url, { fields: item.fields }).then(function (res) {
      if (res.status !== 200 && !(res.status === 422 && res.body.fields && res.body.fields.state)) return res;
      var body = JSON.parse(JSON.stringify(item.body));
      body.check_out.sent_at = new Date().toISOString();
      return call("POST", url + "/submit", body, item.key).then(function (done) {
        if (done.status === 200 || done.status === 201) {
          store.removeItem(DRAFT + item.id);
          store.removeItem(KEY + item.id);
        }
        return done;
      });
    });
  }

  // The queue is sent when a page opens and whenever the network returns.
  function flushQueue() {
    var queue = readJson(QUEUE, []);
    var box = document.querySelector("[data-queue-status]");
    function show(text) { if (box) { box.hidden = !text; box.querySelector("[data-queue-text]").textContent = text; } }
    if (!queue.length) { show(""); return; }
    show("有 " + queue.length + " 条记录待上传，正在上传…");
    var finished = {};
    queue.reduce(function (chain, item) {
      return chain.then(function () {
        return send(item).then(function (res) {
          if (res.status === 200 || res.status === 201) { finished[item.id] = true; return; }
          // Refused for what it is (gone, changed, invalid): back to its draft, where the message
          // shows. Anything else (signed out, server busy or restarting) stays queued.
          if (res.status === 404 || res.status === 409 || res.status === 422) {
            writeJson(REFUSED + item.id, failure(res));
            finished[item.id] = true;
          }
        }, function () { /* still offline: stays queued */ });
      });
    }, Promise.resolve()).then(function () {
      // Re-read: a submission queued while this ran must not be lost.
      var left = readJson(QUEUE, []).filter(function (q) { return !finished[q.id]; });
      writeJson(QUEUE, left);
      show(left.length ? "有 " + left.length + " 条记录待上传，恢复网络后自动上传。" : "");
    });
  }
  ready(function () {
    var csrf = document.querySelector('meta[name="csrf-token"]');
    if (!document.body.classList.contains("h5") || !csrf || !csrf.content) return;
    flushQueue();
    window.addEventListener("online", flushQueue);
  });

  // Logging out of the phone clears what it keeps of records (personal data); unsent work is
  // named first so it is not lost unawares.
  ready(function () {
    var logout = document.querySelector("form.h5-logout");
    if (!logout) return;
    logout.addEventListener("submit", function (event) {
      var waiting = readJson(QUEUE, []).length;
      var drafts = Object.keys(store).filter(function (k) { return k.indexOf(DRAFT) === 0; }).length;
      if ((waiting || drafts) && !logout.hasAttribute("data-confirmed")) {
        event.preventDefault();
        confirmDialog("还有 " + waiting + " 条记录待上传、" + drafts + " 份填写未保存到服务器，退出将清除手机上的这些内容。确定退出？", "退出", true, function () {
          logout.setAttribute("data-confirmed", "");
          if (logout.requestSubmit) logout.requestSubmit();
          else logout.submit();
        });
        return;
      }
      Object.keys(store).forEach(function (k) { if (k.indexOf("emss.") === 0) store.removeItem(k); });
    });
  });

  // 开始签到: the chosen form type and instruments with the phone's position.
  ready(function () {
    var form = document.querySelector("form[data-check-in]");
    if (!form) return;
    var result = form.querySelector("[data-form-result]");
    var key = uuid();
    form.querySelector("[data-check-in-button]").addEventListener("click", function () {
      clearErrors(form);
      var chosen = form.querySelector("input[name=form_type]:checked");
      if (!chosen) { showErrors(form, { form_type: "请选择运维内容" }); return; }
      var instruments = Array.prototype.map.call(form.querySelectorAll("input[name=instrument_ids]:checked"), function (i) { return i.value; });
      result.textContent = "正在取得手机定位…";
      position().then(function (stamp) {
        result.textContent = "正在签到…";
        return call("POST", "/api/v1/records", {
          task_id: form.getAttribute("data-task"), outlet_id: form.getAttribute("data-outlet"),
          form_type: chosen.value, instrument_ids: instruments, check_in: stamp
        }, key).then(function (res) {
          if (res.status === 201 || res.status === 200) { window.location.href = "/m/records/" + encodeURIComponent(res.body.id); return; }
          var unplaced = showErrors(form, res.body.fields);
          result.textContent = failure(res) + (unplaced.length ? "：" + unplaced.join("；") : "");
        }, function () { result.textContent = "网络不可用，请到有信号处签到"; });
      }, function (message) {
        showErrors(form, { check_in: message });
        result.textContent = message;
      });
    });
  });

  // The enterprise confirms the chosen records of a day with a signature and a work photo.
  ready(function () {
    var form = document.querySelector("form[data-confirm-day]");
    if (!form || !form.querySelector("[data-confirm-button]")) return;
    var result = form.querySelector("[data-form-result]");
    var pad = signaturePad(form), photo = form.querySelector("[data-single-photo]");
    photoField(form, photo, function () {});
    var key = uuid();
    form.querySelector("[data-confirm-button]").addEventListener("click", function () {
      clearErrors(form);
      var ids = Array.prototype.map.call(form.querySelectorAll("input[name=record_ids]:checked"), function (i) { return i.value; });
      // The page always names its records: an empty list would mean the whole day to the server.
      if (!ids.length) { showErrors(form, { record_ids: "请选择要确认的记录" }); return; }
      call("POST", "/api/v1/confirmations", {
        date: form.getAttribute("data-confirm-day"), record_ids: ids,
        signature_id: pad.id(), work_photo_id: photo.getAttribute("data-uploaded") || ""
      }, key).then(function (res) {
        if (res.status === 200 || res.status === 201) {
          key = uuid();
          result.textContent = "已确认 " + res.body.records.length + " 条记录。";
          res.body.records.forEach(function (r) {
            var box = form.querySelector('input[name=record_ids][value="' + CSS.escape(r.id) + '"]');
            if (box) box.closest("li").remove();
          });
          // The next batch is signed and photographed anew.
          pad.reset();
          photo.removeAttribute("data-uploaded");
          form.querySelector('[data-thumbs="work_photo_id"]').innerHTML = "";
          var all = form.querySelector("input[data-select-all]");
          if (all) all.checked = false;
          return;
        }
        var unplaced = showErrors(form, res.body.fields);
        result.textContent = failure(res) + (unplaced.length ? "：" + unplaced.join("；") : "");
      }, function () { result.textContent = "网络不可用，请稍后再试"; });
    });
  });

  // The reviewer approves or voids the chosen records; those refused are named with the reason.
  ready(function () {
    var form = document.querySelector("form[data-review]");
    if (!form || !form.querySelector("[data-review-button]")) return;
    var result = form.querySelector("[data-form-result]");
    var pad = signaturePad(form), photo = form.querySelector("[data-single-photo]");
    photoField(form, photo, function () {});
    var key = uuid();
    form.querySelector("[data-review-button]").addEventListener("click", function () {
      clearErrors(form);
      var boxes = form.querySelectorAll("input[name=record_ids]:checked");
      var decision = form.querySelector("input[name=decision]:checked");
      // A failed record is approved only with the reviewer's word on it.
      var acknowledgements = [];
      Array.prototype.forEach.call(boxes, function (b) {
        var note = form.querySelector('textarea[data-ack-for="' + CSS.escape(b.value) + '"]');
        if (note && note.value.trim()) acknowledgements.push({ record_id: b.value, comment: note.value });
      });
      // Voiding cannot be undone: asked once more when the request is complete.
      var reason = form.querySelector("[name=reason]").value;
      var photoId = photo.getAttribute("data-uploaded") || "";
      if (decision && decision.value === "void" && boxes.length && reason.trim() && pad.id() && photoId) {
        confirmDialog("确定作废所选 " + boxes.length + " 条运维记录？作废后不可恢复。", "作废", true, send);
      } else send();
      function send() {
        call("POST", "/api/v1/reviews", {
          record_ids: Array.prototype.map.call(boxes, function (i) { return i.value; }),
          decision: decision ? decision.value : "", reason: reason,
          signature_id: pad.id(), work_photo_id: photoId, acknowledgements: acknowledgements
        }, key).then(function (res) {
          if (res.status !== 200) {
            var unplaced = showErrors(form, res.body.fields);
            result.textContent = failure(res) + (unplaced.length ? "：" + unplaced.join("；") : "");
            return;
          }
          key = uuid();
          var done = 0, refused = [];
          res.body.results.forEach(function (r) {
            var box = form.querySelector('input[name=record_ids][value="' + CSS.escape(r.record_id) + '"]');
            if (r.ok) { done++; if (box) box.closest("li").remove(); }
            else refused.push((box ? box.getAttribute("data-number") : r.record_id) + "：" + r.message);
          });
          result.textContent = "已处理 " + done + " 条。" + (refused.length ? "未处理：" + refused.join("；") : "");
        }, function () { result.textContent = "网络不可用，请稍后再试"; });
      }
    });
  });

  // Scripts that write through the API send the session's anti-CSRF token.
  window.emssCsrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
})();
