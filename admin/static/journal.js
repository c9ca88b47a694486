// The journal grid: type marks and attendance into cells, saved one cell at a time.
// Plain JavaScript, no libraries; every message is Russian; nothing typed is lost on error.
(function () {
  "use strict";
  const root = document.getElementById("journal");
  if (!root) return;
  // Another period reloads the page (a listener: the panel's CSP runs no inline handler).
  const period = document.getElementById("period_id");
  if (period) period.addEventListener("change", function () { period.form.submit(); });
  const grid = document.getElementById("grid");
  const status = document.getElementById("grid-status");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const ids = {
    class_id: root.dataset.classId, subject_id: root.dataset.subjectId,
    subgroup_id: root.dataset.subgroupId, period_id: root.dataset.periodId,
  };

  // One request at a time, in the order the teacher left the cells: two saves of the same
  // cell can then never be applied out of order, and one page never races itself.
  let queue = Promise.resolve();

  // Rule 16: the deputy's «Причина исправления» goes with every write of the page (the
  // server asks for it where the write corrects another teacher's entry); it is kept for the
  // tab's session of this journal, so saving a lesson (which reloads the page) keeps it.
  const reason = document.getElementById("correction-reason");
  const reasonKey = "journal-correction-reason:" + [ids.class_id, ids.subject_id, ids.subgroup_id].join(":");
  if (reason) {
    try { reason.value = window.sessionStorage.getItem(reasonKey) || ""; } catch (e) { /* storage off */ }
    reason.addEventListener("input", function () {
      reason.classList.remove("is-invalid");
      reason.removeAttribute("aria-invalid");
      try { window.sessionStorage.setItem(reasonKey, reason.value); } catch (e) { /* storage off */ }
    });
  }

  // A payload may be a function, called when its turn comes: a queued save then carries
  // what the page knew after the saves before it were answered.
  function post(url, payload) {
    const result = queue.then(function () {
      const body = typeof payload === "function" ? payload() : payload;
      // The reopening form's own «reason» is its own.
      if (reason && body.reason === undefined) body.reason = reason.value.trim();
      return send(url, body);
    });
    queue = result.catch(function () {});
    return result;
  }

  function send(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) return body;
        let message = body.error;
        if (body.rule === 16 && reason) {  // no reason for a correction: ask for it
          reason.classList.add("is-invalid");
          reason.setAttribute("aria-invalid", "true");
        }
        if (!message && response.status === 400) message = "Сеанс устарел: обновите страницу (F5).";
        if (!message && response.status === 401) message = "Сеанс завершён: войдите снова.";
        throw new Error(message || "Ошибка сервера (" + response.status + "). Запись не сохранена.");
      });
    }, function () {
      throw new Error("Нет связи с сервером: запись не сохранена. Проверьте сеть и повторите.");
    });
  }

  function say(text, isError) {
    status.textContent = text;
    status.className = "small mb-1 " + (isError ? "text-danger" : "text-success");
  }

  // --- cell errors are shown right next to the cell --------------------------------
  function showError(input, message) {
    clearError(input);
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    input.title = message;
    const tip = document.createElement("div");
    tip.className = "cell-error";
    tip.setAttribute("role", "alert");
    tip.textContent = message;
    input.parentNode.appendChild(tip);
    say(message, true);
  }

  function clearError(input) {
    input.classList.remove("is-invalid");
    input.removeAttribute("aria-invalid");
    input.removeAttribute("title");
    const tip = input.parentNode.querySelector(".cell-error");
    if (tip) tip.remove();
  }

  // --- saving ----------------------------------------------------------------------
  // dataset.sent is the value last sent and not yet answered: typing back the old value
  // while a save is on its way must be sent too, or the page and the database disagree.
  // dataset.saved is what the cell holds as far as this page knows; it goes with the save
  // as `seen`, so a cell someone else changed since is refused (409), not overwritten.
  function saveCell(input) {
    const last = input.dataset.sent !== undefined ? input.dataset.sent : input.dataset.saved;
    if (input.value === last) return;
    const value = input.value;
    input.dataset.sent = value;
    input.classList.add("saving");
    post(root.dataset.apiCell, function () {
      return {lesson: input.dataset.lesson, student: input.dataset.student, value: value,
              seen: input.dataset.saved, work: input.dataset.work || null};
    })
      .then(function (body) {
        input.dataset.saved = body.text;
        if (input.dataset.sent !== value) return;  // a newer save of this cell is queued
        delete input.dataset.sent;
        input.classList.remove("saving");
        clearError(input);
        if (input.value === value) input.value = body.text;
        // The server's colours for what is saved (a low mark, an absence), the comment kept.
        const td = input.closest("td");
        td.className = (body.look + (input.dataset.comment ? " has-comment" : "")).trim();
        const row = input.closest("tr");
        row.querySelector("[data-average]").textContent = body.average;
        row.querySelector("[data-suggested]").textContent = body.suggested;
        say("Сохранено.", false);
      }, function (error) {
        if (input.dataset.sent !== value) return;  // a newer save of this cell is queued
        delete input.dataset.sent;
        input.classList.remove("saving");
        showError(input, error.message);
      });
  }

  // A period mark, or in the end columns (data-kind) a year, exam or final mark; the answer
  // says what the year and final marks are suggested now, shown as their «→» buttons.
  const markSaved = {period: "Отметка за период сохранена.", year: "Годовая отметка сохранена.",
                     exam: "Экзаменационная отметка сохранена.", final: "Итоговая отметка сохранена."};
  function savePeriodMark(input) {
    if (input.value === input.dataset.saved) return;
    const value = input.value;
    const kind = input.dataset.kind || "period";
    post(root.dataset.apiPeriodMark, Object.assign({student: input.dataset.student, value: value,
                                                    kind: kind}, ids))
      .then(function (body) {
        clearError(input);
        input.value = body.value;
        input.dataset.saved = body.value;
        showSuggested(input.closest("tr"), body.suggested || {});
        say(markSaved[kind], false);
      }, function (error) { showError(input, error.message); });
  }

  function showSuggested(row, suggested) {
    row.querySelectorAll("button.accept-mark").forEach(function (button) {
      const mark = row.querySelector('input.pmark[data-kind="' + button.dataset.kind + '"]');
      const hint = mark && mark.value ? "" : (suggested[button.dataset.kind] || "");
      button.dataset.value = hint;
      button.textContent = "→" + hint;
      button.hidden = !hint;
    });
  }

  // «→4»: the suggested year or final mark accepted in one click.
  grid.addEventListener("click", function (event) {
    const button = event.target.closest("button.accept-mark");
    if (!button) return;
    const input = button.closest("td").querySelector("input.pmark");
    input.value = button.dataset.value;
    button.hidden = true;
    savePeriodMark(input);
  });

  // --- moving by keyboard ------------------------------------------------------------
  const inputs = Array.from(grid.querySelectorAll("input.cell, input.pmark"));
  inputs.forEach(function (input) { input.dataset.saved = input.value; });

  function cellAt(row, column) {
    const tr = grid.tBodies[0].rows[row];
    if (!tr) return null;
    const td = tr.cells[column];
    return td ? td.querySelector("input") : null;
  }

  function move(input, dRow, dColumn) {
    const td = input.closest("td");
    let row = td.parentNode.sectionRowIndex;
    let column = td.cellIndex;
    for (let step = 0; step < 200; step++) {
      row += dRow;
      column += dColumn;
      if (row < 0 || column < 1 || row >= grid.tBodies[0].rows.length) return;
      if (column >= grid.tBodies[0].rows[row].cells.length) return;
      const next = cellAt(row, column);
      if (next) { next.focus(); next.select(); return; }
    }
  }

  grid.addEventListener("keydown", function (event) {
    const input = event.target;
    if (!input.matches("input")) return;
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    const all = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    switch (event.key) {
      case "ArrowUp": move(input, -1, 0); break;
      case "ArrowDown": case "Enter": move(input, 1, 0); break;
      case "ArrowLeft": if (atStart || all) move(input, 0, -1); else return; break;
      case "ArrowRight": if (atEnd || all) move(input, 0, 1); else return; break;
      case "Escape": input.value = input.dataset.saved; clearError(input); break;
      default: return;
    }
    event.preventDefault();
  });
  grid.addEventListener("focusin", function (event) {
    if (!event.target.matches("input")) return;
    event.target.select();
    if (event.target.matches("input.cell:not([data-work])")) commentFor(event.target);
  });
  grid.addEventListener("focusout", function (event) {
    const input = event.target;
    if (input.matches("input.cell")) saveCell(input);
    else if (input.matches("input.pmark")) savePeriodMark(input);
  });

  // Leaving the page with a cell still being typed into: save it first. Saves still
  // waiting in the queue would be lost on leaving too: ask the teacher to stay.
  window.addEventListener("beforeunload", function (event) {
    const active = document.activeElement;
    if (active && active.matches && active.matches("#grid input") &&
        active.value !== active.dataset.saved) {
      active.blur();
      event.preventDefault();
    } else if (grid.querySelector("input.cell[data-sent]")) {
      event.preventDefault();
    }
  });

  // --- the comment of the last cell focused: to the pupil and the parents ---------------
  const commentBar = document.getElementById("comment-bar");
  const commentText = document.getElementById("comment-text");
  let commentCell = null;

  function commentFor(input) {
    if (!commentBar) return;
    commentCell = input;
    commentBar.hidden = false;
    document.getElementById("comment-label").textContent =
      "Комментарий: " + input.getAttribute("aria-label");
    commentText.value = input.dataset.comment || "";
    commentText.classList.remove("is-invalid");
  }

  function saveComment() {
    const input = commentCell;
    if (!input) return;
    const text = commentText.value.trim();
    post(root.dataset.apiComment, {lesson: input.dataset.lesson, student: input.dataset.student,
                                   text: text})
      .then(function (body) {
        commentText.classList.remove("is-invalid");
        if (body.text) {
          input.dataset.comment = body.text;
          input.title = body.text;
        } else {
          delete input.dataset.comment;
          input.removeAttribute("title");
        }
        input.closest("td").classList.toggle("has-comment", !!body.text);
        say(body.text ? "Комментарий сохранён." : "Комментарий удалён.", false);
        if (commentCell === input) input.focus();
      }, function (error) {
        commentText.classList.add("is-invalid");
        say(error.message, true);
      });
  }

  if (commentBar) {
    document.getElementById("comment-save").addEventListener("click", saveComment);
    commentText.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); saveComment(); }
      if (event.key === "Escape" && commentCell) { event.preventDefault(); commentCell.focus(); }
    });
  }

  // --- the deputy's reopening of a locked journal (rule 15) ---------------------------
  const reopen = document.getElementById("reopen-form");
  if (reopen) {
    reopen.addEventListener("submit", function (event) {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(reopen).entries());
      post(root.dataset.apiReopen, Object.assign({}, data, ids))
        .then(function () { window.location.reload(); },
              function (e) { document.getElementById("reopen-error").textContent = e.message; });
    });
  }

  // --- the lesson form -----------------------------------------------------------------
  const form = document.getElementById("lesson-form");
  if (!form) return;
  const title = document.getElementById("lesson-form-title");
  const error = document.getElementById("lesson-error");
  const remove = document.getElementById("lesson-delete");

  // The date is a list of school days (rule 14); a day off some lesson is stored on is
  // listed, hidden, and shown only while that lesson is open, so it is never moved unasked.
  const days = form.elements.date;
  function pickDay(date) {
    Array.from(days.options).forEach(function (option) {
      if (option.hasAttribute("data-off")) option.hidden = option.value !== date;
    });
    const first = Array.from(days.options).find(function (o) { return !o.hidden; });
    days.value = date || (first ? first.value : "");
  }
  pickDay("");

  // A new lesson's number is the timetable's for the day's weekday (1 = Monday).
  const slotNumbers = JSON.parse(root.dataset.slotNumbers || "{}");
  function timetableNumber() {
    const day = new Date(days.value + "T12:00:00");
    return slotNumbers[String(day.getDay() || 7)] || 1;
  }
  days.addEventListener("change", function () {
    if (!form.elements.lesson_id.value) form.elements.number.value = timetableNumber();
  });

  function fill(head) {
    form.elements.lesson_id.value = head ? head.dataset.lessonId : "";
    pickDay(head ? head.dataset.date : "");
    form.elements.number.value = head ? head.dataset.number : timetableNumber();
    form.elements.topic.value = head ? head.dataset.topic : (root.dataset.nextTopic || "");
    form.elements.homework.value = head ? head.dataset.homework : "";
    if (form.elements.homework_due) form.elements.homework_due.value = head ? head.dataset.homeworkDue : "";
    form.elements.work_type_id.value = head ? head.dataset.workTypeId : "";
    form.elements.from_paper.checked = head ? head.hasAttribute("data-from-paper") : false;
    title.textContent = head ? "Урок " + head.dataset.date.split("-").reverse().join(".") : "Новый урок";
    remove.hidden = !head;
    error.textContent = "";
    grid.querySelectorAll("th.lesson-head.current").forEach(function (th) { th.classList.remove("current"); });
    if (head) {
      head.classList.add("current");
      head.scrollIntoView({block: "nearest", inline: "center"});
    }
    showWorks(head);
    form.hidden = false;
    form.scrollIntoView({block: "nearest"});
    form.elements.topic.focus();
    form.elements.topic.select();
  }

  // The works within an open lesson: listed with «убрать», and one more added.
  const works = document.getElementById("lf-works");
  const workList = document.getElementById("lf-work-list");
  function showWorks(head) {
    works.hidden = !head;
    workList.textContent = "";
    if (!head) return;
    const added = Array.from(grid.querySelectorAll('th.work-head[data-lesson-id="' + head.dataset.lessonId + '"]'));
    // A work already there, or the lesson's own kind, is not offered again.
    const taken = added.map(function (th) { return th.dataset.workTypeId; }).concat([head.dataset.workTypeId]);
    const choice = document.getElementById("lf-add-work");
    Array.from(choice.options).forEach(function (o) { o.disabled = taken.includes(o.value); });
    const free = Array.from(choice.options).find(function (o) { return !o.disabled; });
    choice.value = free ? free.value : "";
    document.getElementById("lf-work-add").disabled = !free;
    added.forEach(function (th) {
      const item = document.createElement("li");
      item.textContent = th.dataset.workName + " ";
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "btn btn-link btn-sm p-0 text-danger";
      drop.textContent = "убрать";
      drop.addEventListener("click", function () { changeWork(th.dataset.workTypeId, true); });
      item.appendChild(drop);
      workList.appendChild(item);
    });
  }
  function changeWork(workTypeId, remove) {
    if (remove && !window.confirm("Убрать работу вместе с её отметками?")) return;
    post(root.dataset.apiWork, {lesson_id: form.elements.lesson_id.value,
                                work_type_id: workTypeId, remove: remove})
      .then(function () {
        const url = new URL(window.location.href);
        url.searchParams.delete("lesson");
        url.searchParams.set("focus", form.elements.lesson_id.value);
        if (remove) url.searchParams.delete("work"); else url.searchParams.set("work", workTypeId);
        window.location.assign(url.toString());
      }, function (e) { error.textContent = e.message; });
  }
  document.getElementById("lf-work-add").addEventListener("click", function () {
    changeWork(document.getElementById("lf-add-work").value, false);
  });

  grid.querySelectorAll("th.lesson-head").forEach(function (head) {
    head.querySelector(".lesson-btn").addEventListener("click", function () {
      if (!head.classList.contains("editable")) {
        say("Тема: " + (head.dataset.topic || "—") + ". Изменить урок может только его учитель.", false);
        return;
      }
      fill(head);
    });
  });
  document.getElementById("lesson-new").addEventListener("click", function () { fill(null); });
  const add = document.getElementById("lesson-add");
  if (add) add.addEventListener("click", function () { fill(null); });

  // Enter goes to the next field (a half-typed topic is never saved by it); on the save
  // button it saves, as does Ctrl+Enter anywhere; Shift+Enter is a new line in the homework.
  // «Сдать к» and «Перенесён из временного журнала» are rarely set: Enter passes them by
  // (Tab or a click reaches them).
  const fields = Array.from(form.querySelectorAll("select, input:not([type=hidden]), textarea, button[type=submit]"))
    .filter(function (f) { return !f.closest("#lf-works") && f.id !== "lf-homework-due" && f.id !== "lf-from-paper"; });
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.matches("button")) return;
    if (event.ctrlKey || event.metaKey) { event.preventDefault(); form.requestSubmit(); return; }
    if (event.shiftKey && event.target.matches("textarea")) return;
    event.preventDefault();
    const next = fields.slice(fields.indexOf(event.target) + 1).find(function (f) { return !f.hidden && !f.disabled; });
    if (next) next.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    data.from_paper = form.elements.from_paper.checked;  // an unticked box is not in FormData
    post(root.dataset.apiLesson, Object.assign({}, data, ids))
      .then(function (body) {
        // The saved lesson's column, its first cell focused: marks are typed next.
        const url = new URL(window.location.href);
        url.searchParams.delete("lesson");
        url.searchParams.set("focus", body.id);
        window.location.assign(url.toString());
      }, function (e) { error.textContent = e.message; });
  });

  // Arriving from «Сегодня» (?lesson=): that lesson's form is open at its column; after a
  // save (?focus=): the column's first cell has the cursor.
  const opened = root.dataset.openLesson &&
    grid.querySelector('th.lesson-head.editable[data-lesson-id="' + root.dataset.openLesson + '"]');
  if (opened) fill(opened);
  const focused = root.dataset.focusLesson &&
    grid.querySelector('input.cell[data-lesson="' + root.dataset.focusLesson + '"]' +
                       (root.dataset.focusWork ? '[data-work="' + root.dataset.focusWork + '"]'
                                               : ":not([data-work])"));
  if (focused && !opened) { focused.focus(); focused.scrollIntoView({block: "nearest", inline: "center"}); }
  remove.addEventListener("click", function () {
    if (!window.confirm("Удалить урок вместе с его отметками и пропусками?")) return;
    post(root.dataset.apiLessonDelete, {lesson_id: form.elements.lesson_id.value})
      .then(function () { window.location.reload(); },
            function (e) { error.textContent = e.message; });
  });
})();
