// EMSS page behaviour. Plain JavaScript that works in WeChat's in-app browser; loaded as a file
// because the content security policy forbids inline scripts.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // A select with data-autosubmit submits its form when changed (page size of lists).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () {
        if (el.form) el.form.submit();
      });
    });

    // The menu button of narrow screens shows and hides the navigation it controls.
    document.querySelectorAll("[data-toggle]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-toggle"));
      if (!target) return;
      button.addEventListener("click", function () {
        var open = target.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });

    // Forms with data-confirm ask before they are sent.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  });

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
      form.querySelectorAll(".form-field[data-group]").forEach(function (f) {
        f.hidden = !chosen[f.getAttribute("data-group")];
      });
    }
    form.querySelectorAll("input[data-tab]").forEach(function (t) { t.addEventListener("change", showTabs); });
    showTabs();

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
    form.querySelector("[data-form-check]").addEventListener("click", function () {
      clear();
      result.textContent = "正在检查…";
      fetch("/api/v1/form-types/" + encodeURIComponent(form.getAttribute("data-form-code")) + "/check", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": window.emssCsrfToken() },
        body: JSON.stringify({ fields: collect(), version: Number(form.getAttribute("data-form-version")) })
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

  // Scripts that write through the API send the session's anti-CSRF token.
  window.emssCsrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
})();
