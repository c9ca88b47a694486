// «Мой класс»: correct absence reasons and set period marks, saved at once.
(function () {
  "use strict";
  const root = document.getElementById("myclass");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const status = document.getElementById("myclass-status");

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

  function report(element, error) {
    status.textContent = error ? error.message : "Сохранено.";
    status.className = "small mb-1 " + (error ? "text-danger" : "text-success");
    element.classList.toggle("is-invalid", !!error);
  }

  // A reason names the lesson and pupil and the code the page shows (data-seen): if the
  // cell changed since the page was drawn, the server refuses and says to reload.
  root.querySelectorAll("select.absence").forEach(function (select) {
    select.addEventListener("change", function () {
      post(root.dataset.apiAbsence, {lesson: select.dataset.lesson, student: select.dataset.student,
                                     seen: select.dataset.seen, code: select.value})
        .then(function (body) { select.dataset.seen = body.code; report(select, null); },
              function (e) { report(select, e); });
    });
  });
  root.querySelectorAll("input.pmark").forEach(function (input) {
    input.dataset.saved = input.value;
    input.addEventListener("change", function () {
      post(root.dataset.apiPeriodMark, {class_id: root.dataset.classId,
        period_id: root.dataset.periodId, subject_id: input.dataset.subject,
        student: input.dataset.student, value: input.value})
        .then(function (body) { input.value = body.value; input.dataset.saved = body.value;
                                report(input, null); },
              function (e) { report(input, e); });
    });
  });
})();
