// The console works without this file; with it, a few things are nicer:
// copy buttons, a live preview of a new link's URL, and a confirmation
// before destructive buttons. Loaded as a file: the CSP allows no inline code.
(function () {
  "use strict";

  // -- copy buttons: <button class="copy" data-copy="text"> ----------------------
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function flashButton(button, text, state) {
    var original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    button.dataset.state = state;
    clearTimeout(button._timer);
    button._timer = setTimeout(function () {
      button.textContent = original;
      delete button.dataset.state;
    }, 1800);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var text = button.dataset.copy;
    copy(text).then(function () {
      document.body.dataset.copied = text;
      flashButton(button, "Copied", "copied");
    }, function () {
      flashButton(button, "Select and copy", "failed");
    });
  });

  // -- confirmation before destructive buttons: data-confirm="question" ---------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  // -- live preview of a new link's destination URL --------------------------------
  var form = document.getElementById("link-form");
  if (form && form.dataset.preview && window.fetch) {
    var output = document.getElementById("link-preview");
    var problem = document.getElementById("link-preview-error");
    var timer = null;
    var latest = 0;

    function refresh() {
      var params = new URLSearchParams();
      ["creator", "channel", "destination"].forEach(function (name) {
        var field = form.elements[name];
        if (field && field.value.trim()) params.set(name, field.value.trim());
      });
      var ticket = ++latest;
      fetch(form.dataset.preview + "?" + params.toString(), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (ticket !== latest) return;             // an older answer arriving late
        if (answer.ok) {
          output.textContent = answer.body.destination_url;
          output.classList.remove("stale");
          problem.hidden = true;
        } else {
          output.classList.add("stale");
          problem.textContent = answer.body.error ? answer.body.error.message : "no preview";
          problem.hidden = false;
        }
      }).catch(function () { /* offline: keep the last preview */ });
    }

    // Only the fields the URL depends on (not the short code).
    function watched(event) {
      return ["creator", "channel", "destination"].indexOf(event.target.name) >= 0;
    }
    form.addEventListener("input", function (event) {
      if (!watched(event)) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 200);
    });
    form.addEventListener("change", function (event) {
      if (watched(event)) refresh();
    });
  }
})();
