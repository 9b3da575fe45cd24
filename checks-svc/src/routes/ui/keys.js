// Keyboard shortcuts of the check page: o / a / k / v give the service
// being worked on (the row holding the focus, else the first still to
// check) its status and move on to the next service; Ctrl+Enter saves.
// Without this script the page works the same with Tab and the arrows.
"use strict";
(function () {
  const statuses = { o: "success", a: "warning", k: "error", v: "pending" };
  const form = document.getElementById("check");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll(".service"));
  const typing = (element) => element && (element.tagName === "TEXTAREA" ||
    (element.tagName === "INPUT" && element.type !== "radio"));
  const currentRow = () => {
    const focused = document.activeElement && document.activeElement.closest(".service");
    return focused || rows.find((row) => row.querySelector("input[value=pending]:checked")) || rows[0];
  };
  const focusRow = (row) => {
    if (!row) return;
    const checked = row.querySelector("input[type=radio]:checked") || row.querySelector("input[type=radio]");
    checked.focus();
    row.scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.querySelector("button[value=save]").click();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) return;
    const status = statuses[event.key.toLowerCase()];
    if (!status) return;
    const row = currentRow();
    if (!row) return;
    event.preventDefault();
    row.querySelector(`input[value=${status}]`).checked = true;
    focusRow(rows[rows.indexOf(row) + 1] || row);
  });
})();
