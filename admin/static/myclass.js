// «Мой класс»: correct absence reasons, mark a pupil absent the whole day, set period
// marks, saved at once; print the all-subjects sheet.
(function () {
  "use strict";
  const printButton = document.getElementById("print-sheet");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  const root = document.getElementById("myclass");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const status = document.getElementById("myclass-status");
  const lowMarks = (root.dataset.lowMarks || "").split(" ");

  function post(url, payload) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(payload)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(body.error || "Ошибка " + r.status + ": не сохранено.");
          return body;
        });
      }, function () { throw new Error("Нет связи с сервером: не сохранено."); });
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "small mb-1 " + (kind === "partial" ? "status-partial" : "text-" + kind);
  }

  function report(element, error) {
    say(error ? error.message : "Сохранено.", error ? "danger" : "success");
    element.classList.toggle("is-invalid", !!error);
  }

  // A reason names the lesson and pupil and the code the page shows (data-seen): if the
  // cell changed since the page was drawn, the server refuses and says to reload.
  // Listened to on the page, as a whole day's absence draws its cell again.
  root.addEventListener("change", function (event) {
    const select = event.target;
    if (select.matches("select.absence")) {
      post(root.dataset.apiAbsence, {lesson: select.dataset.lesson, student: select.dataset.student,
                                     seen: select.dataset.seen, code: select.value})
        .then(function (body) { select.dataset.seen = body.code; report(select, null); },
              function (e) { report(select, e); });
    } else if (select.matches("input.pmark")) {
      savePeriodMark(select);
    }
  });

  // A period mark, or (data-kind) a year, exam or final mark; its «→» button shows what is
  // suggested while no mark is given.
  function savePeriodMark(input) {
    const kind = input.dataset.kind || "period";
    post(root.dataset.apiPeriodMark, {class_id: root.dataset.classId,
      period_id: root.dataset.periodId, subject_id: input.dataset.subject,
      student: input.dataset.student, value: input.value, kind: kind})
      .then(function (body) {
        input.value = body.value;
        input.classList.toggle("mark-low", lowMarks.indexOf(body.value) >= 0);
        const accept = input.parentNode.querySelector("button.accept-mark");
        const hint = body.value ? "" : ((body.suggested || {})[kind] || "");
        if (accept) { accept.dataset.value = hint; accept.textContent = "→" + hint; accept.hidden = !hint; }
        report(input, null);
      }, function (e) { report(input, e); });
  }

  // «→4»: the suggested year or final mark accepted in one click.
  root.addEventListener("click", function (event) {
    const button = event.target.closest("button.accept-mark");
    if (!button) return;
    const input = button.parentNode.querySelector("input.pmark");
    input.value = button.dataset.value;
    button.hidden = true;
    savePeriodMark(input);
  });

  // «Весь день»: one reason for every lesson of the pupil that day; the server answers
  // with what it set and refused, and the day's cell drawn again.
  root.addEventListener("click", function (event) {
    const button = event.target.closest("button.day-set");
    if (!button) return;
    const cell = button.closest("td");
    const code = cell.querySelector("select.day-code").value;
    button.disabled = true;
    post(root.dataset.apiDay, {class_id: root.dataset.classId, student: button.dataset.student,
                               day: button.dataset.day, code: code})
      .then(function (body) {
        cell.innerHTML = body.cell;
        say(cell.dataset.name + ". " + body.summary, body.refused ? "partial" : "success");
      }, function (e) {
        button.disabled = false;
        say(cell.dataset.name + ". " + e.message, "danger");
      });
  });
})();
