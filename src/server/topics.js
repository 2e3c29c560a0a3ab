// The topic editor: checks the form as it changes (debounced) and shows each problem under
// its field at line:column; the preview button asks for the posts the edit gains and loses.
// Answers are placed with textContent, except the preview, which the server escaped.
(function () {
  "use strict";
  var form = document.getElementById("topic-form");
  var token = form && form.querySelector("input[name=csrf]");
  if (!form || !token || !document.getElementById("save-btn")) return;
  var id = form.getAttribute("data-topic");
  var timer = null;
  var seq = 0;

  function post(path) {
    return fetch("/topics/" + encodeURIComponent(id) + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token.value },
      body: new URLSearchParams(new FormData(form))
    });
  }

  function clear() {
    var boxes = form.querySelectorAll(".problems");
    for (var i = 0; i < boxes.length; i++) boxes[i].textContent = "";
  }

  function show(answer) {
    clear();
    var status = document.getElementById("status");
    status.textContent = answer.ok ? "Tidak ada galat." : answer.problems.length + " galat.";
    answer.problems.forEach(function (p) {
      var box = p.field ? form.querySelector('.problems[data-for="' + p.field + '"]') : null;
      var line = document.createElement("p");
      line.className = "error";
      line.textContent = box
        ? "baris " + p.line + ", kolom " + p.col + ": " + p.message + (p.hint ? " — saran: " + p.hint : "")
        : p.shown;
      (box || document.getElementById("problems-other")).appendChild(line);
    });
  }

  function check() {
    var mine = ++seq;
    post("/check")
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (mine === seq && answer.problems) show(answer); })
      .catch(function () {
        document.getElementById("status").textContent = "Pemeriksaan gagal; coba lagi.";
      });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });

  document.getElementById("preview-btn").addEventListener("click", function () {
    var out = document.getElementById("preview");
    out.textContent = "Memuat pratinjau…";
    post("/preview")
      .then(function (r) { return r.text(); })
      .then(function (html) { out.innerHTML = html; })
      .catch(function () { out.textContent = "Pratinjau gagal; coba lagi."; });
  });
})();
