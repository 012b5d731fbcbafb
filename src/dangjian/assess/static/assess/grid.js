// Score grids: Enter moves to the next row's input, like a spreadsheet column; Shift+Enter moves up.
document.addEventListener("keydown", function (event) {
  var input = event.target;
  if (event.key !== "Enter" || !input.matches || !input.matches("input.score")) return;
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input.score"));
  var next = inputs[inputs.indexOf(input) + (event.shiftKey ? -1 : 1)];
  if (next) { event.preventDefault(); next.focus(); next.select(); }
});
