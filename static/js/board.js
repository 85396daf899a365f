// The dispatch board's drag-and-drop (HTML5). A drop fills the page's one move form (engineer, day,
// and the card's own time of day) and submits it: the same POST as the form on each job's page, so
// the server does every check and the page shows its answer. No dependencies, no inline script.
(() => {
  const board = document.querySelector("[data-board]");
  const form = document.getElementById("board-move-form");
  if (!board || !form) return;
  // Cards of the Unscheduled tray are dragged onto the week too; they are dropped only on its cells.
  const tray = document.querySelector("[data-tray]");
  let dragged = null;

  const cellOf = (target) => target.closest && target.closest("td.board-cell");

  const onDragStart = (event) => {
    const card = event.target.closest && event.target.closest(".job-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.job);
  };
  board.addEventListener("dragstart", onDragStart);
  if (tray) tray.addEventListener("dragstart", onDragStart);

  const onDragEnd = () => {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    board.querySelectorAll(".is-drop-target").forEach((cell) => cell.classList.remove("is-drop-target"));
  };
  board.addEventListener("dragend", onDragEnd);
  if (tray) tray.addEventListener("dragend", onDragEnd);

  board.addEventListener("dragover", (event) => {
    const cell = cellOf(event.target);
    if (!cell || !dragged) return;
    event.preventDefault(); // allow the drop
    event.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("is-drop-target")) {
      board.querySelectorAll(".is-drop-target").forEach((other) => other.classList.remove("is-drop-target"));
      cell.classList.add("is-drop-target");
    }
  });

  board.addEventListener("dragleave", (event) => {
    const cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("is-drop-target");
  });

  board.addEventListener("drop", (event) => {
    const cell = cellOf(event.target);
    if (!cell || !dragged) return;
    event.preventDefault();
    const card = dragged;
    const sameRow = card.closest("tr") === cell.closest("tr");
    const sameDay = card.closest("td") === cell;
    if (sameRow && sameDay) return;
    form.action = card.dataset.moveUrl;
    // The row's engineer ("unassigned" for the last row; the server refuses to unassign a job). A card
    // from the tray has no row: it takes the cell's.
    form.elements.engineer.value = sameRow ? "" : cell.dataset.engineer;
    form.elements.date.value = cell.dataset.date;
    form.elements.start.value = card.dataset.start || "";
    form.elements.end.value = card.dataset.end || "";
    card.setAttribute("aria-busy", "true");
    form.submit();
  });
})();
