// The topic editor: checks the form as it changes (debounced) and shows each problem under
// its field at line:column; the preview button asks for the posts the edit gains and loses.
// Answers are placed with textContent, except the server's fragments (preview, candidate
// examples, suggested words), which the server escaped. Marks on the preview's posts are sent
// without leaving the page; a candidate example or a suggested word is added to its field with
// one click (a word then re-runs the preview); the analyst saves as usual.
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

  function runPreview() {
    var out = document.getElementById("preview");
    out.textContent = "Memuat pratinjau…";
    post("/preview")
      .then(function (r) { return r.text(); })
      .then(function (html) { out.innerHTML = html; })
      .catch(function () { out.textContent = "Pratinjau gagal; coba lagi."; });
  }

  document.getElementById("preview-btn").addEventListener("click", runPreview);

  // Appends `line` to the field `name` (one element a line) unless it is there already.
  function append(name, line) {
    var field = document.getElementById("f-" + name);
    if (!field) return false;
    var lines = field.value.split("\n").map(function (l) { return l.trim(); });
    if (lines.indexOf(line.trim()) >= 0) return false;
    field.value = field.value.replace(/\s*$/, "");
    field.value += (field.value ? "\n" : "") + line;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    return true;
  }

  function get(path) {
    return fetch("/topics/" + encodeURIComponent(id) + path, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); });
  }

  function refreshCandidates() {
    get("/candidates").then(function (html) {
      document.getElementById("candidates-box").innerHTML = html;
    }).catch(function () {});
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button") : null;
    if (!b) return;
    if (b.classList.contains("add-example")) {
      append(b.getAttribute("data-into"), b.getAttribute("data-text"));
      b.disabled = true;
      b.textContent = "Ditambahkan ke formulir — simpan untuk memakainya";
    } else if (b.classList.contains("add-term")) {
      append("any", b.getAttribute("data-term"));
      b.disabled = true;
      runPreview();
    }
  });

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.classList || !f.classList.contains("mark")) return;
    e.preventDefault();
    var data = new URLSearchParams(new FormData(f));
    if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
    var said = f.querySelector(".marked");
    fetch("/marks", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token.value },
      body: data
    })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (answer.ok) {
          said.textContent = answer.verdict === "wrong" ? "Ditandai: bukan topik ini."
            : answer.verdict === "missing" ? "Ditandai: kurang topik ini."
            : "Ditandai: benar.";
          refreshCandidates();
        } else {
          said.textContent = answer.error || "Gagal menandai.";
        }
      })
      .catch(function () { said.textContent = "Gagal menandai; coba lagi."; });
  });

  var suggestions = document.getElementById("suggestions");
  if (suggestions) {
    get("/suggestions?days=" + encodeURIComponent(suggestions.getAttribute("data-days") || "30"))
      .then(function (html) { suggestions.innerHTML = html; })
      .catch(function () { suggestions.textContent = "Usulan kata gagal dimuat."; });
  }
})();
